import BitcoinWire
import PeerEngine

/// A peer's frames as a ladder diagram: us on the left, the peer on the right, time going
/// down, one arrow per frame (`──── version ───▶`, `◀─── verack ────`).
enum LadderView {
    static func draw(
        peer: PeerInfo?, id: PeerID, frames: FilteredIndex, log: MessageLog, scroll: Int, now: Double,
        in rect: Rect, into screen: inout Screen
    ) {
        var title = "Ladder · peer \(id)"
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
        let them = "peer \(id)"
        screen.put(them, row: inner.row, col: max(left + 3, right - them.count + 1), style: CellStyle(.accent, bold: true))
        screen.put("summary", row: inner.row, col: right + 2, style: CellStyle(.accent, bold: true))
        let rows = inner.height - 1
        let count = frames.count
        if count == 0 {
            screen.put("│", row: inner.row + 1, col: left, style: CellStyle(.dim))
            screen.put("│", row: inner.row + 1, col: right, style: CellStyle(.dim))
            screen.put("no frames with this peer yet", row: inner.row + 2, col: inner.col, style: CellStyle(.dim))
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
