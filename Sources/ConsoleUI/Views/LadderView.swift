import BitcoinWire
import PeerEngine

/// A peer's frames as a ladder diagram: us on the left, the peer on the right, time going
/// down, one arrow per frame (`──── version ───▶`, `◀─── verack ────`).
enum LadderView {
    static func draw(
        peer: PeerInfo?, id: PeerID, frames: FilteredIndex, log: MessageLog, scroll: Int, now: Double,
        in rect: Rect, into screen: inout Screen, title custom: String? = nil, them custom2: String? = nil
    ) {
        var title = custom ?? "Ladder · peer \(id)"
        if let peer {
            title += " \(peer.address)"
            if let agent = peer.version?.userAgent { title += " \(agent)" }
            title += " · \(PeerTablePane.phase(peer, now: now).0)"
            if let silence = peer.silence, !peer.phase.isEnd { title += " (awaiting \(silence.awaiting))" }
        }
        screen.box(rect, title: title + " · Esc closes", style: CellStyle(.accent, bold: true))
        var inner = rect.inner
        guard inner.height > 2 else { return }
        // The transport, and for v2 the session id (not secret; Core's getpeerinfo shows it).
        if let peer, let transport = peer.transport, inner.height > 3 {
            var line = "transport \(transport.rawValue)"
            if peer.fellBackToV1 { line += " (after the v2 key exchange was closed by the peer)" }
            if let sid = peer.sessionID { line += " · session id \(Hex.encode(sid))" }
            if let proxy = peer.proxy { line += " · via SOCKS5 proxy \(proxy)" }
            screen.put(line, row: inner.row, col: inner.col, style: CellStyle(.dim), limit: inner.width)
            inner = Rect(row: inner.row + 1, col: inner.col, width: inner.width, height: inner.height - 1)
        }
        let timeWidth = 9
        let left = inner.col + timeWidth + 2
        let span = min(40, max(20, (inner.width - timeWidth - 2) / 2))
        let right = left + span + 1
        // Header: who is on which side.
        screen.put("time", row: inner.row, col: inner.col, style: CellStyle(.accent, bold: true))
        screen.put("us", row: inner.row, col: left, style: CellStyle(.accent, bold: true))
        let them = custom2 ?? "peer \(id)"
        screen.put(them, row: inner.row, col: max(left + 3, right - them.count + 1), style: CellStyle(.accent, bold: true))
        screen.put("summary", row: inner.row, col: right + 2, style: CellStyle(.accent, bold: true))
        let rows = inner.height - 1
        let count = frames.count
        if count == 0 {
            screen.put("│", row: inner.row + 1, col: left, style: CellStyle(.dim))
            screen.put("│", row: inner.row + 1, col: right, style: CellStyle(.dim))
            screen.put(custom2 == nil ? "no frames with this peer yet" : "no frames yet", row: inner.row + 2, col: inner.col, style: CellStyle(.dim))
            return
        }
        // `scroll` counts rows up from the newest frame.
        let bottom = max(min(count, rows), count - min(scroll, max(0, count - rows)))
        let top = max(0, bottom - rows)
        for r in 0..<rows {
            let row = inner.row + 1 + r
            screen.put("│", row: row, col: left, style: CellStyle(.dim))
            screen.put("│", row: row, col: right, style: CellStyle(.dim))
            guard top + r < bottom, let seq = frames.seq(at: top + r), let frame = log[seq] else { continue }
            let style: CellStyle = frame.kind == .gap ? CellStyle(.bad, bold: true)
                : frame.injected ? CellStyle(.corrupt, bold: frame.corruption != nil)
                : (frame.checksumOK ? (frame.direction == .sent ? CellStyle(.accent) : CellStyle(.good)) : CellStyle(.bad, bold: true))
            screen.put(Format.clock(frame.time), row: row, col: inner.col, style: CellStyle(.dim))
            screen.put(arrow(frame.label, span: span, sent: frame.direction == .sent), row: row, col: left + 1, style: style, limit: span)
            var note = frame.summary
            if let tag = frame.injectionTag { note = tag + " " + note }
            if !frame.checksumOK { note = "✗ " + note }
            screen.put(note, row: row, col: right + 2, style: frame.injected ? style : .plain, limit: inner.right - right - 2)
        }
        if count > rows {
            let more = " \(top + 1)-\(bottom)/\(count) ↑↓ PgUp PgDn "
            screen.put(more, row: rect.bottom - 1, col: max(rect.col + 2, rect.right - more.count - 2), style: CellStyle(.dim))
        }
    }

