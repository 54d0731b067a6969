import BitcoinWire
import Foundation
import NodeHarness
import Testing
@testable import PeerEngine

/// BIP324 between two engines on loopback: a server (`verack serve`'s engine) and a client.
struct V2TransportTests {
    /// A listening server and a client engine, each configured by its closure.
    struct Pair {
        let server = EventCollector()
        let client = EventCollector()
        let serverEngine: PeerEngine
        let clientEngine: PeerEngine
        let address: String

        init(
            server configureServer: (inout EngineConfiguration) -> Void = { _ in },
            client configureClient: (inout EngineConfiguration) -> Void = { _ in }
        ) throws {
            serverEngine = server.makeEngine(configureServer)
            clientEngine = client.makeEngine(configureClient)
            address = "127.0.0.1:\(try serverEngine.listen("127.0.0.1:0").get())"
        }

        func shutdown() {
            clientEngine.shutdown()
            serverEngine.shutdown()
        }

        func established(_ collector: EventCollector, _ id: PeerID) -> Bool {
            collector.wait { EventCollector.phase(of: id, in: $0) == .established }
        }

        func ended(_ collector: EventCollector, _ id: PeerID) -> PeerPhase? {
            guard collector.wait({ EventCollector.phase(of: id, in: $0)?.isEnd == true }) else { return nil }
            return EventCollector.phase(of: id, in: collector.snapshot)
        }
    }

    static func all(_ collector: EventCollector, _ id: PeerID) -> [FrameEvent] {
        collector.snapshot.compactMap { if case let .frame(f) = $0.kind, f.peer == id { return f } else { return nil } }
    }

    static func steps(_ collector: EventCollector, _ id: PeerID) -> [String] {
        all(collector, id).filter { $0.kind != .message }.map { "\($0.direction == .sent ? "→" : "←") \($0.kind.rawValue)" }
    }

