#!/usr/bin/env python3
"""Render a `tmux capture-pane -e -p` dump (ANSI text) to a PNG, cell by cell.

Usage: screenshots.py IN.ansi OUT.png COLUMNS ROWS
"""
import sys

import pyte
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 15
BACKGROUND = (24, 26, 31)
FOREGROUND = (214, 218, 224)
# The 16 ANSI colours, tuned a little for a dark background.
NAMED = {
    "black": (40, 42, 48), "red": (224, 96, 96), "green": (120, 200, 110), "brown": (230, 190, 90),
    "yellow": (230, 190, 90), "blue": (100, 150, 235), "magenta": (210, 120, 220), "cyan": (90, 200, 210),
    "white": (214, 218, 224), "brightblack": (110, 114, 122), "brightred": (255, 120, 120),
    "brightgreen": (150, 230, 140), "brightbrown": (255, 215, 120), "brightyellow": (255, 215, 120),
    "brightblue": (130, 175, 255), "brightmagenta": (235, 150, 245), "brightcyan": (120, 225, 235),
    "brightwhite": (255, 255, 255),
}


def colour(name, default):
    if name == "default":
        return default
    if name in NAMED:
        return NAMED[name]
    if len(name) == 6:
        try:
            return tuple(int(name[i:i + 2], 16) for i in (0, 2, 4))
        except ValueError:
            pass
    return default


def main():
    src, dst, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    screen = pyte.Screen(cols, rows)
    stream = pyte.Stream(screen)
    with open(src, encoding="utf-8", errors="replace") as f:
        text = f.read()
    # capture-pane ends lines with \n only; a terminal needs \r\n.
    stream.feed(text.rstrip("\n").replace("\n", "\r\n"))

    regular = ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", SIZE)
    bold = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", SIZE)
    cell_w = round(regular.getlength("M"))
    ascent, descent = regular.getmetrics()
    cell_h = ascent + descent + 2
    pad = 10
    image = Image.new("RGB", (cols * cell_w + 2 * pad, rows * cell_h + 2 * pad), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for y in range(rows):
        line = screen.buffer[y]
        for x in range(cols):
            ch = line[x]
            fg = colour(ch.fg, FOREGROUND)
            bg = colour(ch.bg, BACKGROUND)
            if ch.reverse:
                fg, bg = (bg if ch.bg != "default" else BACKGROUND), (fg if ch.fg != "default" else FOREGROUND)
            left, top = pad + x * cell_w, pad + y * cell_h
            if bg != BACKGROUND:
                draw.rectangle([left, top, left + cell_w - 1, top + cell_h - 1], fill=bg)
            if ch.data and ch.data != " ":
                draw.text((left, top + 1), ch.data, font=bold if ch.bold else regular, fill=fg)
            if ch.underscore:
                draw.line([left, top + cell_h - 2, left + cell_w - 1, top + cell_h - 2], fill=fg)
    image.save(dst)


if __name__ == "__main__":
    main()
