import BitcoinWire
import Foundation
import NodeHarness
import Testing
@testable import PeerEngine

/// The engine against a real node on loopback (see `scripts/node`). Serialized: each test
/// starts its own node, and two at once would only compete for the two cores.
@Suite(.serialized)
struct RealNodeTests {
    /// Runs `body` with a fresh node and an engine configured by `configure`; returns
    /// without running it when no node can start here (in CI that throws instead).
    func withNode(
        _ configure: (inout EngineConfiguration) -> Void = { _ in },
        _ body: (RealNode, EventCollector, PeerEngine) throws -> Void
    ) throws {
        guard let node = try RealNode.startIfAvailable() else { try Test.cancel("skipped: no real node can start here") }
        defer { node.stop() }
        let events = EventCollector()
        let engine = events.makeEngine(configure)
        defer { engine.shutdown() }
        try body(node, events, engine)
    }

    @Test func outboundHandshakeReachesEstablished() throws {
        try withNode { node, events, engine in
            let id = try engine.connect(node.address).get()
            #expect(id == 1)
            #expect(events.wait { EventCollector.phase(of: id, in: $0) == .established })
            let info = try #require(EventCollector.latestInfo(of: id, in: events.snapshot))
            #expect(info.version?.userAgent.contains("Bitcoin SV") == true)
            #expect(info.version?.version == 70016)
            let received = EventCollector.frames(of: id, .received, in: events.snapshot).map(\.command)
            #expect(Array(received.prefix(2)) == ["version", "verack"])
            // Our ping is answered: the round trip is measured.
            #expect(events.wait { EventCollector.latestInfo(of: id, in: $0)?.pingMs != nil })
        }
    }

    /// The node speaks v1 only and reads 64 random bytes as a bad magic (then it drops every
    /// loopback peer): auto mode must complete a v1 handshake and never send it a v2 key,
    /// even for a peer it dials twice.
    @Test func autoModeSpeaksV1ToTheNodeAndNeverSendsAKey() throws {
        try withNode({ $0.transport = .auto }) { node, events, engine in
            for id in 1...2 {
                #expect(try engine.connect(node.address).get() == id)
                #expect(events.wait { EventCollector.phase(of: id, in: $0) == .established })
                if id == 1 { try engine.drop(id).get() }
            }
            let sent = events.snapshot.compactMap { e -> FrameEvent? in if case let .frame(f) = e.kind, f.direction == .sent { return f } else { return nil } }
            #expect(!sent.isEmpty)
            #expect(sent.allSatisfy { $0.transport == .v1 && $0.kind == .message })
            #expect(EventCollector.latestInfo(of: 2, in: events.snapshot)?.transport == .v1)
            // The node does not advertise NODE_P2P_V2, so nothing told auto to try v2.
            #expect(EventCollector.latestInfo(of: 1, in: events.snapshot)?.version?.services.contains(.p2pV2) == false)
        }
    }

    @Test func inboundHandshakeFromTheNode() throws {
        try withNode { node, events, engine in
            let port = try engine.listen("127.0.0.1:0").get()
            try node.cli("addnode", "127.0.0.1:\(port)", "onetry")
            #expect(events.wait { EventCollector.phase(of: 1, in: $0) == .established })
            let info = try #require(EventCollector.latestInfo(of: 1, in: events.snapshot))
            #expect(info.direction == .inbound)
            // Inbound, the node speaks first.
            let first = events.snapshot.compactMap { e -> FrameEvent? in if case let .frame(f) = e.kind { return f } else { return nil } }.first
            #expect(first?.direction == .received)
            #expect(first?.command == "version")
        }
    }

    @Test func badChecksumVersionLeavesTheNodeSilent() throws {
        try withNode({ $0.corruptVersion = .checksum; $0.silenceTimeout = 2 }) { node, events, engine in
            let id = try engine.connect(node.address).get()
            #expect(events.wait { EventCollector.latestInfo(of: id, in: $0)?.silence?.awaiting == "version" })
            let sent = EventCollector.frames(of: id, .sent, in: events.snapshot)
            #expect(sent.first?.command == "version")
            #expect(sent.first?.checksumOK == false)
            #expect(sent.first?.corruption == .checksum)
            #expect(EventCollector.frames(of: id, .received, in: events.snapshot).isEmpty, "the node said nothing")
            #expect(EventCollector.phase(of: id, in: events.snapshot) == .versionSent)
            #expect(node.log().contains("CHECKSUM ERROR"))
        }
    }

