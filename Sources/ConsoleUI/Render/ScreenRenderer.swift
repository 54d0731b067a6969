import PeerEngine

/// Paints a ``ConsoleModel`` onto a ``Screen``: title bar, panes or a detail view, command
/// line, status bar, and the help overlay.
enum ScreenRenderer {
    static func draw(_ model: ConsoleModel, into screen: inout Screen) {
        let layout = model.layout
        if layout.isTooSmall {
            drawTooSmall(layout, into: &screen)
            return
        }
        drawTitle(model, into: &screen)
        switch model.detail {
        case let .message(seq):
            MessageDetailView.draw(
                model.log[seq], state: model.messageDetail, seq: seq, scroll: model.detailScroll, relay: relayDetail(model, seq: seq),
                in: layout.body, into: &screen)
        case let .ladder(peer) where model.peers[peer]?.relay != nil:
            LadderView.drawRelay(model, leg: peer, in: layout.body, into: &screen)
        case let .ladder(peer):
            LadderView.draw(
                peer: model.peers[peer], id: peer, frames: model.ladderIndex, log: model.log, scroll: model.detailScroll,
                now: model.now, in: layout.body, into: &screen)
        case .addresses:
            AddressesView.draw(model, in: layout.body, into: &screen)
        case .crawl:
            CrawlView.draw(model, in: layout.body, into: &screen)
        case .probe:
            ProbeView.draw(model, in: layout.body, into: &screen)
        case nil:
            PeerTablePane.draw(model, in: layout.table, into: &screen)
            MessageLogPane.draw(model, in: layout.log, into: &screen)
        }
        CommandLinePane.draw(model, row: layout.commandRow, into: &screen)
        StatusBar.draw(model, row: layout.statusRow, into: &screen)
        if model.showHelp { HelpView.draw(in: Rect(row: 0, col: 0, width: layout.width, height: layout.height), into: &screen) }
    }

    /// The relay's side of log row `seq`, when it holds a relayed message.
    static func relayDetail(_ model: ConsoleModel, seq: Int) -> MessageDetailView.RelayDetail? {
        guard let mark = model.log[seq]?.relay, mark.sequence > 0 else { return nil }
        let legs = model.legs(ofPair: mark.pair)
        return MessageDetailView.RelayDetail(
            mark: mark, forwarded: model.log.forwarded(seq), outcome: model.log.outcome(seq),
            a: (legs.a, legs.a.flatMap { model.peers[$0] }), b: (legs.b, legs.b.flatMap { model.peers[$0] }))
    }

    static func drawTooSmall(_ layout: Layout, into screen: inout Screen) {
        let lines = [
            "Terminal too small: \(layout.width)×\(layout.height)",
            "verack needs at least \(Layout.minWidth)×\(Layout.minHeight).",
            "Enlarge the window, or q to quit.",
        ]
        let top = max(0, (layout.height - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            let col = max(0, (layout.width - line.count) / 2)
            screen.put(line, row: top + i, col: col, style: i == 0 ? CellStyle(.warn, bold: true) : .plain)
        }
    }

    static func drawTitle(_ model: ConsoleModel, into screen: inout Screen) {
        let style = CellStyle(.accent, reverse: true)
        screen.fill(Rect(row: 0, col: 0, width: screen.width, height: 1), style: style)
        var text = " verack · \(model.networkName) · peers \(model.peers.count) (\(model.peers.established) established)"
        text += " · frames \(model.log.totalLogged)"
        if model.log.totalLogged > model.log.count && model.log.filter == nil { text += " (last \(model.log.count) kept)" }
        if model.framesDropped > 0 { text += " · \(model.framesDropped) not shown (slow)" }
        var crawling = false
        if let crawl = model.crawl, !crawl.progress.finished {
            let p = crawl.progress
            text += " · crawl \(p.done)/\(p.done + p.inFlight + p.queued)"
            crawling = true
        }
        if let probe = model.probe, !probe.isFinished { text += " · probe \(probe.done)/\(probe.rows.count)" }
        if let book = model.addresses, book.known > 0 {
            let full = " · addresses \(book.known) known, \(book.tried) tried, \(book.reachable) reachable"
            // A running crawl's count takes room: the book's count is cut to the known first.
            text += crawling && text.count + full.count > screen.width - 8 ? " · addresses \(book.known) known" : full
        }
        screen.put(text, row: 0, col: 0, style: style.emboldened)
        let right = "? help "
        if screen.width - text.count > right.count + 2 {
            screen.put(right, row: 0, col: screen.width - right.count, style: style)
        }
    }
}
