import BitcoinWire
import Foundation

/// The engine's relay state: the relay listeners, the live pairs, intercept's rule and the
/// messages it holds. Guarded by its lock; it never calls into a leg while holding it.
final class RelayHub: @unchecked Sendable {
    struct Held {
        var pair: RelayPair
        var message: RelayedUnit
    }

    struct Relay {
        var listen: String
        var listener: Listener
    }

    private let lock = NSLock()
    private var relays: [Relay] = []
    private var pairs: [Int: RelayPair] = [:]
    private var nextPair = 1
    private var rule: InterceptRule?
    /// Held messages by held id (ids from 1, never reused).
    private var held: [Int: Held] = [:]
    private var nextHeld = 1

    func add(_ relay: Relay) {
        lock.lock()
        relays.append(relay)
        lock.unlock()
    }

    /// Removes every relay listener and returns them with the live pairs.
    func removeAll() -> (relays: [Relay], pairs: [RelayPair]) {
        lock.lock()
        defer { lock.unlock() }
        let all = relays
        relays = []
        return (all, Array(pairs.values))
    }

    func newPair(target: String) -> RelayPair {
        lock.lock()
        defer { lock.unlock() }
        let pair = RelayPair(id: nextPair, target: target)
        pairs[pair.id] = pair
        nextPair += 1
        return pair
    }

    func pair(_ id: Int) -> RelayPair? {
        lock.lock()
        defer { lock.unlock() }
        return pairs[id]
    }

    /// Forgets an ended pair; returns its held messages, now lost.
    func pairEnded(_ id: Int) -> [(id: Int, held: Held)] {
        lock.lock()
        defer { lock.unlock() }
        pairs[id] = nil
        let lost = held.filter { $0.value.pair.id == id }.map { (id: $0.key, held: $0.value) }
        for entry in lost { held[entry.id] = nil }
        return lost.sorted { $0.id < $1.id }
    }

    var interceptRule: InterceptRule? {
        get {
            lock.lock()
            defer { lock.unlock() }
            return rule
        }
        set {
            lock.lock()
            rule = newValue
            lock.unlock()
        }
    }

    /// Holds `message` when the rule matches it: returns its held id, else nil.
    func holdIfMatching(_ message: RelayedUnit, in pair: RelayPair) -> Int? {
        guard let command = message.unit.command else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard let rule, rule.matches(command, from: message.from) else { return nil }
        let id = nextHeld
        nextHeld += 1
        held[id] = Held(pair: pair, message: message)
        return id
    }

    /// Takes held message `id` (nil: every held message, in the order held).
    func release(_ id: Int?) -> Result<[(id: Int, held: Held)], EngineError> {
        lock.lock()
        defer { lock.unlock() }
        guard let id else {
            let all = held.sorted { $0.key < $1.key }.map { (id: $0.key, held: $0.value) }
            held = [:]
            return .success(all)
        }
        guard let entry = held.removeValue(forKey: id) else {
            return .failure(EngineError(id < nextHeld ? "held message h\(id) was already released" : "no held message h\(id)"))
        }
        return .success([(id, entry)])
    }

    var heldCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return held.count
    }
}
