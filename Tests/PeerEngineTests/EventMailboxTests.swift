import BitcoinWire
import Dispatch
import Foundation
import Testing
@testable import PeerEngine

/// The mailbox between peer queues and a slow consumer: posting never waits, and what waits
/// is bounded.
struct EventMailboxTests {
    final class Received: @unchecked Sendable {
        let lock = NSLock()
        var events: [PeerEvent] = []
        func add(_ e: PeerEvent) { lock.lock(); events.append(e); lock.unlock() }
    }

    static func frame(peer: PeerID, bytes: Int) -> PeerEvent {
        PeerEvent(time: 0, .frame(FrameEvent(
            peer: peer, direction: .received, time: 0, raw: [UInt8](repeating: 0, count: bytes), command: "ping",
            size: bytes - 24, checksumOK: true, message: .success(.ping(nonce: 0)))))
    }

    /// The consumer's queue is stuck (suspended) while 50 frames and 3 state events arrive:
    /// 10 frames wait, 40 are counted as dropped, and no state event is lost.
    @Test func aStuckConsumerCostsFramesNotStateOrWaiting() {
        let consumer = DispatchQueue(label: "slow consumer")
        consumer.suspend()
        let received = Received()
        let done = DispatchSemaphore(value: 0)
        let mailbox = EventMailbox(queue: consumer, maxFrames: 10) { event in
            received.add(event)
            if case .peerRemoved = event.kind { done.signal() }
        }
        let info = PeerInfo(id: 1, address: "127.0.0.1:1", direction: .outbound, phase: .connecting, startedAt: 0)
        mailbox.post(PeerEvent(time: 0, .peerAdded(info)))
        for _ in 0..<50 { mailbox.post(Self.frame(peer: 1, bytes: 32)) }
        mailbox.post(PeerEvent(time: 1, .phaseChanged(info, from: .connecting)))
        mailbox.post(PeerEvent(time: 2, .peerRemoved(1)))
        consumer.resume()
        #expect(done.wait(timeout: .now() + 5) == .success)
        let events = received.events
        guard case .framesDropped(40)? = events.first?.kind else {
            Issue.record("expected framesDropped(40) first, got \(String(describing: events.first))")
            return
        }
        #expect(events.filter { if case .frame = $0.kind { return true } else { return false } }.count == 10)
        #expect(events.contains { if case .peerAdded = $0.kind { return true } else { return false } })
        #expect(events.contains { if case .phaseChanged = $0.kind { return true } else { return false } })
    }

    /// Big frames are bounded by bytes too, not only by count.
    @Test func pendingFrameBytesAreBounded() {
        let consumer = DispatchQueue(label: "slow consumer")
        consumer.suspend()
        let received = Received()
        let done = DispatchSemaphore(value: 0)
        let mailbox = EventMailbox(queue: consumer, maxFrames: 1000, maxFrameBytes: 10 << 20) { event in
            received.add(event)
            if case .peerRemoved = event.kind { done.signal() }
        }
        for _ in 0..<8 { mailbox.post(Self.frame(peer: 1, bytes: 4_000_024)) }
        mailbox.post(PeerEvent(time: 2, .peerRemoved(1)))
        consumer.resume()
        #expect(done.wait(timeout: .now() + 5) == .success)
        let frames = received.events.filter { if case .frame = $0.kind { return true } else { return false } }
        #expect(frames.count == 2, "two 4 MB frames fit in 10 MiB, a third does not")
        guard case .framesDropped(6)? = received.events.first?.kind else {
            Issue.record("expected framesDropped(6), got \(String(describing: received.events.first))")
            return
        }
    }
}
