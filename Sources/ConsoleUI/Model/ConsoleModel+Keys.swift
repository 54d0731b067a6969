import BitcoinWire
import PeerEngine

/// Key routing: the command line, the panes, and the detail views (a message's field
/// tree, a ladder, the table).
extension ConsoleModel {
    /// Applies a key; returns what the host must do.
    public mutating func handle(key: Key) -> [ConsoleAction] {
        if showHelp {
            showHelp = false
            if key == .ctrl("c") && focus != .commandLine { return [.quit] }
            return []
        }
        switch key {
        case .f1:
            showHelp = true
            return []
        case .resize:
            return []
        case .backTab:
            focus = focus.previous
            return []
        default:
            break
        }
        switch focus {
        case .commandLine: return commandLineKey(key)
        case .table, .log: return paneKey(key)
        }
    }

    mutating func paneKey(_ key: Key) -> [ConsoleAction] {
        if detail == .addresses { return addressesKey(key) }
        if detail == .crawl { return crawlKey(key) }
        if detail == .probe { return probeKey(key) }
        if case .message = detail, messageDetailKey(key) { return [] }
        switch key {
        case .char("q"), .ctrl("c"): return [.quit]
        case .char("a") where detail == nil: return openAddresses()
        case .char("c") where detail == nil:
            detail = .crawl
        case .char("p") where detail == nil: openProbe()
        case .char(":"): focus = .commandLine
        case .char("/"):
            focus = .commandLine
            editor.set("/")
        case .char("n") where detail == nil && search != nil: findMatch(older: false)
        case .char("N") where detail == nil && search != nil: findMatch(older: true)
        case .char("?"): showHelp = true
        case .tab: focus = focus.next
        case .esc:
            if detail != nil { closeDetail() } else { status = nil }
        case .enter: openDetail()
        default:
            if detail != nil { detailKey(key) } else if focus == .table { tableKey(key) } else { logKey(key) }
        }
        return []
    }

    mutating func openDetail() {
        detailScroll = 0
        if focus == .table {
            guard let id = selectedPeer ?? peers.ids.first else { return showError("no peer to show: connect ADDRESS first") }
            selectedPeer = id
            detail = .ladder(peer: id)
            var index = FilteredIndex()
            let ring = log.ring
            let shown = ladderPeers(id)
            for seq in ring.firstSeq..<ring.nextSeq where ring[seq].map({ shown.contains($0.peer) }) == true { index.append(seq) }
            ladderIndex = index
        } else {
            let position = following ? log.count - 1 : selectedLogPosition
            guard let seq = log.seq(at: position) else { return showError("no frame to show yet") }
            detail = .message(seq: seq)
            messageDetail = log[seq].map { MessageDetailState(seq: seq, frame: $0, rebuiltHeader: watched?.rebuildsHeaders ?? false) }
        }
    }

    /// Keys of the message detail's field tree: Tab moves the focus between the dump and
    /// the tree; with the tree focused ↑/↓ PgUp/PgDn Home/End select a field (its bytes
    /// light up in the dump), ←/→ scroll it sideways, Enter expands a part decoded on
    /// request. Returns false for keys it leaves to the detail's scrolling.
    mutating func messageDetailKey(_ key: Key) -> Bool {
        guard var state = messageDetail else { return false }
        defer { messageDetail = state }
        if key == .tab {
            state.treeHasFocus.toggle()
            return true
        }
        guard state.treeHasFocus else { return false }
        let page = max(1, layout.detailRows - 3)
        switch key {
        case .up: state.select(state.selected - 1)
        case .down: state.select(state.selected + 1)
        case .pgUp: state.select(state.selected - page)
        case .pgDown: state.select(state.selected + page)
        case .home: state.select(0)
        case .end, .char("F"): state.select(state.rows.count - 1)
        case .left: state.scrollSideways(by: -8)
        case .right: state.scrollSideways(by: 8)
        case .enter, .char(" "): state.toggleSelected()
        default: return false
        }
        return true
    }

    /// The peers whose frames a ladder shows: the peer, and for a relay leg its partner too.
    func ladderPeers(_ id: PeerID) -> [PeerID] {
        guard let partner = peers[id]?.relay?.partner else { return [id] }
        return [id, partner]
    }

    mutating func closeDetail() {
        detail = nil
        messageDetail = nil
        ladderIndex = FilteredIndex()
        detailScroll = 0
    }

    mutating func detailKey(_ key: Key) {
        let page = layout.detailRows
        let ladder: Bool
        if case .ladder = detail { ladder = true } else { ladder = false }
        // The ladder counts its scroll from the newest frame, so up means more.
        let sign = ladder ? -1 : 1
        switch key {
        case .up: detailScroll -= sign
        case .down: detailScroll += sign
        case .pgUp: detailScroll -= sign * page
        case .pgDown: detailScroll += sign * page
        case .home: detailScroll = ladder ? Int.max / 2 : 0
        case .end, .char("F"): detailScroll = ladder ? 0 : Int.max / 2
        default: return
        }
        detailScroll = max(0, detailScroll)
    }

    mutating func tableKey(_ key: Key) {
        let ids = peers.ids
        guard !ids.isEmpty else { return }
        let current = selectedPeer.flatMap { ids.firstIndex(of: $0) } ?? 0
        guard let next = ScrollWindow.moved(current, by: key, count: ids.count, page: layout.tableRows) else { return }
        selectedPeer = ids[next]
        tableTop = ScrollWindow.top(tableTop, showing: next, rows: layout.tableRows)
    }
}
