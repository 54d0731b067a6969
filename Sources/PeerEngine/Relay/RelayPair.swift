import BitcoinWire
import Foundation

/// A message on its way across the relay: the unit as it arrived (or as injected), which
/// message of the pair it is, and how it is to go out.
struct RelayedUnit: Sendable {
    var unit: WireUnit
    var from: RelaySide
    var sequence: Int
    var origin: FrameOrigin = .protocol
    var corruption: Corruption?
    /// Bytes counted in the pair's in-flight total while the message is on its way to the
    /// other leg's queue (0: not counted).
    var inFlightBytes = 0
}

/// Why a relay leg stopped reading. It reads again when no reason is left.
enum RelayPause: Hashable {
    /// What it sent waits for the other leg to become ready.
    case pending
    /// What it sent waits on the other leg's queue.
    case inFlight
    /// The other leg's socket holds too much unsent.
    case unsent
}

/// Two legs joined by the relay: what one receives goes out on the other.
///
/// Each leg is a ``PeerConnection`` on its own queue. A leg calls ``route(_:)`` on its own
/// queue for each message; the pair hands it to the other leg's queue, or keeps it until
/// that leg is ready (its TCP connect or v2 key exchange is not done). The pair's few
/// fields are guarded by `lock`, held only to read and change them, never across a call
/// into a leg.
final class RelayPair: @unchecked Sendable {
    let id: Int
    let target: String
    /// Unsent bytes on a leg past which the other leg stops reading.
    static let highWater = 8 << 20
    /// Unsent bytes at which the paused leg reads again.
    static let lowWater = 2 << 20
    /// A leg fails as not reading only far past ``highWater``: reading across is paused
    /// first, so only what was in flight lands on top of it.
    static let sendBufferLimit = 64 << 20
    /// What a leg must decode to follow the handshake when no one reads its frames.
    static let observedCommands: Set<Command> = [.version, .verack]

    private let lock = NSLock()
    private weak var legA: PeerConnection?
    private weak var legB: PeerConnection?
    private var ready: Set<RelaySide> = []
    /// Messages for a leg that is not ready yet, and their bytes.
    private var pending: [RelaySide: [RelayedUnit]] = [:]
    private var pendingBytes: [RelaySide: Int] = [:]
    /// Legs paused because what they sent waits for a leg not yet ready.
    private var pausedForPending: Set<RelaySide> = []
    /// Bytes handed to a leg's queue and not yet to its socket, by receiving leg.
    private var inFlight: [RelaySide: Int] = [:]
    /// Legs paused because too much of what they sent is in flight.
    private var pausedForFlight: Set<RelaySide> = []
    private var nextSequence = 1
    private var ended = false

    init(id: Int, target: String) {
        self.id = id
        self.target = target
    }

    func attach(a: PeerConnection, b: PeerConnection) {
        lock.lock()
        legA = a
        legB = b
        lock.unlock()
    }

    private func leg(_ side: RelaySide) -> PeerConnection? { side == .a ? legA : legB }

    /// The next message number of the pair.
    func takeSequence() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let n = nextSequence
        nextSequence += 1
        return n
    }

    /// Sends `message` across, from `message.from` to the other leg. Returns why the
    /// source leg (`message.from`'s) should stop reading now, if it should: too much of
    /// what it sent waits for a leg that is not ready, or on that leg's queue.
    /// `queue`: the caller's queue; when it is the other leg's too (a pair shares one), the
    /// message is sent at once instead of in a block of its own.
    @discardableResult
    func route(_ message: RelayedUnit, from queue: DispatchQueue? = nil) -> RelayPause? {
        let to = message.from.other
        let bytes = message.unit.raw.count
        lock.lock()
        guard !ended, let target = leg(to) else {
            lock.unlock()
            return nil
        }
        if !ready.contains(to) {
            pending[to, default: []].append(message)
            pendingBytes[to, default: 0] += bytes
            let pause = pendingBytes[to, default: 0] > Self.highWater && pausedForPending.insert(message.from).inserted
            lock.unlock()
            return pause ? .pending : nil
        }
        inFlight[to, default: 0] += bytes
        let pause = inFlight[to, default: 0] > Self.highWater && pausedForFlight.insert(message.from).inserted
        lock.unlock()
        var counting = message
        counting.inFlightBytes = bytes
        let counted = counting
        if let queue, queue === target.queue {
            target.relaySend(counted)
        } else {
            target.queue.async { target.relaySend(counted) }
        }
        return pause ? .inFlight : nil
    }

    /// Leg `side` took `bytes` of a routed message off its queue: the source reads again
    /// once little enough is in flight.
    func delivered(to side: RelaySide, bytes: Int) {
        guard bytes > 0 else { return }
        lock.lock()
        inFlight[side, default: 0] -= bytes
        let resume = inFlight[side, default: 0] <= Self.lowWater && pausedForFlight.remove(side.other) != nil ? leg(side.other) : nil
        lock.unlock()
        if let resume { resume.queue.async { resume.relayResume(.inFlight) } }
    }

    /// Leg `side` can carry messages now: returns what waited for it (to send at once, on
    /// its queue), and resumes the other leg if that waiting had paused it.
    func legReady(_ side: RelaySide) -> [RelayedUnit] {
        lock.lock()
        ready.insert(side)
        let waiting = pending.removeValue(forKey: side) ?? []
        pendingBytes[side] = 0
        let resume = pausedForPending.remove(side.other) != nil ? leg(side.other) : nil
        lock.unlock()
        if let resume { resume.queue.async { resume.relayResume(.pending) } }
        return waiting
    }

    /// Leg `side`'s send buffer passed the high-water mark (`paused` true) or drained
    /// (false): the other leg stops or starts reading.
    func backpressure(from side: RelaySide, paused: Bool) {
        lock.lock()
        let source = ended ? nil : leg(side.other)
        lock.unlock()
        guard let source else { return }
        source.queue.async { paused ? source.relayPause(.unsent) : source.relayResume(.unsent) }
    }

    /// Leg `side` ended in `phase`: the other leg ends too, with the reason. Returns false
    /// when the pair had already ended (the other leg ended first).
    @discardableResult
    func legEnded(_ side: RelaySide, id: PeerID, phase: PeerPhase) -> Bool {
        lock.lock()
        guard !ended else {
            lock.unlock()
            return false
        }
        ended = true
        let other = leg(side.other)
        pending = [:]
        lock.unlock()
        let what = side == .b ? "the target \(target)" : "the relayed peer"
        other?.relayPartnerEnded("\(what) (peer \(id), \(side.rawValue)) \(phase.word): \(phase.reason ?? "ended")")
        return true
    }

    var isEnded: Bool {
        lock.lock()
        defer { lock.unlock() }
        return ended
    }

    /// The leg on `side`, if the pair is live.
    func liveLeg(_ side: RelaySide) -> PeerConnection? {
        lock.lock()
        defer { lock.unlock() }
        return ended ? nil : leg(side)
    }
}
