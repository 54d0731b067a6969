import BitcoinWire
import PeerEngine

/// One frame in full: the hex dump with the header fields in their own colours, beside (or,
/// on a narrow terminal, above) the decoded field tree.
enum MessageDetailView {
    /// Width of a `HexDump.Line.text`: offset, 16 bytes of hex, and the ASCII column.
    static let dumpWidth = 74

    static func role(_ region: FrameRegion) -> CellStyle {
        switch region {
        case .magic: return CellStyle(.magic, bold: true)
        case .command: return CellStyle(.command, underline: true)
        case .length: return CellStyle(.length, bold: true)
        case .checksum: return CellStyle(.checksum, bold: true, underline: true)
        case .payload, .contents, .garbage: return .plain
        case .encryptedLength: return CellStyle(.length, bold: true)
        case .headerByte: return CellStyle(.command, underline: true)
        case .tag: return CellStyle(.checksum, bold: true, underline: true)
        case .key: return CellStyle(.magic, bold: true)
        case .terminator: return CellStyle(.command, bold: true)
        }
    }

    static func draw(_ frame: FrameEvent?, state: MessageDetailState?, seq: Int, scroll: Int, in rect: Rect, into screen: inout Screen) {
        guard let frame else {
            screen.box(rect, title: "Frame #\(seq) · Esc closes")
            screen.put("this frame has left the log (see --log-limit)", row: rect.inner.row, col: rect.inner.col, style: CellStyle(.warn))
            return
        }
        let arrow = frame.direction == .sent ? "→ sent" : "← received"
        let hint = state?.treeHasFocus == true ? "↑↓ fields · ←→ sideways · Enter expands · Tab dump" : "Tab fields"
        screen.box(rect, title: "Frame #\(seq) · peer \(frame.peer) \(arrow) · \(frame.label) · \(frame.raw.count) bytes · \(hint) · Esc closes",
                   style: CellStyle(.accent, bold: true))
        let inner = rect.inner
        guard inner.height > 1 else { return }
        // Line 1: the summary, the checksum verdict, the corruption.
        var x = inner.col
        x += screen.put("\(Format.clock(frame.time))  ", row: inner.row, col: x, style: CellStyle(.dim))
        if frame.kind == .gap {
            x += screen.put("bytes missing  ", row: inner.row, col: x, style: CellStyle(.bad, bold: true))
        } else if frame.transport == .v2 {
            x += screen.put("v2 authenticated  ", row: inner.row, col: x, style: CellStyle(.good))
        } else {
            x += screen.put(frame.checksumOK ? "checksum ✓  " : "checksum ✗  ", row: inner.row, col: x,
                            style: frame.checksumOK ? CellStyle(.good) : CellStyle(.bad, bold: true))
        }
        if let corruption = frame.corruption {
            x += screen.put("!corrupt:\(corruption)  ", row: inner.row, col: x, style: CellStyle(.corrupt, bold: true))
        }
        screen.put(frame.summary, row: inner.row, col: x, limit: inner.right - x)
        // Line 2: the legend.
        x = inner.col
        for region in frame.layout.regions {
            x += screen.put(region.rawValue, row: inner.row + 1, col: x, style: role(region))
            x += 2
        }
        let content = Rect(row: inner.row + 2, col: inner.col, width: inner.width, height: inner.height - 2)
        let dump = HexDump.lines(frame.raw)
        let treeState = state ?? MessageDetailState(seq: seq, frame: frame)
        let rows = treeState.rows
        let focused = treeState.treeHasFocus
        let highlight = treeState.highlighted
        let sideways = treeState.sideways
        func treeText(_ i: Int) -> String { String(rows[i].text.dropFirst(sideways)) }
        let sideBySide = inner.width >= dumpWidth + 3 + 30 && !dump.isEmpty
        if sideBySide {
            // Two panes that scroll on their own: the tree keeps its selection in view, and
            // the dump shows the selected field's first bytes.
            let height = content.height
            var dumpTop = min(scroll, max(0, dump.count - height))
            var treeTop = min(scroll, max(0, rows.count - height))
            if focused {
                treeTop = min(max(0, treeState.selected - height / 2), max(0, rows.count - height))
                if let highlight {
                    let first = highlight.lowerBound / HexDump.bytesPerLine
                    let last = (highlight.upperBound - 1) / HexDump.bytesPerLine
                    if first < dumpTop || last >= dumpTop + height {
                        dumpTop = min(max(0, first - 1), max(0, dump.count - height))
                    }
                }
            }
            let treeCol = content.col + dumpWidth + 3
            for r in 0..<height {
                let row = content.row + r
                if dumpTop + r < dump.count {
                    drawDumpLine(dump[dumpTop + r], layout: frame.layout, highlight: highlight, row: row, col: content.col, into: &screen)
                }
                screen.put("│", row: row, col: content.col + dumpWidth + 1, style: CellStyle(.dim))
                let i = treeTop + r
                if i < rows.count {
                    let selected = focused && i == treeState.selected
                    screen.put(treeText(i), row: row, col: treeCol, style: selected ? CellStyle.plain.reversed : .plain, limit: content.right - treeCol)
                }
            }
            let total = max(dump.count, rows.count)
            if total > height {
                let more = focused ? "field \(treeState.selected + 1)/\(rows.count)" : "\(dumpTop + 1)-\(min(dump.count, dumpTop + height))/\(dump.count) ↑↓ PgUp PgDn"
                screen.put(" \(more) ", row: rect.bottom - 1, col: max(rect.col + 2, rect.right - more.count - 4), style: CellStyle(.dim))
            }
            return
        }
        let total = dump.count + 1 + rows.count
        var top = min(scroll, max(0, total - content.height))
        if focused {
            let at = dump.count + 1 + treeState.selected
            if at < top || at >= top + content.height { top = min(max(0, at - content.height / 2), max(0, total - content.height)) }
        }
        for r in 0..<content.height {
            let i = top + r
            let row = content.row + r
            if i < dump.count {
                drawDumpLine(dump[i], layout: frame.layout, highlight: highlight, row: row, col: content.col, into: &screen)
            } else if i > dump.count, i - dump.count - 1 < rows.count {
                let t = i - dump.count - 1
                let selected = focused && t == treeState.selected
                screen.put(treeText(t), row: row, col: content.col, style: selected ? CellStyle.plain.reversed : .plain, limit: content.width)
            }
        }
        if total > content.height {
            let more = "\(top + 1)-\(min(total, top + content.height))/\(total) ↑↓ PgUp PgDn"
            screen.put(" \(more) ", row: rect.bottom - 1, col: max(rect.col + 2, rect.right - more.count - 4), style: CellStyle(.dim))
        }
    }

    /// A dump line with each byte, in hex and in the ASCII column, styled by its region.
    static func drawDumpLine(_ line: HexDump.Line, layout: FrameLayout, highlight: Range<Int>? = nil, row: Int, col: Int, into screen: inout Screen) {
        screen.put(line.text, row: row, col: col, limit: dumpWidth)
        screen.restyle(Rect(row: row, col: col, width: 4, height: 1)) { _ in CellStyle(.dim) }
        for i in 0..<line.bytes.count {
            let region = layout.region(at: line.offset + i)
            var style = region.map(role) ?? .plain
            // The selected field's bytes, in reverse video (hex and ASCII).
            if let highlight, highlight.contains(line.offset + i) { style = CellStyle(.accent, bold: true, reverse: true) }
            guard style != .plain else { continue }
            let hexCol = col + 6 + i * 3 + (i >= 8 ? 1 : 0)
            screen.restyle(Rect(row: row, col: hexCol, width: 2, height: 1)) { _ in style }
            screen.restyle(Rect(row: row, col: col + 57 + i, width: 1, height: 1)) { _ in style }
        }
    }
}
