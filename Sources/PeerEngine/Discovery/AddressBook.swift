import BitcoinWire
import Foundation

/// Every address we hear of (`addr`, `addrv2`) and every peer we meet, once per address.
///
/// Thread-safe: the engine's peers feed it from their own queues; all state is behind
/// one lock (`@unchecked Sendable` for that reason).
///
/// Bounds and hostile input, as Bitcoin Core's address manager does it where it applies:
/// - At most ``capacity`` entries. When full, a new address takes the place of one of 8
///   entries drawn at random: the untried one seen longest ago. If all 8 were tried, the
///   new address is dropped (tried addresses are worth more than gossip).
/// - An `addr`/`addrv2` of more than 1,000 entries is refused whole (Core: misbehaviour,
///   disconnect); the wire decoder already refuses such a message, this is the last guard.
/// - A time more than 10 minutes in the future (or before 1973) is taken as 5 days ago
///   (Core's `AddrMan::Add` does the same).
/// - Unknown network ids are kept as `unknown` (addresses up to 32 bytes; longer ones are
///   counted and dropped).
/// - One peer may add or update at most ``maxPerPeer`` entries per connection; the rest
///   are ignored and counted (``ignored(from:)``).
public final class AddressBook: @unchecked Sendable {
    /// The most entries kept.
    public let capacity: Int
    /// The most entries one peer connection may add or update.
    public let maxPerPeer: Int

    private let lock = NSLock()
    /// Guarded by `lock`: entries stored densely (so a random one is one index away),
    /// with their positions by key.
    private var entries: [AddressEntry] = []
    private var index: [AddressKey: Int] = [:]
    /// Guarded by `lock`: per live peer, entries taken and entries ignored.
    private var perPeer: [Int: (taken: Int, ignored: Int)] = [:]
    /// Guarded by `lock`: every peer that told us of addresses, numbered densely in the
    /// order they first did (the numbers ``Reporters`` hold), with its address when the
    /// engine named it; at most ``maxReporters``.
    private var reporterNumbers: [Int: Int32] = [:]
    private var reporterTable: [(peer: Int, name: String?)] = []
    /// The most reporting peers numbered: more than a crawl of the whole reachable network
    /// connects to. Past it, entries still count their reporters but name no new ones.
    public static let maxReporters = 200_000
    /// Guarded by `lock`: draws the eviction candidates.
    private var rng: SplitMix64

    /// What one `addr`/`addrv2` did to the book.
    public struct Intake: Sendable, Equatable {
        public var added = 0
        public var updated = 0
        /// Entries over the peer's bound, too long, or without room.
        public var ignored = 0
        /// Set when the whole message was refused.
        public var refused: String?
    }

    public init(capacity: Int = 1_000_000, maxPerPeer: Int = 2_000) {
        self.capacity = max(1, capacity)
        self.maxPerPeer = maxPerPeer
        var system = SystemRandomNumberGenerator()
        rng = SplitMix64(seed: system.next())
    }

    /// A book whose evictions follow `seed`: the same calls give the same book (tests, fuzzing).
    public init(capacity: Int, maxPerPeer: Int, seed: UInt64) {
        self.capacity = max(1, capacity)
        self.maxPerPeer = maxPerPeer
        rng = SplitMix64(seed: seed)
    }


    /// Number of entries.
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    /// The entry for `key`, if known.
    public func entry(_ key: AddressKey) -> AddressEntry? {
        lock.lock()
        defer { lock.unlock() }
        return index[key].map { entries[$0] }
    }

    /// Takes the entries of an `addr` or `addrv2` from `peer`; nil for other messages.
    /// `now` is Unix time.
    @discardableResult
    public func take(_ message: Message, from peer: Int, now: UInt32) -> Intake? {
        switch message {
        case let .addr(list):
            return take(list.count, from: peer, now: now) { body in
                for e in list { body(AddressKey(e.address), e.address.services, e.time) }
            }
        case let .addrv2(list):
            return take(list.count, from: peer, now: now) { body in
                for e in list { body(AddressKey(networkID: e.networkID, bytes: e.address, port: e.port), e.services, e.time) }
            }
        default:
            return nil
        }
    }

