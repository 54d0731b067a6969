import BitcoinWire
import PeerEngine

/// The message log: one frame per row, following the newest unless paused. Only the visible
/// rows are read from the log, so drawing costs the same for 1,000 or 1,000,000 frames.
enum MessageLogPane {
    /// Columns before the summary: time, peer, arrow, command, size, checksum.
    static let fixedWidth = 9 + 1 + 3 + 1 + 1 + 1 + 12 + 1 + 7 + 1 + 1 + 1

    static func draw(_ model: ConsoleModel, in rect: Rect, into screen: inout Screen) {
        let focused = model.focus == .log
        var title = "Messages \(model.log.count)"
        if let filter = model.log.filter { title += " · filter: \(filter)" }
        if let search = model.search { title += " · /\(search.text)" }
        if !model.following { title += " · paused — End/F to follow" }
        screen.box(rect, title: title, style: PeerTablePane.borderStyle(focused),
                   titleStyle: model.following ? CellStyle(.accent, bold: true) : CellStyle(.warn, bold: true))
        let inner = rect.inner
        guard inner.height > 0 else { return }
        if model.log.count == 0 {
            let text = model.log.filter == nil ? "no frames yet" : "no frames match the filter (filter off to clear it)"
            screen.put(text, row: inner.row, col: inner.col, style: CellStyle(.dim))
            return
        }
        let (top, selected) = model.logViewport()
        for r in 0..<inner.height {
            let position = top + r
            guard let frame = model.log.frame(at: position) else { break }
            let row = inner.row + r
            drawRow(frame, row: row, col: inner.col, width: inner.width, into: &screen)
            if model.isMatch(frame) {
                // A search match: the command cell stands out (it survives the reversed selection).
                let commandCol = inner.col + 9 + 1 + 3 + 1 + 1 + 1
                screen.restyle(Rect(row: row, col: commandCol, width: min(12, max(0, inner.right - commandCol)), height: 1)) { _ in
                    CellStyle(.warn, bold: true, underline: true)
                }
            }
            if position == selected && (focused || !model.following) {
                screen.restyle(Rect(row: row, col: inner.col, width: inner.width, height: 1)) { $0.reversed }
            }
        }
    }

    /// One log row.
    static func drawRow(_ frame: FrameEvent, row: Int, col: Int, width: Int, into screen: inout Screen) {
        // Frames we injected stand out: bold magenta when corrupted, magenta otherwise.
        let corrupt = frame.injected
        let base = frame.corruption != nil ? CellStyle(.corrupt, bold: true) : corrupt ? CellStyle(.corrupt) : CellStyle.plain
        var x = col
        func field(_ text: String, _ w: Int, _ style: CellStyle, right: Bool = false) {
            screen.putField(text, row: row, col: x, width: min(w, col + width - x), style: style, alignRight: right)
            x += w + 1
        }
        field(Format.clock(frame.time), 9, corrupt ? base : CellStyle(.dim))
        field(String(frame.peer), 3, base, right: true)
        field(frame.direction == .sent ? "→" : "←", 1, corrupt ? base : CellStyle(frame.direction == .sent ? .accent : .good, bold: true))
        field(frame.label, 12, base.emboldened)
        field(String(frame.size), 7, base, right: true)
        if frame.kind == .gap {
            field("!", 1, CellStyle(.bad, bold: true))
        } else {
            field(frame.checksumOK ? "✓" : "✗", 1, frame.checksumOK ? CellStyle(.good) : CellStyle(.bad, bold: true))
        }
        let rest = col + width - x
        guard rest > 0 else { return }
        var summary = frame.summary
        if let tag = frame.injectionTag { summary = tag + " " + summary }
        // A v2 message reads like a v1 one, marked v2 (its ✓ means the packet authenticated).
        if frame.transport == .v2 && frame.kind == .message { summary = "v2 " + summary }
        // Raw hex beside the summary: v1's payload bytes, v2's decrypted payload.
        let payload = frame.kind == .message ? frame.payload : frame.raw[...]
        let summaryWidth = rest < 30 ? rest : rest * 11 / 20
        let hexBytes = min(payload.count, max(0, (rest - summaryWidth) / 3))
        screen.putField(summary, row: row, col: x, width: summaryWidth, style: base)
        if hexBytes > 0 {
            let hex = Format.hex(payload.prefix(hexBytes))
            screen.put(hex, row: row, col: x + summaryWidth + 1, style: corrupt ? base : CellStyle(.dim), limit: rest - summaryWidth - 1)
        }
    }
}
