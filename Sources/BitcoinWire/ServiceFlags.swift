/// The `services` bit field of version messages and addresses.
public struct ServiceFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let network = ServiceFlags(rawValue: 1 << 0)
    public static let getUTXO = ServiceFlags(rawValue: 1 << 1)
    public static let bloom = ServiceFlags(rawValue: 1 << 2)
    public static let witness = ServiceFlags(rawValue: 1 << 3)
    public static let xthin = ServiceFlags(rawValue: 1 << 4)
    public static let compactFilters = ServiceFlags(rawValue: 1 << 6)
    public static let networkLimited = ServiceFlags(rawValue: 1 << 10)
    public static let p2pV2 = ServiceFlags(rawValue: 1 << 11)

    /// Bits with names, in bit order, with their long and short names.
    public static let named: [(flag: ServiceFlags, name: String, short: String)] = [
        (.network, "NETWORK", "N"), (.getUTXO, "GETUTXO", "U"), (.bloom, "BLOOM", "B"),
        (.witness, "WITNESS", "W"), (.xthin, "XTHIN", "X"), (.compactFilters, "COMPACT_FILTERS", "CF"),
        (.networkLimited, "NETWORK_LIMITED", "L"), (.p2pV2, "P2P_V2", "V2"),
    ]

    /// Names of the set bits; unnamed bits appear as `BIT_n`.
    public var names: [String] {
        var out: [String] = []
        var rest = rawValue
        for entry in Self.named where contains(entry.flag) {
            out.append(entry.name)
            rest &= ~entry.flag.rawValue
        }
        for bit in 0..<64 where rest & (1 << UInt64(bit)) != 0 { out.append("BIT_\(bit)") }
        return out
    }

    /// Compact form for narrow columns, as `N W CF L V2`.
    public var shortNames: String {
        var out: [String] = []
        var rest = rawValue
        for entry in Self.named where contains(entry.flag) {
            out.append(entry.short)
            rest &= ~entry.flag.rawValue
        }
        if rest != 0 { out.append("+") }
        return out.isEmpty ? "-" : out.joined(separator: " ")
    }

    /// `0x409 (NETWORK|WITNESS|NETWORK_LIMITED)`.
    public var description: String {
        let hex = "0x" + String(rawValue, radix: 16)
        let n = names
        return n.isEmpty ? hex : "\(hex) (\(n.joined(separator: "|")))"
    }
}