    private func take(
        _ n: Int, from peer: Int, now: UInt32, _ each: ((AddressKey?, ServiceFlags, UInt32) -> Void) -> Void
    ) -> Intake {
        var intake = Intake()
        guard n <= AddrLimits.maxEntries else {
            intake.refused = "\(n) addresses in one message (more than 1,000: Core disconnects)"
            intake.ignored = n
            return intake
        }
        lock.lock()
        defer { lock.unlock() }
        var budget = perPeer[peer, default: (0, 0)]
        each { key, services, time in
            guard let key, budget.taken < maxPerPeer else {
                intake.ignored += 1
                budget.ignored += 1
                return
            }
            budget.taken += 1
            switch upsert(key, services: services, seen: Self.clamp(time, now: now), source: peer) {
            case .added: intake.added += 1
            case .updated: intake.updated += 1
            case .noRoom:
                intake.ignored += 1
                budget.ignored += 1
            }
        }
        perPeer[peer] = budget
        return intake
    }

    /// Core's rule: a time before 100,000,000 or more than 10 minutes ahead becomes 5 days ago.
    static func clamp(_ time: UInt32, now: UInt32) -> UInt32 {
        time <= 100_000_000 || UInt64(time) > UInt64(now) + 600 ? now &- 5 * 86_400 : time
    }

    private enum Upsert { case added, updated, noRoom }

    /// Guarded by `lock` (callers hold it).
    private func upsert(_ key: AddressKey, services: ServiceFlags, seen: UInt32, source: Int?) -> Upsert {
        if let i = index[key] {
            if seen > entries[i].lastSeen {
                entries[i].lastSeen = seen
                entries[i].services = services
            }
            if let source {
                // A reporter past the numbered ones cannot be told from an earlier one: it counts.
                let number = reporterNumber(source)
                if number.map({ !entries[i].reporters.contains($0) }) ?? true {
                    entries[i].reports = entries[i].reports &+ (entries[i].reports == .max ? 0 : 1)
                    if let number { entries[i].reporters.insert(number) }
                }
            }
            return .updated
        }
        if entries.count >= capacity && !evictOne() { return .noRoom }
        index[key] = entries.count
        var reporters = Reporters()
        if let number = source.flatMap(reporterNumber) { reporters.insert(number) }
        entries.append(AddressEntry(
            key: key, services: services, lastSeen: seen, reports: source == nil ? 0 : 1,
            reporters: reporters, state: .untried))
        return .added
    }

    /// Removes the untried entry seen longest ago among 8 drawn at random; false if all 8
    /// were tried. Guarded by `lock`.
    private func evictOne() -> Bool {
        var victim: Int?
        for _ in 0..<8 {
            let i = Int.random(in: 0..<entries.count, using: &rng)
            guard !entries[i].isTried else { continue }
            if victim.map({ entries[i].lastSeen < entries[$0].lastSeen }) ?? true { victim = i }
        }
        guard let victim else { return false }
        index[entries[victim].key] = nil
        let last = entries.count - 1
        if victim != last {
            entries[victim] = entries[last]
            index[entries[victim].key] = victim
        }
        entries.removeLast()
        return true
    }

    /// Notes an address we dial or met (a seed, a peer): known from now on, untried if new.
    public func note(_ key: AddressKey, services: ServiceFlags = [], now: UInt32) {
        lock.lock()
        _ = upsert(key, services: services, seen: now, source: nil)
        lock.unlock()
    }

