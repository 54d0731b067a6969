import BitcoinWire

/// One address in the ``AddressBook``.
public struct AddressEntry: Sendable, Equatable {
    public var key: AddressKey
    /// The services last advertised for it (by itself or by gossip).
    public var services: ServiceFlags
    /// Unix time it was last seen, as gossip claims (future times clamped) or as we met it.
    public var lastSeen: UInt32
    /// How many addr/addrv2 entries named it (saturating).
    public var reports: UInt16
    /// The first peer that told us (nil: a seed or a peer we met).
    public var firstSource: Int32?
    public var state: AddressState

    /// Whether we tried it.
    public var isTried: Bool { state != .untried }
}
