import BitcoinWire
import PeerEngine

/// The message log: one frame per row, following the newest unless paused. Only the visible
/// rows are read from the log, so drawing costs the same for 1,000 or 1,000,000 frames.
enum MessageLogPane {
    /// Columns before the summary: time, peer, arrow, command, size, checksum.
    static let fixedWidth = 9 + 1 + 3 + 1 + 1 + 1 + 12 + 1 + 7 + 1 + 1 + 1

    /// The widths of the peer and arrow columns: 3 and 1, or with relayed pairs 5 and 3
    /// (`3⇄4 A→B`).
    struct Columns {
        var peer = 3
        var arrow = 1
        static let relay = Columns(peer: 5, arrow: 3)
        var commandCol: Int { 9 + 1 + peer + 1 + arrow + 1 }
    }

    /// What a row of a relayed message shows beyond its frame.
    struct RelayRow {
        /// `3⇄4`: the pair's legs, A first.
        var legs: String
        /// The side it came from.
        var from: RelaySide
        /// What intercept did with it.
        var outcome: RelayOutcome?
        /// Sent on the other leg (its copy is attached).
        var forwarded: Bool
        /// How the copy sent on was broken (`forward hN --corrupt KIND`), if it was.
        var copyTag: String?
    }

    /// The relay part of row `seq`, for a frame of a relayed message (not a leg's own
    /// handshake step).
    static func relayRow(_ model: ConsoleModel, seq: Int, frame: FrameEvent) -> RelayRow? {
        guard let mark = frame.relay, mark.sequence > 0 else { return nil }
        let legs = model.legs(ofPair: mark.pair)
        let text = "\(legs.a.map(String.init) ?? "?")⇄\(legs.b.map(String.init) ?? "?")"
        let forwarded = model.log.forwarded(seq) != nil || mark.leg != mark.from
        return RelayRow(
            legs: text, from: mark.from, outcome: model.log.outcome(seq), forwarded: forwarded,
            copyTag: model.log.forwarded(seq)?.injectionTag)
    }

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
        let columns = model.relay.active ? Columns.relay : Columns()
        for r in 0..<inner.height {
            let position = top + r
            guard let seq = model.log.seq(at: position), let frame = model.log[seq] else { break }
            let row = inner.row + r
            let relayed = model.relay.active ? relayRow(model, seq: seq, frame: frame) : nil
            drawRow(frame, relay: relayed, columns: columns, row: row, col: inner.col, width: inner.width, into: &screen)
            if model.isMatch(frame) {
                // A search match: the command cell stands out (it survives the reversed selection).
                let commandCol = inner.col + columns.commandCol
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
    static func drawRow(
        _ frame: FrameEvent, relay: RelayRow? = nil, columns: Columns = Columns(), row: Int, col: Int, width: Int, into screen: inout Screen
    ) {
        // Frames we injected stand out: bold magenta when corrupted, magenta otherwise.
        let corrupt = frame.injected
        let base = frame.corruption != nil ? CellStyle(.corrupt, bold: true) : corrupt ? CellStyle(.corrupt) : CellStyle.plain
        var x = col
        func field(_ text: String, _ w: Int, _ style: CellStyle, right: Bool = false) {
            screen.putField(text, row: row, col: x, width: min(w, col + width - x), style: style, alignRight: right)
            x += w + 1
        }
        field(Format.clock(frame.time), 9, corrupt ? base : CellStyle(.dim))
        if let relay {
            // A relayed message once, the way it went: `3⇄4 A→B`.
            field(relay.legs, columns.peer, base, right: true)
            let arrow = relay.from == .a ? "A→B" : "B→A"
            field(arrow, columns.arrow, corrupt ? base : CellStyle(relay.from == .a ? .accent : .good, bold: true))
        } else {
            field(String(frame.peer), columns.peer, base, right: true)
            field(frame.direction == .sent ? "→" : "←", columns.arrow, corrupt ? base : CellStyle(frame.direction == .sent ? .accent : .good, bold: true))
        }
        field(frame.label, 12, base.emboldened)
        field(String(frame.size), 7, base, right: true)
        if frame.kind == .gap {
            field("!", 1, CellStyle(.bad, bold: true))
        } else {
            field(frame.checksumOK ? "✓" : "✗", 1, frame.checksumOK ? CellStyle(.good) : CellStyle(.bad, bold: true))
        }
        if let outcome = relay?.outcome {
            // Intercept's word first, in its colour: held (yellow), dropped (red), forwarded.
            let tagStyle: CellStyle
            switch outcome {
            case .held: tagStyle = CellStyle(.warn, bold: true, reverse: true)
            case .dropped: tagStyle = CellStyle(.bad, bold: true)
            case .forwarded: tagStyle = CellStyle(.good)
            }
            let tag = outcome.tag
            let room = col + width - x
            guard room > 0 else { return }
            screen.putField(tag, row: row, col: x, width: min(tag.count, room), style: tagStyle)
            x += tag.count + 1
        }
        let rest = col + width - x
        guard rest > 0 else { return }
        var summary = frame.summary
        if let tag = frame.injectionTag { summary = tag + " " + summary }
        if let tag = relay?.copyTag { summary = tag + " " + summary }
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
