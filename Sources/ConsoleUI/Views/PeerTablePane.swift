import BitcoinWire
import PeerEngine

/// The peer table: one row per peer, phase in colour, selected row highlighted.
enum PeerTablePane {
    struct Column {
        var title: String
        var width: Int
        var minWidth: Int
        var alignRight = false
    }

    /// Columns in display order, with preferred and smallest widths.
    static let allColumns: [Column] = [
        Column(title: "id", width: 3, minWidth: 3, alignRight: true),
        Column(title: "address", width: 21, minWidth: 12),
        Column(title: "dir", width: 3, minWidth: 3),
        Column(title: "tr", width: 3, minWidth: 3),
        Column(title: "phase", width: 16, minWidth: 11),
        Column(title: "user agent", width: 20, minWidth: 8),
        Column(title: "ver", width: 5, minWidth: 5, alignRight: true),
        Column(title: "services", width: 9, minWidth: 6),
        Column(title: "height", width: 7, minWidth: 6, alignRight: true),
        Column(title: "ping", width: 7, minWidth: 6, alignRight: true),
        Column(title: "in/out", width: 11, minWidth: 9, alignRight: true),
        Column(title: "heard", width: 5, minWidth: 5, alignRight: true),
    ]
    /// Columns given up first when the terminal is narrow (indices into `allColumns`).
    static let dropOrder = [7, 6, 2, 8]
    /// Spare cells wanted for the address and user agent before a column is given up.
    static let growthRoom = 18
    /// Columns that get spare width first, up to their preferred width.
    static let firstGrowth = [1, 5, 4]

    /// The columns (indices and widths) that fit in `width` cells.
    /// `wider` gives columns more room than their usual smallest width (the id and dir
    /// columns of relayed pairs, `12⇄13` and `⇄A10`).
    static func columns(fitting width: Int, wider: [Int: Int] = [:]) -> [(index: Int, width: Int)] {
        var allColumns = allColumns
        for (i, w) in wider where allColumns[i].minWidth < w {
            allColumns[i].minWidth = w
            allColumns[i].width = max(allColumns[i].width, w)
        }
        // A relayed pair's dir column says which leg: it is not given up.
        let dropOrder = wider[2] == nil ? dropOrder : dropOrder.filter { $0 != 2 }
        var shown = Array(allColumns.indices)
        func total() -> Int { shown.map { allColumns[$0].minWidth }.reduce(0, +) + shown.count - 1 }
        var drops = dropOrder[...]
        while total() + growthRoom > width, let d = drops.popFirst() { shown.removeAll { $0 == d } }
        var widths = Dictionary(uniqueKeysWithValues: shown.map { ($0, allColumns[$0].minWidth) })
        var spare = width - total()
        for i in firstGrowth + shown where spare > 0 && widths[i] != nil {
            let grow = min(spare, allColumns[i].width - (widths[i] ?? 0))
            if grow > 0 {
                widths[i, default: 0] += grow
                spare -= grow
            }
        }
        if spare > 0, widths[5] != nil { widths[5, default: 0] += spare }
        return shown.map { ($0, widths[$0] ?? 0) }
    }

