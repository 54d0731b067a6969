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
            if let last = ids.last, last > info.id {
                ids.insert(info.id, at: ids.firstIndex { $0 > info.id } ?? ids.count)
            } else {
                ids.append(info.id)
            }
        }
    }

    public mutating func remove(_ id: PeerID) {
        guard byID.removeValue(forKey: id) != nil else { return }
        ids.removeAll { $0 == id }
    }

    public var established: Int { byID.values.filter { $0.phase == .established }.count }
}