    /// `──── version ───▶` (sent) or `◀─── verack ────` (received), `span` cells wide.
    static func arrow(_ command: String, span: Int, sent: Bool) -> String {
        let label = " \(Screen.fit(command, max(1, min(command.count, span - 6)))) "
        let dashes = max(0, span - label.count - 1)
        let leftDashes = dashes / 2
        let rightDashes = dashes - leftDashes
        let line = String(repeating: "─", count: leftDashes) + label + String(repeating: "─", count: rightDashes)
        return sent ? line + "▶" : "◀" + line
    }
}

extension LadderView {
    /// The ladder of a relay leg: three columns, A, verack and B, and each relayed message
    /// as two arrows, A → verack → B (or back). A held message stops at verack until it is
    /// released; a leg's own handshake steps go between that leg and verack only.
    static func drawRelay(_ model: ConsoleModel, leg id: PeerID, in rect: Rect, into screen: inout Screen) {
        guard let info = model.peers[id], let leg = info.relay else { return }
        let legs = model.legs(ofPair: leg.pair)
        let detail = MessageDetailView.RelayDetail(
            mark: RelayMark(pair: leg.pair, leg: leg.side, from: leg.side, sequence: 0), forwarded: nil, outcome: nil,
            a: (legs.a, legs.a.flatMap { model.peers[$0] }), b: (legs.b, legs.b.flatMap { model.peers[$0] }))
        var title = "Ladder · pair \(leg.pair) · A peer \(legs.a.map(String.init) ?? "?") ⇄ B peer \(legs.b.map(String.init) ?? "?")"
        if let a = detail.a.info { title += " · A \(a.address) \(PeerTablePane.phase(a, now: model.now).0)" }
        if let b = detail.b.info { title += " · B \(b.address) \(PeerTablePane.phase(b, now: model.now).0)" }
        screen.box(rect, title: title + " · Esc closes", style: CellStyle(.accent, bold: true))
        var inner = rect.inner
        guard inner.height > 3 else { return }
        // Both legs' transports and session ids, side by side.
        var x = inner.col
        x += screen.put(detail.legLine(.a), row: inner.row, col: x, style: CellStyle(.accent), limit: inner.width)
        x += screen.put("  ⇄  ", row: inner.row, col: x, style: CellStyle(.dim), limit: max(0, inner.right - x))
        x += screen.put(detail.legLine(.b), row: inner.row, col: x, style: CellStyle(.good), limit: max(0, inner.right - x))
        if let sa = detail.a.info?.sessionID, let sb = detail.b.info?.sessionID {
            screen.put(sa == sb ? "  (the same session)" : "  (two sessions)", row: inner.row, col: x, style: CellStyle(.dim), limit: max(0, inner.right - x))
        }
        inner = Rect(row: inner.row + 1, col: inner.col, width: inner.width, height: inner.height - 1)
        let timeWidth = 9
        let colA = inner.col + timeWidth + 2
        let span = min(30, max(12, (inner.width - timeWidth - 2 - 24) / 2))
        let colV = colA + span + 1
        let colB = colV + span + 1
        let bold = CellStyle(.accent, bold: true)
        screen.put("time", row: inner.row, col: inner.col, style: bold)
        screen.put("A \(legs.a.map(String.init) ?? "?")", row: inner.row, col: colA, style: bold)
        screen.put(" verack ", row: inner.row, col: colV - 4, style: bold)
        let b = "B \(legs.b.map(String.init) ?? "?")"
        screen.put(b, row: inner.row, col: colB - b.count + 1, style: bold)
        screen.put("summary", row: inner.row, col: colB + 2, style: bold)
        let rows = inner.height - 1
        let frames = model.ladderIndex
        let count = frames.count
        if count == 0 {
            for c in [colA, colV, colB] { screen.put("│", row: inner.row + 1, col: c, style: CellStyle(.dim)) }
            screen.put("no frames with this pair yet", row: inner.row + 2, col: inner.col, style: CellStyle(.dim))
            return
        }
        let scroll = model.detailScroll
        let bottom = max(min(count, rows), count - min(scroll, max(0, count - rows)))
        let top = max(0, bottom - rows)
        for r in 0..<rows {
            let row = inner.row + 1 + r
            for c in [colA, colV, colB] { screen.put("│", row: row, col: c, style: CellStyle(.dim)) }
            guard top + r < bottom, let seq = frames.seq(at: top + r), let frame = model.log[seq] else { continue }
            screen.put(Format.clock(frame.time), row: row, col: inner.col, style: CellStyle(.dim))
            let style: CellStyle = frame.injected ? CellStyle(.corrupt, bold: frame.corruption != nil)
                : !frame.checksumOK ? CellStyle(.bad, bold: true) : CellStyle(.plain)
            let label = frame.label
            var note = frame.summary
            if let tag = frame.injectionTag { note = tag + " " + note }
            guard let mark = frame.relay else { continue }
            // The segments: left is A–verack, right is verack–B.
            func segment(_ side: RelaySide, text: String, toward verack: Bool, style: CellStyle) {
                let col = side == .a ? colA + 1 : colV + 1
                // Toward verack from A goes right; from B goes left.
                let rightward = (side == .a) == verack
                let line = String(repeating: "─", count: max(0, span - 1))
                let drawn = text.isEmpty ? (rightward ? line + "▶" : "◀" + line) : arrow(text, span: span, sent: rightward)
                screen.put(drawn, row: row, col: col, style: style, limit: span)
            }
            if mark.sequence == 0 {
                // A leg's own step, between that leg and verack.
                segment(mark.leg, text: label, toward: frame.direction == .received, style: style.emboldened)
            } else if mark.leg != mark.from {
                // Sent with no received copy: injected (or its received copy left the log).
                segment(mark.leg, text: label, toward: false, style: style.emboldened)
            } else {
                let fromStyle = mark.from == .a ? CellStyle(.accent) : CellStyle(.good)
                segment(mark.from, text: label, toward: true, style: frame.injected ? style : fromStyle)
                let outcome = model.log.outcome(seq)
                if let copy = model.log.forwarded(seq) {
                    let copyStyle = copy.injected ? CellStyle(.corrupt, bold: copy.corruption != nil) : fromStyle
                    segment(mark.from.other, text: copy.corruption.map { "!\($0)" } ?? "", toward: false, style: copyStyle)
                    if let tag = copy.injectionTag { note = tag + " " + note }
                } else {
                    let col = mark.from == .a ? colV + 2 : colA + 2
                    let (text, tagStyle): (String, CellStyle)
                    switch outcome {
                    case .held?: (text, tagStyle) = (outcome?.tag ?? "", CellStyle(.warn, bold: true, reverse: true))
                    case .dropped?: (text, tagStyle) = ("✗ " + (outcome?.tag ?? ""), CellStyle(.bad, bold: true))
                    default: (text, tagStyle) = ("…", CellStyle(.dim))
                    }
                    screen.put(text, row: row, col: col, style: tagStyle, limit: span - 2)
                }
                if let outcome { note = outcome.tag + " " + note }
            }
            screen.put(note, row: row, col: colB + 2, style: .plain, limit: inner.right - colB - 2)
        }
        if count > rows {
            let more = " \(top + 1)-\(bottom)/\(count) ↑↓ PgUp PgDn "
            screen.put(more, row: rect.bottom - 1, col: max(rect.col + 2, rect.right - more.count - 2), style: CellStyle(.dim))
        }
    }
}
