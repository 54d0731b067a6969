import Dispatch
import Foundation

/// Hands events from peer queues to the consumer's queue without ever blocking a peer.
///
/// Posting takes a lock and appends. Memory is bounded: at most `maxFrames` frame events
/// and `maxFrameBytes` of their raw bytes wait at once; past that, frame events are
/// dropped and counted (reported as ``PeerEvent/framesDropped(count:)``), while peer
/// state events (added, phase, updated, removed, error) are always kept: there are only a
/// few per peer. Consecutive `peerUpdated` events of one peer are merged.
public final class EventMailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [PeerEvent] = []
    private var pendingFrames = 0
    private var pendingFrameBytes = 0
    private var dropped = 0
    private var scheduled = false
    private let queue: DispatchQueue
    private let deliver: @Sendable (PeerEvent) -> Void
    public let maxFrames: Int
    public let maxFrameBytes: Int

    public init(queue: DispatchQueue, maxFrames: Int, maxFrameBytes: Int = 64 << 20, deliver: @escaping @Sendable (PeerEvent) -> Void) {
        self.queue = queue
        self.maxFrames = maxFrames
        self.maxFrameBytes = maxFrameBytes
        self.deliver = deliver
    }

    public func post(_ event: PeerEvent) {
        lock.lock()
        append(event)
        let schedule = !scheduled
        scheduled = true
        lock.unlock()
        if schedule { queue.async { self.drain() } }
    }

    /// Posts `events` in order under one lock (a producer that makes many at once, such as
    /// a sniffer's packet of small frames, saves a lock and a wake-up per event).
    public func post(contentsOf events: [PeerEvent]) {
        guard !events.isEmpty else { return }
        lock.lock()
        for event in events { append(event) }
        let schedule = !scheduled
        scheduled = true
        lock.unlock()
        if schedule { queue.async { self.drain() } }
    }

    /// Called with the lock held.
    private func append(_ event: PeerEvent) {
        switch event.kind {
        case let .frame(f):
            if pendingFrames >= maxFrames || pendingFrameBytes + f.raw.count > maxFrameBytes {
                dropped += 1
            } else {
                pendingFrames += 1
                pendingFrameBytes += f.raw.count
                pending.append(event)
            }
        case let .peerUpdated(info):
            if case let .peerUpdated(last)? = pending.last?.kind, last.id == info.id {
                pending[pending.count - 1] = event
            } else {
                pending.append(event)
            }
        default:
            pending.append(event)
        }
    }

    private func drain() {
        lock.lock()
        let batch = pending
        let lost = dropped
        pending = []
        pendingFrames = 0
        pendingFrameBytes = 0
        dropped = 0
        scheduled = false
        lock.unlock()
        if lost > 0 { deliver(PeerEvent(time: batch.first?.time ?? 0, .framesDropped(count: lost))) }
        for event in batch { deliver(event) }
    }
}
