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

    /// The relay's side of a relayed message: its pair's legs and the copy sent on.
    struct RelayDetail {
        var mark: RelayMark
        var forwarded: FrameEvent?
        var outcome: RelayOutcome?
        var a: (id: PeerID?, info: PeerInfo?)
        var b: (id: PeerID?, info: PeerInfo?)

        /// The leg a side faces.
        func leg(_ side: RelaySide) -> (id: PeerID?, info: PeerInfo?) { side == .a ? a : b }

        /// `A peer 3 v2 session 1a2b3c4d5e6f7081…`: who is on one side, and its session id.
        func legLine(_ side: RelaySide) -> String {
            let leg = leg(side)
            var text = "\(side.rawValue) peer \(leg.id.map(String.init) ?? "?")"
            if let transport = leg.info?.transport { text += " \(transport.rawValue)" }
            if let sid = leg.info?.sessionID { text += " session \(MessageDetailView.shortSession(sid))" }
            return text
        }
    }

    /// A session id's first 8 bytes in hex and `…`: enough to see two differ.
    static func shortSession(_ sid: [UInt8]) -> String { Hex.encode(sid.prefix(8)) + "…" }

    /// A row of the dump side: a line of bytes, or a note between the legs' dumps.
    enum DumpItem {
        case bytes(HexDump.Line, FrameLayout, highlightable: Bool)
        case note(String, CellStyle)
    }

    /// The dump side: the frame's bytes; for a relayed message, each leg's bytes under a
    /// heading (v1 → v1 relays the same bytes: said once, not dumped twice).
    static func dumpItems(_ frame: FrameEvent, relay: RelayDetail?) -> (items: [DumpItem], lead: Int) {
        let own = HexDump.lines(frame.raw).map { DumpItem.bytes($0, frame.layout, highlightable: true) }
        guard let relay else { return (own, 0) }
        let from = relay.mark.from, to = from.other
        let legFrom = relay.leg(from).id.map { "peer \($0)" } ?? "?"
        let legTo = relay.leg(to).id.map { "peer \($0)" } ?? "?"
        let heading = CellStyle(.accent, bold: true)
        var items: [DumpItem] = []
        if relay.mark.leg == relay.mark.from {
            items.append(.note("leg \(from.rawValue) (\(legFrom)) received, \(frame.raw.count) bytes\(frame.transport == .v2 ? ", encrypted" : "")", heading))
        } else {
            items.append(.note("leg \(to.rawValue) (\(legTo)) sent, \(frame.raw.count) bytes (\(frame.injectionTag ?? "sent on"))", heading))
            return (items + own, 1)
        }
        items += own
        items.append(.note("", .plain))
        if let copy = relay.forwarded {
            if copy.raw == frame.raw {
                items.append(.note("leg \(to.rawValue) (\(legTo)) sent the same \(copy.raw.count) bytes, byte for byte (\(frame.transport.rawValue) → \(copy.transport.rawValue))", heading))
            } else {
                var what = "leg \(to.rawValue) (\(legTo)) sent \(copy.raw.count) bytes"
                if copy.transport == .v2 { what += ", encrypted with its own keys" }
                if frame.transport != copy.transport { what += " (\(frame.transport.rawValue) → \(copy.transport.rawValue))" }
                if let tag = copy.injectionTag { what += " \(tag)" }
                items.append(.note(what, heading))
                items += HexDump.lines(copy.raw).map { DumpItem.bytes($0, copy.layout, highlightable: false) }
            }
        } else {
            switch relay.outcome {
            case let .held(id)?: items.append(.note("held h\(id): not sent to \(to.rawValue) yet (forward h\(id) or drop h\(id))", CellStyle(.warn, bold: true)))
            case let .dropped(id, note)?: items.append(.note("h\(id) \(note): never sent to \(to.rawValue)", CellStyle(.bad, bold: true)))
            default: items.append(.note("not sent to \(to.rawValue) yet", CellStyle(.dim)))
            }
        }
        return (items, 1)
    }

    static func draw(
        _ frame: FrameEvent?, state: MessageDetailState?, seq: Int, scroll: Int, relay: RelayDetail? = nil, in rect: Rect, into screen: inout Screen
    ) {
        guard let frame else {
            screen.box(rect, title: "Frame #\(seq) · Esc closes")
            screen.put("this frame has left the log (see --log-limit)", row: rect.inner.row, col: rect.inner.col, style: CellStyle(.warn))
            return
        }
        var arrow = "peer \(frame.peer) " + (frame.direction == .sent ? "→ sent" : "← received")
        if let relay {
            let from = relay.mark.from
            arrow = "pair \(relay.mark.pair) \(from.rawValue)→\(from.other.rawValue) · peer \(relay.leg(from).id.map(String.init) ?? "?") → peer \(relay.leg(from.other).id.map(String.init) ?? "?")"
        }
        let hint = state?.treeHasFocus == true ? "↑↓ fields · ←→ sideways · Enter expands · Tab dump" : "Tab fields"
        screen.box(rect, title: "Frame #\(seq) · \(arrow) · \(frame.label) · \(frame.raw.count) bytes · \(hint) · Esc closes",
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
        if let outcome = relay?.outcome {
            x += screen.put(outcome.tag + "  ", row: inner.row, col: x, style: CellStyle(.warn, bold: true))
        }
        screen.put(frame.summary, row: inner.row, col: x, limit: inner.right - x)
        // Line 2: the legend.
        x = inner.col
        for region in frame.layout.regions {
            x += screen.put(region.rawValue, row: inner.row + 1, col: x, style: role(region))
            x += 2
        }
        var headerRows = 2
        if let relay, inner.height > 4 {
            // Both legs' session ids side by side: a relay shows as two different sessions.
            x = inner.col
            x += screen.put(relay.legLine(.a), row: inner.row + 2, col: x, style: CellStyle(.accent), limit: inner.right - x)
            x += screen.put("  ⇄  ", row: inner.row + 2, col: x, style: CellStyle(.dim), limit: max(0, inner.right - x))
            x += screen.put(relay.legLine(.b), row: inner.row + 2, col: x, style: CellStyle(.good), limit: max(0, inner.right - x))
            if let sa = relay.a.info?.sessionID, let sb = relay.b.info?.sessionID {
                screen.put(sa == sb ? "  (the same session)" : "  (two sessions)", row: inner.row + 2, col: x,
                           style: CellStyle(.dim), limit: max(0, inner.right - x))
            }
            headerRows = 3
        }
        let content = Rect(row: inner.row + headerRows, col: inner.col, width: inner.width, height: inner.height - headerRows)
        let (dump, lead) = dumpItems(frame, relay: relay)
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
                    let first = lead + highlight.lowerBound / HexDump.bytesPerLine
                    let last = lead + (highlight.upperBound - 1) / HexDump.bytesPerLine
                    if first < dumpTop || last >= dumpTop + height {
                        dumpTop = min(max(0, first - 1), max(0, dump.count - height))
                    }
                }
            }
            let treeCol = content.col + dumpWidth + 3
            for r in 0..<height {
                let row = content.row + r
                if dumpTop + r < dump.count {
                    drawItem(dump[dumpTop + r], highlight: highlight, row: row, col: content.col, width: dumpWidth, into: &screen)
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
                drawItem(dump[i], highlight: highlight, row: row, col: content.col, width: content.width, into: &screen)
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

    static func drawItem(_ item: DumpItem, highlight: Range<Int>?, row: Int, col: Int, width: Int, into screen: inout Screen) {
        switch item {
        case let .bytes(line, layout, highlightable):
            drawDumpLine(line, layout: layout, highlight: highlightable ? highlight : nil, row: row, col: col, into: &screen)
        case let .note(text, style):
            screen.put(text, row: row, col: col, style: style, limit: width)
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