    /// Records what trying `key` gave; the address is added if it was not known (a tried
    /// address always finds room: an untried one is evicted, or the book grows by one
    /// over capacity until the next eviction succeeds).
    public func record(_ state: AddressState, for key: AddressKey, services: ServiceFlags? = nil, now: UInt32) {
        lock.lock()
        defer { lock.unlock() }
        if index[key] == nil {
            if entries.count >= capacity { _ = evictOne() }
            index[key] = entries.count
            entries.append(AddressEntry(key: key, services: [], lastSeen: now, reports: 0, reporters: Reporters(), state: .untried))
        }
        guard let i = index[key] else { return }
        entries[i].state = state
        if case .reachable = state {
            entries[i].lastSeen = max(entries[i].lastSeen, now)
            if let services { entries[i].services = services }
        }
    }

    /// Entries `peer` sent that were ignored (over its bound, too long, no room).
    public func ignored(from peer: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return perPeer[peer]?.ignored ?? 0
    }

    /// Remembers the address `peer` is connected at, to name it as a reporter.
    public func name(peer: Int, address: String) {
        lock.lock()
        defer { lock.unlock() }
        if let n = reporterNumber(peer), reporterTable[Int(n)].name == nil { reporterTable[Int(n)].name = address }
    }

    /// `peer`'s reporter number, given on first use; nil when ``maxReporters`` are taken.
    /// Guarded by `lock`.
    private func reporterNumber(_ peer: Int) -> Int32? {
        if let n = reporterNumbers[peer] { return n }
        guard reporterTable.count < Self.maxReporters else { return nil }
        let n = Int32(reporterTable.count)
        reporterTable.append((peer, nil))
        reporterNumbers[peer] = n
        return n
    }

    /// Who told us about `entry`: each reporter's address, or `peer N` when it was not
    /// named.
    public func reporters(of entry: AddressEntry) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return reporterNames(entry.reporters)
    }

    /// Guarded by `lock`.
    private func reporterNames(_ reporters: Reporters) -> [String] {
        reporters.numbers.map { n in
            let r = reporterTable[Int(n)]
            return r.name ?? "peer \(r.peer)"
        }
    }

    /// Forgets the per-connection count of a peer that ended (its name stays: entries
    /// still say it told us).
    public func forget(peer: Int) {
        lock.lock()
        perPeer[peer] = nil
        lock.unlock()
    }

    /// Counts and, unless `limit` is 0, the first `limit` entries in the default order
    /// (see ``AddressBookSnapshot``), with the names of their reporters; nil `limit`: all
    /// of them.
    /// The counts of a snapshot, without its entries (for a status bar, every second).
    public func counts() -> AddressBookSnapshot {
        lock.lock()
        defer { lock.unlock() }
        var tried = 0, reachable = 0
        for e in entries where e.isTried {
            tried += 1
            if case .reachable = e.state { reachable += 1 }
        }
        return AddressBookSnapshot(known: entries.count, tried: tried, reachable: reachable, byNetwork: [:], entries: [])
    }

    public func snapshot(limit: Int? = nil) -> AddressBookSnapshot {
        lock.lock()
        let copy = entries
        lock.unlock()
        var tried = 0, reachable = 0
        var byNetwork: [String: Int] = [:]
        for e in copy {
            if e.isTried { tried += 1 }
            if case .reachable = e.state { reachable += 1 }
            byNetwork[e.key.networkName, default: 0] += 1
        }
        var sorted = limit == 0 ? [] : AddressBookSnapshot.sorted(copy)
        if let limit, sorted.count > limit { sorted.removeLast(sorted.count - limit) }
        var names: [Int32: String] = [:]
        if !sorted.isEmpty {
            lock.lock()
            for e in sorted {
                for (n, name) in zip(e.reporters.numbers, reporterNames(e.reporters)) { names[n] = name }
            }
            lock.unlock()
        }
        return AddressBookSnapshot(
            known: copy.count, tried: tried, reachable: reachable, byNetwork: byNetwork, entries: sorted, reporterNames: names)
    }
}
