import BitcoinWire

/// One address in the ``AddressBook``.
public struct AddressEntry: Sendable, Equatable {
    public var key: AddressKey
    /// The services last advertised for it (by itself or by gossip).
    public var services: ServiceFlags
    /// Unix time it was last seen, as gossip claims (future times clamped) or as we met it.
    public var lastSeen: UInt32
    /// How many peers told us about it (saturating). Exact while at most
    /// ``Reporters/capacity`` peers did; past that, a repeat from a peer not among the
    /// ones kept counts again (rare: Core sends a peer each address once).
    public var reports: UInt16
    /// Which peers told us: the first ``Reporters/capacity`` of them (none: a seed, or a
    /// peer we met).
    public var reporters: Reporters
    public var state: AddressState

    /// Whether we tried it.
    public var isTried: Bool { state != .untried }
}

/// The first few peers that told us about an address, kept inline (no allocation per
/// entry in a book of a million).
public struct Reporters: Sendable, Equatable {
    public static let capacity = 4
    private var ids = SIMD4<Int32>(repeating: 0)
    private var stored: UInt8 = 0

    public init() {}

    /// The peer ids, in the order they told us.
    public var peers: [Int] { (0..<Int(stored)).map { Int(ids[$0]) } }

    public func contains(_ peer: Int32) -> Bool {
        (0..<Int(stored)).contains { ids[$0] == peer }
    }

    /// Adds `peer` if there is room and it is not there yet.
    mutating func insert(_ peer: Int32) {
        guard Int(stored) < Self.capacity, !contains(peer) else { return }
        ids[Int(stored)] = peer
        stored += 1
    }
}
