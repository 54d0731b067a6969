/// The help overlay: keys and commands.
enum HelpView {
    static let keys: [(String, String)] = [
        ("Tab / Shift-Tab", "move focus: peers → messages → command line"),
        (":", "go to the command line"),
        ("↑ ↓ PgUp PgDn Home", "move in the focused pane"),
        ("End or F", "messages: follow the newest again"),
        ("Enter", "open detail: ladder (peers) or frame (messages)"),
        ("Esc", "close the detail view"),
        ("/", "search the log (then n later, N earlier match)"),
        ("a", "the Addresses view: s sort, n network, v service bit, Enter connects"),
        ("c", "the crawl view: progress and charts of the running or last crawl"),
        ("p", "the probe view: each case's reaction and verdict; Enter shows its ladder"),
        ("? or F1", "this help"),
        ("q or Ctrl-C", "quit (from peers or messages)"),
        ("Ctrl-C", "command line: clear it; on an empty line, quit"),
        ("← → Home End ^A ^E", "command line: move; ^U ^W Backspace delete"),
        ("↑ ↓ / Tab", "command line: history / complete"),
    ]

    static var lines: [String] {
        var out = ["Keys"]
        let keyWidth = keys.map(\.0.count).max() ?? 0
        out += keys.map { "  " + Screen.fit($0.0, keyWidth) + "  " + $0.1 }
        out.append("Commands")
        out += CommandParser.usage.map { "  \($0.command)" }
        return out
    }

    static func draw(in area: Rect, into screen: inout Screen) {
        let content = lines
        let width = min(area.width - 4, max(60, (content.map(\.count).max() ?? 0) + 4))
        let height = min(area.height, content.count + 2)
        let rect = Rect(row: area.row + max(0, (area.height - height) / 2), col: area.col + max(0, (area.width - width) / 2), width: width, height: height)
        screen.fill(rect)
        screen.box(rect, title: "Help · any key closes", style: CellStyle(.accent, bold: true))
        for (i, line) in content.prefix(rect.inner.height).enumerated() {
            let heading = !line.hasPrefix(" ") && !line.isEmpty
            screen.put(line, row: rect.inner.row + i, col: rect.inner.col + 1, style: heading ? CellStyle(.accent, bold: true) : .plain, limit: rect.inner.width - 1)
        }
    }
}