    @Test func wrongMagicMakesTheNodeHangUp() throws {
        try withNode({ $0.corruptVersion = .magic }) { node, events, engine in
            let id = try engine.connect(node.address).get()
            #expect(events.wait { EventCollector.phase(of: id, in: $0)?.isEnd == true })
            guard case .closed? = EventCollector.phase(of: id, in: events.snapshot) else {
                Issue.record("expected closed, got \(String(describing: EventCollector.phase(of: id, in: events.snapshot)))")
                return
            }
        }
    }

    @Test func corruptedPingAfterHandshakeGetsNoPong() throws {
        try withNode({ $0.silenceTimeout = 2 }) { node, events, engine in
            let id = try engine.connect(node.address).get()
            #expect(events.wait { EventCollector.latestInfo(of: id, in: $0)?.pingMs != nil })
            let pongsBefore = EventCollector.frames(of: id, .received, in: events.snapshot).filter { $0.command == "pong" }.count
            try engine.resend(id, command: "ping", corruption: .checksum).get()
            #expect(events.wait { EventCollector.latestInfo(of: id, in: $0)?.silence?.awaiting == "pong" })
            let snapshot = events.snapshot
            let corrupted = EventCollector.frames(of: id, .sent, in: snapshot).last
            #expect(corrupted?.command == "ping" && corrupted?.checksumOK == false)
            #expect(EventCollector.frames(of: id, .received, in: snapshot).filter { $0.command == "pong" }.count == pongsBefore)
            #expect(EventCollector.phase(of: id, in: snapshot) == .established, "a bad checksum does not cost the connection")
        }
    }

    @Test func dropClosesTheConnectionOnBothSides() throws {
        try withNode { node, events, engine in
            let id = try engine.connect(node.address).get()
            #expect(events.wait { EventCollector.phase(of: id, in: $0) == .established })
            #expect(try node.peerCount() == 1)
            try engine.drop(id).get()
            #expect(events.wait { EventCollector.phase(of: id, in: $0) == .dropped(reason: "dropped by command") })
            #expect(events.wait { $0.contains { if case .peerRemoved(id) = $0.kind { return true } else { return false } } })
            #expect(throws: EngineError.self) { try engine.drop(id).get() }
            // The node notices: poll its RPC (each call is a real round trip) with a deadline.
            let deadline = Date().addingTimeInterval(10)
            var count = try node.peerCount()
            while count != 0 && Date() < deadline { count = try node.peerCount() }
            #expect(count == 0)
        }
    }

    @Test func anEstablishedPeerIsReleasedWithoutAWord() throws {
        try withNode({ $0.releasesEstablished = true }) { node, events, engine in
            let id = try engine.connect(node.address).get()
            #expect(events.wait { EventCollector.phase(of: id, in: $0) == .established })
            // The node notices the connection gone: poll its RPC with a deadline.
            let deadline = Date().addingTimeInterval(10)
            var count = try node.peerCount()
            while count != 0 && Date() < deadline { count = try node.peerCount() }
            #expect(count == 0)
            // The peer is gone from the engine, and said nothing of its end: established is
            // its last phase, and no peerRemoved came.
            #expect(throws: EngineError.self) { try engine.drop(id).get() }
            let snapshot = events.snapshot
            let established = try #require(snapshot.firstIndex {
                if case let .phaseChanged(info, _) = $0.kind { return info.id == id && info.phase == .established } else { return false }
            })
            let ends = snapshot[(established + 1)...].filter {
                switch $0.kind {
                case let .phaseChanged(info, _): return info.id == id
                case let .peerRemoved(removed): return removed == id
                default: return false
                }
            }
            #expect(ends.isEmpty, "\(ends)")
        }
    }
}
