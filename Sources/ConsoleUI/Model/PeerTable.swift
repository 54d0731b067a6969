import PeerEngine

/// The latest snapshot of every peer the engine told us about, in id order.
public struct PeerTable: Sendable {
    public private(set) var byID: [PeerID: PeerInfo] = [:]
    /// Ids in ascending order.
    public private(set) var ids: [PeerID] = []

    public init() {}

    public var count: Int { ids.count }

    public subscript(id: PeerID) -> PeerInfo? { byID[id] }

    public mutating func update(_ info: PeerInfo) {
        if byID.updateValue(info, forKey: info.id) == nil {
            // A relay leg goes beside its partner: a pair shows as two adjacent rows, A first.
            if let leg = info.relay, let at = ids.firstIndex(of: leg.partner) {
                ids.insert(info.id, at: leg.side == .a ? at : at + 1)
            } else if let last = ids.last, last > info.id {
                ids.insert(info.id, at: ids.firstIndex { $0 > info.id } ?? ids.count)
            } else {
                ids.append(info.id)
            }
        }
    }

    /// Peers the engine has let go of but the table still shows (in end states, in red),
    /// oldest first; at most ``keptEnded`` of them.
    public private(set) var ended: [PeerID] = []
    public static let keptEnded = 32

    /// The engine forgot the peer. One that ended (closed, dropped, failed) stays visible
    /// until ``keptEnded`` newer ones push it out; any other goes at once.
    public mutating func remove(_ id: PeerID) {
        if let info = byID[id], info.phase.isEnd {
            guard !ended.contains(id) else { return }
            ended.append(id)
            while ended.count > Self.keptEnded { forget(ended.removeFirst()) }
        } else {
            forget(id)
        }
    }

    mutating func forget(_ id: PeerID) {
        guard byID.removeValue(forKey: id) != nil else { return }
        ids.removeAll { $0 == id }
        ended.removeAll { $0 == id }
    }

    /// The id column's text: `3⇄4` on a relay leg (its id, then its partner's), else the id.
    public static func idText(_ info: PeerInfo) -> String {
        info.relay.map { "\(info.id)⇄\($0.partner)" } ?? String(info.id)
    }

    /// The direction column's text: `⇄A1` on leg A of pair 1, else `in`/`out`.
    public static func directionText(_ info: PeerInfo) -> String {
        info.relay.map { "⇄\($0.side.rawValue)\($0.pair)" } ?? info.direction.rawValue
    }

    public var established: Int { byID.values.filter { $0.phase == .established }.count }
}
