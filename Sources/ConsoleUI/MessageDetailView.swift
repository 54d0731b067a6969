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

    /// The field tree's lines: the header fields, then the payload's. A v2 packet shows
    /// its parts, then the decrypted message's fields.
    static func treeLines(_ frame: FrameEvent) -> [String] {
        if frame.kind == .gap {
            return ["gap: \(frame.size) bytes of the TCP stream were not captured", "  \(frame.summary)"]
        }
        if frame.transport == .v2 { return v2TreeLines(frame) }
        let header = frame.headerFields
        guard !header.isEmpty else { return ["(fewer than 24 bytes: no header)"] }
        var lines = ["header"] + Field.render(header, indent: 1)
        let payload = frame.fields
        lines.append("payload \(frame.payload.count) bytes")
        lines += payload.isEmpty ? ["  (empty)"] : Field.render(payload, indent: 1)
        if case let .failure(error) = frame.message { lines.append("error: \(error)") }
        return lines
    }

    static func v2TreeLines(_ frame: FrameEvent) -> [String] {
        var lines: [String] = []
        switch frame.kind {
        case .v2Key: lines = ["ElligatorSwift public key, \(frame.raw.count) bytes", "  (indistinguishable from random)"]
        case .v2Garbage: lines = ["garbage, \(frame.size) bytes", "  (random; authenticated as the AAD of the", "   first packet after the terminator)"]
        case .v2Terminator: lines = ["garbage terminator, \(frame.raw.count) bytes"]
        default:
            lines = ["v2 packet \(frame.raw.count) bytes (encrypted)"]
            for part in frame.layout.parts {
                let r = part.range
                lines.append("  \(part.region.rawValue) " + (r.count == 1 ? "\(r.lowerBound)" : "\(r.lowerBound)-\(r.upperBound - 1)"))
            }
            lines.append("decrypted contents \(max(0, frame.raw.count - 20)) bytes")
            switch frame.kind {
            case .v2Decoy: lines.append("  decoy (ignore bit set): skipped")
            case .v2Version: lines.append("  version packet (transport features: none)")
            case .v2UnknownID: lines.append("  unknown message type id: skipped, as Core does")
            default:
                let typeBytes = max(0, frame.raw.count - 20 - frame.payload.count)
                lines.append("  message type \(frame.label) (\(typeBytes == 1 ? "short id" : "long form"), \(typeBytes) bytes)")
                lines.append("  payload \(frame.payload.count) bytes")
                let fields = frame.fields
                lines += fields.isEmpty ? ["    (empty)"] : Field.render(fields, indent: 2)
            }
        }
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
        screen.box(rect, title: "Frame #\(seq) · peer \(frame.peer) \(arrow) · \(frame.label) · \(frame.raw.count) bytes · Esc closes",
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
        let tree = treeLines(frame)
        let sideBySide = inner.width >= dumpWidth + 3 + 30 && !dump.isEmpty
        let total = sideBySide ? max(dump.count, tree.count) : dump.count + 1 + tree.count
        let top = min(scroll, max(0, total - content.height))
        for r in 0..<content.height {
            let i = top + r
            let row = content.row + r
            if sideBySide {
                if i < dump.count { drawDumpLine(dump[i], layout: frame.layout, row: row, col: content.col, into: &screen) }
                screen.put("│", row: row, col: content.col + dumpWidth + 1, style: CellStyle(.dim))
                if i < tree.count {
                    let treeCol = content.col + dumpWidth + 3
                    screen.put(tree[i], row: row, col: treeCol, limit: content.right - treeCol)
                }
            } else if i < dump.count {
                drawDumpLine(dump[i], layout: frame.layout, row: row, col: content.col, into: &screen)
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
    static func drawDumpLine(_ line: HexDump.Line, layout: FrameLayout, row: Int, col: Int, into screen: inout Screen) {
        screen.put(line.text, row: row, col: col, limit: dumpWidth)
        screen.restyle(Rect(row: row, col: col, width: 4, height: 1)) { _ in CellStyle(.dim) }
        for i in 0..<line.bytes.count {
            guard let region = layout.region(at: line.offset + i) else { continue }
            let style = role(region)
            guard style != .plain else { continue }
            let hexCol = col + 6 + i * 3 + (i >= 8 ? 1 : 0)
            screen.restyle(Rect(row: row, col: hexCol, width: 2, height: 1)) { _ in style }
            screen.restyle(Rect(row: row, col: col + 57 + i, width: 1, height: 1)) { _ in style }
        }
    }
}
