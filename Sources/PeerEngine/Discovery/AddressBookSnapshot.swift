/// A copy of the ``AddressBook`` at one moment, for front ends to show.
public struct AddressBookSnapshot: Sendable {
    /// Entries known.
    public var known: Int
    /// Entries tried (reachable or failed).
    public var tried: Int
    /// Entries we completed a handshake with.
    public var reachable: Int
    /// Entries by network name (`ipv4`, `ipv6`, `torv3`, `i2p`, `cjdns`, `unknown`, …).
    public var byNetwork: [String: Int]
    /// Entries in the default order: dialable untried addresses (IPv4, IPv6) newest first,
    /// then tried ones newest first, then those that need a proxy or cannot be dialled.
    public var entries: [AddressEntry]
    /// The names of the reporters in those entries (by the book's reporter numbers): the
    /// peer's address, or `peer N`.
    public var reporterNames: [Int32: String] = [:]

    /// Who told us about `entry`, in the order they did.
    public func reporters(of entry: AddressEntry) -> [String] {
        entry.reporters.numbers.map { reporterNames[$0] ?? "?" }
    }

    /// The rank of an entry in the default order (0 comes first).
    public static func group(of entry: AddressEntry) -> Int {
        if !entry.key.isDialable { return 2 }
        return entry.isTried ? 1 : 0
    }

    /// Sorts `entries` in the default order.
    public static func sorted(_ entries: [AddressEntry]) -> [AddressEntry] {
        entries.sorted { a, b in
            let ga = group(of: a), gb = group(of: b)
            if ga != gb { return ga < gb }
            return a.lastSeen > b.lastSeen
        }
    }
}
