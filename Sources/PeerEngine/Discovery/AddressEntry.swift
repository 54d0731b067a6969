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
    /// peer we met), as the book numbers its reporters (``AddressBookSnapshot/reporters(of:)``
    /// names them).
    public var reporters: Reporters
    public var state: AddressState

    /// Whether we tried it.
    public var isTried: Bool { state != .untried }
}

/// The first few peers that told us about an address, kept inline (no allocation per
/// entry in a book of a million; a tuple, not SIMD4, whose 16-byte alignment pads every
/// entry). Each is the book's own dense number for a reporting peer (engine peer ids
/// may not fit 32 bits: a console crawl numbers its peers from 2^32 up).
public struct Reporters: Sendable, Equatable {
    public static let capacity = 4
    private var ids: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
    private var stored: UInt8 = 0

    public init() {}

    private func id(_ i: Int) -> Int32 {
        switch i {
        case 0: return ids.0
        case 1: return ids.1
        case 2: return ids.2
        default: return ids.3
        }
    }

    /// The book's reporter numbers, in the order they told us.
    public var numbers: [Int32] { (0..<Int(stored)).map { id($0) } }

    public func contains(_ peer: Int32) -> Bool {
        (0..<Int(stored)).contains { id($0) == peer }
    }

    /// Adds `peer` if there is room and it is not there yet.
    mutating func insert(_ peer: Int32) {
        guard Int(stored) < Self.capacity, !contains(peer) else { return }
        switch stored {
        case 0: ids.0 = peer
        case 1: ids.1 = peer
        case 2: ids.2 = peer
        default: ids.3 = peer
        }
        stored += 1
    }

    public static func == (a: Reporters, b: Reporters) -> Bool { a.numbers == b.numbers }
}
