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
        case .payload: return .plain
        }
    }

    /// The field tree's lines: the header fields, then the payload's.
    static func treeLines(_ frame: FrameEvent) -> [String] {
        guard let inspected = frame.inspected else { return ["(fewer than 24 bytes: no header)"] }
        var lines = ["header"] + Field.render(inspected.headerFields, indent: 1)
        let payload = inspected.fields
        lines.append("payload \(inspected.payload.count) bytes")
        lines += payload.isEmpty ? ["  (empty)"] : Field.render(payload, indent: 1)
        if case let .failure(error) = frame.message { lines.append("error: \(error)") }
        return lines
    }

    static func draw(_ frame: FrameEvent?, seq: Int, scroll: Int, in rect: Rect, into screen: inout Screen) {
        guard let frame else {
            screen.box(rect, title: "Frame #\(seq) · Esc closes")
            screen.put("this frame has left the log (see --log-limit)", row: rect.inner.row, col: rect.inner.col, style: CellStyle(.warn))
            return
        }
        let arrow = frame.direction == .sent ? "→ sent" : "← received"
        screen.box(rect, title: "Frame #\(seq) · peer \(frame.peer) \(arrow) · \(frame.command) · \(frame.raw.count) bytes · Esc closes",
                   style: CellStyle(.accent, bold: true))
        let inner = rect.inner
        guard inner.height > 1 else { return }
        // Line 1: the summary, the checksum verdict, the corruption.
        var x = inner.col
        x += screen.put("\(Format.clock(frame.time))  ", row: inner.row, col: x, style: CellStyle(.dim))
        x += screen.put(frame.checksumOK ? "checksum ✓  " : "checksum ✗  ", row: inner.row, col: x,
                        style: frame.checksumOK ? CellStyle(.good) : CellStyle(.bad, bold: true))
        if let corruption = frame.corruption {
            x += screen.put("!corrupt:\(corruption)  ", row: inner.row, col: x, style: CellStyle(.corrupt, bold: true))
        }
        screen.put(frame.summary, row: inner.row, col: x, limit: inner.right - x)
        // Line 2: the legend.
        x = inner.col
        for region in FrameRegion.allCases {
            x += screen.put(region.rawValue, row: inner.row + 1, col: x, style: role(region))
            x += 2
        }
        let content = Rect(row: inner.row + 2, col: inner.col, width: inner.width, height: inner.height - 2)
        let dump = HexDump.lines(frame.raw)
        let tree = treeLines(frame)
        let sideBySide = inner.width >= dumpWidth + 3 + 30
        let total = sideBySide ? max(dump.count, tree.count) : dump.count + 1 + tree.count
        let top = min(scroll, max(0, total - content.height))
        for r in 0..<content.height {
            let i = top + r
            let row = content.row + r
            if sideBySide {
                if i < dump.count { drawDumpLine(dump[i], row: row, col: content.col, into: &screen) }
                screen.put("│", row: row, col: content.col + dumpWidth + 1, style: CellStyle(.dim))
                if i < tree.count {
                    let treeCol = content.col + dumpWidth + 3
                    screen.put(tree[i], row: row, col: treeCol, limit: content.right - treeCol)
                }
            } else if i < dump.count {
                drawDumpLine(dump[i], row: row, col: content.col, into: &screen)
            } else if i > dump.count, i - dump.count - 1 < tree.count {
                screen.put(tree[i - dump.count - 1], row: row, col: content.col, limit: content.width)
            }
        }
        if total > content.height {
            let more = "\(top + 1)-\(min(total, top + content.height))/\(total) ↑↓ PgUp PgDn"
            screen.put(" \(more) ", row: rect.bottom - 1, col: max(rect.col + 2, rect.right - more.count - 4), style: CellStyle(.dim))
        }
    }

    /// A dump line with each byte, in hex and in the ASCII column, styled by its region.
    static func drawDumpLine(_ line: HexDump.Line, row: Int, col: Int, into screen: inout Screen) {
        screen.put(line.text, row: row, col: col, limit: dumpWidth)
        screen.restyle(Rect(row: row, col: col, width: 4, height: 1)) { _ in CellStyle(.dim) }
        for i in 0..<line.bytes.count {
            let style = role(FrameRegion(offset: line.offset + i))
            guard style != .plain else { continue }
            let hexCol = col + 6 + i * 3 + (i >= 8 ? 1 : 0)
            screen.restyle(Rect(row: row, col: hexCol, width: 2, height: 1)) { _ in style }
            screen.restyle(Rect(row: row, col: col + 57 + i, width: 1, height: 1)) { _ in style }
        }
    }
}