    static func draw(_ model: ConsoleModel, in rect: Rect, into screen: inout Screen) {
        let focused = model.focus == .table
        let note = model.watched.map { " · \($0.tableNote)" } ?? ""
        screen.box(rect, title: "Peers \(model.peers.count)\(note)", style: borderStyle(focused))
        let inner = rect.inner
        guard inner.height > 0 else { return }
        let cols = columns(fitting: inner.width, wider: relayWidths(model.peers))
        var x = inner.col
        for (i, w) in cols {
            screen.putField(allColumns[i].title, row: inner.row, col: x, width: w, style: CellStyle(.accent, bold: true), alignRight: allColumns[i].alignRight)
            x += w + 1
        }
        let ids = model.peers.ids
        if ids.isEmpty {
            var empty = "no peers yet: type  connect HOST:PORT  or  connect seeds"
            if case let .sniffed(interface)? = model.watched { empty = "no Bitcoin connection seen on \(interface) yet" }
            screen.put(empty, row: inner.row + 1, col: inner.col, style: CellStyle(.dim))
            return
        }
        let rows = inner.height - 1
        let selectedIndex = model.selectedPeer.flatMap { ids.firstIndex(of: $0) } ?? 0
        var top = min(model.tableTop, max(0, ids.count - rows))
        if selectedIndex < top { top = selectedIndex }
        if selectedIndex >= top + rows { top = selectedIndex - rows + 1 }
        for r in 0..<rows {
            let index = top + r
            guard index < ids.count, let peer = model.peers[ids[index]] else { break }
            let row = inner.row + 1 + r
            var x = inner.col
            for (i, w) in cols {
                let (text, style) = cell(i, peer, now: model.now)
                screen.putField(text, row: row, col: x, width: w, style: style, alignRight: allColumns[i].alignRight)
                x += w + 1
            }
            if index == selectedIndex {
                let line = Rect(row: row, col: inner.col, width: inner.width, height: 1)
                screen.restyle(line) { focused ? $0.reversed : $0.emboldened }
            }
        }
    }

    /// The id and dir columns' widths when relay legs are in the table (none: as usual).
    static func relayWidths(_ peers: PeerTable) -> [Int: Int] {
        var id = 0, dir = 0
        for peerID in peers.ids {
            guard let info = peers[peerID], info.relay != nil else { continue }
            id = max(id, PeerTable.idText(info).count)
            dir = max(dir, PeerTable.directionText(info).count)
        }
        return id == 0 ? [:] : [0: id, 2: dir]
    }

    static func borderStyle(_ focused: Bool) -> CellStyle {
        focused ? CellStyle(.accent, bold: true) : CellStyle(.dim)
    }

    /// The phase column: the phase word in its colour, or `silent Ns` in yellow.
    static func phase(_ peer: PeerInfo, now: Double) -> (String, CellStyle) {
        if let silence = peer.silence, !peer.phase.isEnd {
            return ("silent \(Format.age(now - silence.since))", CellStyle(.warn, bold: true))
        }
        switch peer.phase {
        case .established: return (peer.phase.word, CellStyle(.good, bold: true))
        case .closed, .dropped, .failed: return (peer.phase.word, CellStyle(.bad, bold: true))
        default: return (peer.phase.word, .plain)
        }
    }

    /// The transport column: `v1`, `v2` (green once encrypted), `v1*` after a v2 attempt
    /// fell back, `?` while an inbound peer's first bytes are awaited.
    static func transport(_ peer: PeerInfo) -> (String, CellStyle) {
        switch peer.transport {
        case .v2?: return ("v2", CellStyle(.good))
        case .v1?: return peer.fellBackToV1 ? ("v1*", CellStyle(.warn)) : ("v1", .plain)
        case nil: return ("?", CellStyle(.dim))
        }
    }

    static func cell(_ column: Int, _ peer: PeerInfo, now: Double) -> (String, CellStyle) {
        let v = peer.version
        switch column {
        case 0: return (PeerTable.idText(peer), peer.relay == nil ? .plain : CellStyle(.accent, bold: true))
        case 1: return (peer.address, .plain)
        case 2: return (PeerTable.directionText(peer), peer.relay == nil ? .plain : CellStyle(.accent, bold: true))
        case 3: return transport(peer)
        case 4: return phase(peer, now: now)
        case 5:
            // A peer that ended before its version came: the reason is what there is to say.
            if v == nil, let reason = peer.phase.reason { return (reason, CellStyle(.bad)) }
            return (v?.userAgent ?? "", .plain)
        case 6: return (v.map { String($0.version) } ?? "", .plain)
        case 7: return (v.map { $0.services.shortNames } ?? "", .plain)
        case 8: return (v.map { String($0.startHeight) } ?? "", .plain)
        case 9: return (peer.pingMs.map { Format.milliseconds($0) + "ms" } ?? "", .plain)
        case 10: return ("\(Format.bytes(peer.received.bytes))/\(Format.bytes(peer.sent.bytes))", .plain)
        case 11: return (peer.lastHeard.map { Format.age(now - $0) } ?? "", CellStyle(.dim))
        default: return ("", .plain)
        }
    }
}
