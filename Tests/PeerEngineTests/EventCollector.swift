import BitcoinWire
import Dispatch
import Foundation
import NodeHarness
@testable import PeerEngine

/// Collects an engine's events on a private queue and lets a test wait, with a deadline,
/// until they satisfy a condition. Waiting is on a condition variable signalled per event,
/// so nothing sleeps.
final class EventCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [PeerEvent] = []
    let queue = DispatchQueue(label: "test.events")

    func makeEngine(_ configure: (inout EngineConfiguration) -> Void = { _ in }) -> PeerEngine {
        var config = EngineConfiguration(network: .custom(magic: try! Magic(hex: "dab5bffa")), userAgent: "/verack:test/")
        configure(&config)
        return PeerEngine(configuration: config, eventQueue: queue) { [self] event in
            condition.lock()
            events.append(event)
            condition.broadcast()
            condition.unlock()
        }
    }

    var snapshot: [PeerEvent] {
        condition.lock()
        defer { condition.unlock() }
        return events
    }

    /// Waits until `predicate` holds for the events so far; false on timeout.
    @discardableResult
    func wait(timeout: Double = 15, _ predicate: ([PeerEvent]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout * Sanitizer.slowdown)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(events) {
            if !condition.wait(until: deadline) { return predicate(events) }
        }
        return true
    }

    /// The latest phase of peer `id`.
    static func phase(of id: PeerID, in events: [PeerEvent]) -> PeerPhase? {
        var phase: PeerPhase?
        for e in events {
            switch e.kind {
            case let .peerAdded(info) where info.id == id: phase = info.phase
            case let .phaseChanged(info, _) where info.id == id: phase = info.phase
            default: break
            }
        }
        return phase
    }

    static func latestInfo(of id: PeerID, in events: [PeerEvent]) -> PeerInfo? {
        var latest: PeerInfo?
        for e in events {
            switch e.kind {
            case let .peerAdded(i) where i.id == id, let .phaseChanged(i, _) where i.id == id, let .peerUpdated(i) where i.id == id:
                latest = i
            default: break
            }
        }
        return latest
    }

    static func frames(of id: PeerID, _ direction: FrameDirection, in events: [PeerEvent]) -> [FrameEvent] {
        events.compactMap { if case let .frame(f) = $0.kind, f.peer == id, f.direction == direction { return f } else { return nil } }
    }
}