    @Test func v2BothWaysWithTheSameSessionID() throws {
        let pair = try Pair(client: { $0.transport = .v2 })
        defer { pair.shutdown() }
        let id = try pair.clientEngine.connect(pair.address).get()
        #expect(pair.established(pair.client, id))
        #expect(pair.established(pair.server, 1))
        let ours = try #require(EventCollector.latestInfo(of: id, in: pair.client.snapshot))
        let theirs = try #require(EventCollector.latestInfo(of: 1, in: pair.server.snapshot))
        #expect(ours.transport == .v2 && theirs.transport == .v2)
        let sid = try #require(ours.sessionID)
        #expect(sid.count == 32 && sid == theirs.sessionID)
        // Every step shows, in the order of the protocol.
        #expect(Self.steps(pair.client, id) == [
            "→ v2-key", "→ v2-garbage", "← v2-key", "→ v2-terminator", "→ v2-version",
            "← v2-garbage", "← v2-terminator", "← v2-version",
        ])
        #expect(Self.steps(pair.server, 1) == [
            "← v2-key", "→ v2-key", "→ v2-garbage", "→ v2-terminator", "→ v2-version",
            "← v2-garbage", "← v2-terminator", "← v2-version",
        ])
        // Messages flow encrypted, marked v2, with the packet's parts in the layout.
        let version = try #require(Self.all(pair.server, 1).first { $0.command == "version" && $0.direction == .received })
        #expect(version.transport == .v2)
        #expect(version.layout.regions == [.encryptedLength, .headerByte, .contents, .tag])
        #expect(version.raw.count == 3 + 1 + 13 + version.size + 16, "length, header, long-form type (no short id for version), payload, tag")
        #expect(!version.fields.isEmpty)
        // Our version advertised NODE_P2P_V2 (auto and v2 accept v2).
        #expect(theirs.version?.services.contains(.p2pV2) == true)
    }

    @Test func v1AndV2PeersOnOneListenerAtOnce() throws {
        let pair = try Pair()
        defer { pair.shutdown() }
        let a = try pair.clientEngine.connect(pair.address, transport: .v1).get()
        let b = try pair.clientEngine.connect(pair.address, transport: .v2).get()
        #expect(pair.established(pair.client, a))
        #expect(pair.established(pair.client, b))
        #expect(pair.server.wait { events in [1, 2].allSatisfy { EventCollector.phase(of: $0, in: events) == .established } })
        let kinds = Set([1, 2].compactMap { EventCollector.latestInfo(of: $0, in: pair.server.snapshot)?.transport })
        #expect(kinds == [.v1, .v2])
        #expect(EventCollector.latestInfo(of: a, in: pair.client.snapshot)?.transport == .v1)
        #expect(EventCollector.latestInfo(of: b, in: pair.client.snapshot)?.transport == .v2)
    }

    /// Auto dials v2 only to a peer known to offer it, and a peer that hangs up during the
    /// key exchange gets one v1 retry: here a v1-only server that (wrongly) advertises v2.
    @Test func autoModeTriesV2OnceKnownAndFallsBackToV1() throws {
        let pair = try Pair(server: { $0.transport = .v1; $0.services = .p2pV2 }, client: { $0.transport = .auto })
        defer { pair.shutdown() }
        let first = try pair.clientEngine.connect(pair.address).get()
        #expect(pair.established(pair.client, first))
        #expect(Self.steps(pair.client, first).isEmpty, "nothing known yet: v1")
        try pair.clientEngine.drop(first).get()
        let second = try pair.clientEngine.connect(pair.address).get()
        #expect(pair.established(pair.client, second))
        let info = try #require(EventCollector.latestInfo(of: second, in: pair.client.snapshot))
        #expect(info.transport == .v1 && info.fellBackToV1)
        #expect(Self.steps(pair.client, second).first == "→ v2-key", "the v2 attempt is shown")
        let notices = pair.client.snapshot.compactMap { if case let .notice(n) = $0.kind { return n } else { return nil } }
        #expect(notices.contains { $0.hasPrefix("peer \(second):") && $0.hasSuffix("during the v2 key exchange; retrying in v1") })
    }

    /// Forced v2 has no fallback: the peer's hang-up is the reason.
    @Test func forcedV2ToAV1OnlyPeerFailsWithTheReason() throws {
        let pair = try Pair(server: { $0.transport = .v1 })
        defer { pair.shutdown() }
        let id = try pair.clientEngine.connect(pair.address, transport: .v2).get()
        let end = try #require(pair.ended(pair.client, id))
        #expect(end.reason?.hasSuffix("during the v2 key exchange") == true, "\(end)")
        #expect(pair.ended(pair.server, 1)?.reason?.hasPrefix("bad magic") == true)
    }

    @Test func decoysAreSentAcceptedAndShown() throws {
        let pair = try Pair(client: { $0.transport = .v2; $0.v2Decoys = 3 })
        defer { pair.shutdown() }
        let id = try pair.clientEngine.connect(pair.address).get()
        #expect(pair.established(pair.client, id))
        #expect(pair.established(pair.server, 1))
        let decoys = Self.all(pair.server, 1).filter { $0.kind == .v2Decoy && $0.direction == .received }
        #expect(decoys.count == 3)
        #expect(Self.all(pair.client, id).filter { $0.kind == .v2Decoy && $0.direction == .sent }.count == 3)
    }

    @Test(arguments: [0, 4095])
    func garbageAtTheBoundsOfItsSize(_ size: Int) throws {
        let pair = try Pair(server: { $0.v2GarbageLength = size...size }, client: { $0.transport = .v2; $0.v2GarbageLength = size...size })
        defer { pair.shutdown() }
        let id = try pair.clientEngine.connect(pair.address).get()
        #expect(pair.established(pair.client, id))
        #expect(pair.established(pair.server, 1))
        for (collector, peer) in [(pair.client, id), (pair.server, 1)] {
            let garbage = Self.all(collector, peer).filter { $0.kind == .v2Garbage }
            #expect(garbage.map(\.size) == [size, size])
        }
    }

    /// A peer whose terminator never comes: after 4,095 + 16 bytes of garbage it is dropped.
    @Test func noTerminatorWithinTheGarbageLimitDropsThePeer() throws {
        let pair = try Pair(client: { $0.transport = .v2; $0.v2GarbageLength = 4095...4095; $0.corruptVersion = .terminator })
        defer { pair.shutdown() }
        _ = try pair.clientEngine.connect(pair.address).get()
        let end = try #require(pair.ended(pair.server, 1))
        #expect(end == .failed(reason: "no v2 garbage terminator within 4095 + 16 bytes of garbage"))
        // The client's own events come through its own mailbox: wait for them too.
        #expect(pair.client.wait { events in
            events.contains { if case let .frame(f) = $0.kind { return f.kind == .v2Terminator && f.direction == .sent && f.corruption == .terminator } else { return false } }
        })
    }

    /// More than 224 × 4 packets each way: both ciphers rekey several times.
    @Test func rekeyingAcrossOverAThousandPackets() throws {
        let pair = try Pair(client: { $0.transport = .v2 })
        defer { pair.shutdown() }
        let id = try pair.clientEngine.connect(pair.address).get()
        #expect(pair.established(pair.client, id))
        let pings = 1_100
        for i in 0..<pings { try pair.clientEngine.send(id, .ping(nonce: UInt64(i) + 1)).get() }
        #expect(pair.client.wait(timeout: 60) { events in
            events.filter { if case let .frame(f) = $0.kind, f.peer == id, f.direction == .received, f.command == "pong" { return true } else { return false } }.count > pings
        })
        #expect(EventCollector.phase(of: id, in: pair.client.snapshot) == .established)
        #expect(EventCollector.latestInfo(of: id, in: pair.client.snapshot)?.silence == nil)
    }

    /// A flipped ciphertext bit (`tag`) or an altered encrypted length: the other side must
    /// hang up, saying why.
    @Test(arguments: [Corruption.tag, .length])
    func aCorruptedPacketMakesThePeerHangUp(_ corruption: Corruption) throws {
        let pair = try Pair(client: { $0.transport = .v2 })
        defer { pair.shutdown() }
        let id = try pair.clientEngine.connect(pair.address).get()
        #expect(pair.established(pair.client, id))
        #expect(pair.established(pair.server, 1))
        try pair.clientEngine.resend(id, command: "ping", corruption: corruption).get()
        let end = try #require(pair.ended(pair.server, 1))
        #expect(end.reason?.hasPrefix("v2 authentication failed at packet") == true, "\(end)")
        guard case .closed? = pair.ended(pair.client, id) else {
            Issue.record("the client did not see the hang-up")
            return
        }
        let sent = try #require(Self.all(pair.client, id).last { $0.command == "ping" && $0.direction == .sent })
        #expect(sent.corruption == corruption)
    }

    @Test func aV1KindAskedOfAV2PeerIsAOneLineError() throws {
        let pair = try Pair(client: { $0.transport = .v2 })
        defer { pair.shutdown() }
        let id = try pair.clientEngine.connect(pair.address).get()
        #expect(pair.established(pair.client, id))
        try pair.clientEngine.resend(id, command: "ping", corruption: .checksum).get()
        #expect(pair.client.wait { events in
            events.contains { if case let .error(p, m) = $0.kind { return p == id && m.contains("does not apply to a v2 peer") } else { return false } }
        })
        #expect(EventCollector.phase(of: id, in: pair.client.snapshot) == .established)
    }
}
