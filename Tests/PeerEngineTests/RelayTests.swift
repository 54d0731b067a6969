import BitcoinWire
import Foundation
import NodeHarness
import Testing
@testable import PeerEngine
#if canImport(Glibc)
import Glibc
#endif

/// The relay between two engines on loopback: a client (the node A that connects), the
/// relay, and a target (B). verack's engines answer handshakes and pings as Core does, so
/// every message the relay carries is checked from both ends.
@Suite(.serialized) struct RelayTests {
    /// A target listening, a relay to it, and a client engine.
    struct Setup {
        let target = EventCollector()
        let relay = EventCollector()
        let client = EventCollector()
        let targetEngine: PeerEngine
        let relayEngine: PeerEngine
        let clientEngine: PeerEngine
        let relayAddress: String

        init(
            client clientTransport: TransportPolicy = .v1, options: RelayOptions = RelayOptions(inbound: .auto, outbound: .v1),
            target targetAddress: String? = nil, relayFrames: Bool = true
        ) throws {
            targetEngine = target.makeEngine { $0.userAgent = "/target:1/" }
            relayEngine = relay.makeEngine {
                $0.userAgent = "/relay:1/"
                $0.postsFrameEvents = relayFrames
            }
            clientEngine = client.makeEngine {
                $0.userAgent = "/client:1/"
                $0.transport = clientTransport
            }
            let to = try targetAddress ?? "127.0.0.1:\(targetEngine.listen("127.0.0.1:0").get())"
            relayAddress = "127.0.0.1:\(try relayEngine.relay(listen: "127.0.0.1:0", to: to, options: options).get())"
        }

        func shutdown() {
            clientEngine.shutdown()
            relayEngine.shutdown()
            targetEngine.shutdown()
        }

        /// Connects the client through the relay and waits until all four ends are established.
        func connect() throws -> PeerID {
            let id = try clientEngine.connect(relayAddress).get()
            for (collector, peer) in [(client, id), (relay, 1), (relay, 2), (target, 1)] {
                let ok = collector.wait { EventCollector.phase(of: peer, in: $0) == .established }
                #expect(ok, "peer \(peer) not established: \(String(describing: EventCollector.phase(of: peer, in: collector.snapshot)))")
                if !ok { throw Stop() }
            }
            return id
        }

        struct Stop: Error {}

        static func received(_ collector: EventCollector, _ peer: PeerID, _ command: Command) -> [FrameEvent] {
            received(collector.snapshot, peer, command)
        }

        /// For `wait`'s predicate, which holds the collector's lock: the events it is given.
        static func received(_ events: [PeerEvent], _ peer: PeerID, _ command: Command) -> [FrameEvent] {
            EventCollector.frames(of: peer, .received, in: events).filter { $0.command == command }
        }

        static func nonce(_ f: FrameEvent) -> UInt64? {
            switch f.message {
            case let .success(.ping(n))?, let .success(.pong(n))?: return n
            default: return nil
            }
        }

        func waitFor(_ collector: EventCollector, _ peer: PeerID, _ command: Command, nonce: UInt64) -> Bool {
            collector.wait { Self.received($0, peer, command).contains { Self.nonce($0) == nonce } }
        }

        func sawNonce(_ collector: EventCollector, _ peer: PeerID, _ command: Command, _ nonce: UInt64) -> Bool {
            Self.received(collector, peer, command).contains { Self.nonce($0) == nonce }
        }
    }

    /// v1 on both legs: each leg completes the handshake of its own side, the nodes see each
    /// other's versions (user agent and nonce), and each frame goes on byte for byte.
    @Test func v1BothLegsPassVersionsThroughByteForByte() throws {
        let setup = try Setup()
        defer { setup.shutdown() }
        let id = try setup.connect()
        let events = setup.relay.snapshot
        let a = try #require(EventCollector.latestInfo(of: 1, in: events))
        let b = try #require(EventCollector.latestInfo(of: 2, in: events))
        #expect(a.relay == RelayLeg(pair: 1, side: .a, partner: 2))
        #expect(b.relay == RelayLeg(pair: 1, side: .b, partner: 1))
        #expect(a.direction == .inbound && b.direction == .outbound)
        #expect(a.transport == .v1 && b.transport == .v1)

        let clientVersion = try #require(EventCollector.frames(of: id, .sent, in: setup.client.snapshot).first { $0.command == .version })
        let seenByTarget = try #require(EventCollector.latestInfo(of: 1, in: setup.target.snapshot)?.version)
        guard case let .success(.version(sent))? = clientVersion.message else { Issue.record("no version sent"); return }
        #expect(seenByTarget.userAgent == "/client:1/")
        #expect(seenByTarget.nonce == sent.nonce, "the target got the client's own nonce")
        #expect(EventCollector.latestInfo(of: id, in: setup.client.snapshot)?.version?.userAgent == "/target:1/")
        #expect(a.version?.userAgent == "/client:1/" && b.version?.userAgent == "/target:1/")

        // The client's ping comes back as a pong through both legs.
        #expect(setup.client.wait { EventCollector.latestInfo(of: id, in: $0)?.pingMs != nil })
        let relayed = setup.relay.snapshot.compactMap { e -> FrameEvent? in if case let .frame(f) = e.kind { return f } else { return nil } }
        let received = relayed.filter { $0.direction == .received }
        #expect(received.count >= 8, "version, wtxidrelay, sendaddrv2, verack each way at least")
        for r in received {
            let mark = try #require(r.relay)
            #expect(mark.leg == mark.from && mark.sequence > 0)
            let forwarded = relayed.first { $0.direction == .sent && $0.relay?.sequence == mark.sequence }
            if let forwarded {
                #expect(forwarded.relay?.leg == mark.from.other)
                #expect(forwarded.raw == r.raw, "#\(mark.sequence) \(r.label) changed on the way")
                #expect(forwarded.peer != r.peer)
            }
        }
        let versions = received.filter { $0.command == .version }.map { $0.relay?.from }
        #expect(versions.count == 2 && Set(versions.compactMap { $0 }) == [.a, .b])
    }

    /// With no one reading frames (`relay --quiet`), the legs post none and decode only the
    /// handshake, and still carry everything: the phases move, versions pass, pings
    /// round-trip, in v1 and v2.
    @Test(arguments: [TransportPolicy.v1, .v2])
    func withoutFrameEventsTheRelayStillCarriesEverything(transport: TransportPolicy) throws {
        let setup = try Setup(client: transport, options: RelayOptions(inbound: .auto, outbound: transport), relayFrames: false)
        defer { setup.shutdown() }
        let id = try setup.connect()
        #expect(setup.client.wait { EventCollector.latestInfo(of: id, in: $0)?.pingMs != nil })
        try setup.clientEngine.send(id, .getaddr).get()
        #expect(setup.target.wait { !Setup.received($0, 1, .getaddr).isEmpty })
        #expect(EventCollector.latestInfo(of: 1, in: setup.target.snapshot)?.version?.userAgent == "/client:1/")
        #expect(EventCollector.latestInfo(of: 1, in: setup.relay.snapshot)?.version?.userAgent == "/client:1/")
        #expect(!setup.relay.snapshot.contains { if case .frame = $0.kind { return true } else { return false } })
    }

    /// v2 on both legs: each leg has its own session id, equal to its node's, and the two
    /// differ (which is how a node's operator can tell a relay is there).
    @Test func v2BothLegsHaveTheirOwnSessionIDs() throws {
        let setup = try Setup(client: .v2, options: RelayOptions(inbound: .v2, outbound: .v2))
        defer { setup.shutdown() }
        let id = try setup.connect()
        #expect(setup.client.wait { EventCollector.latestInfo(of: id, in: $0)?.pingMs != nil })
        let a = try #require(EventCollector.latestInfo(of: 1, in: setup.relay.snapshot))
        let b = try #require(EventCollector.latestInfo(of: 2, in: setup.relay.snapshot))
        #expect(a.transport == .v2 && b.transport == .v2)
        let clientSID = try #require(EventCollector.latestInfo(of: id, in: setup.client.snapshot)?.sessionID)
        let targetSID = try #require(EventCollector.latestInfo(of: 1, in: setup.target.snapshot)?.sessionID)
        #expect(a.sessionID == clientSID)
        #expect(b.sessionID == targetSID)
        #expect(clientSID != targetSID)
        // One plaintext, two ciphertexts: the payload is the same on both legs, the packets not.
        let frames = setup.relay.snapshot.compactMap { e -> FrameEvent? in if case let .frame(f) = e.kind { return f } else { return nil } }
        let ping = try #require(frames.first { $0.direction == .received && $0.command == .ping })
        let out = try #require(frames.first { $0.direction == .sent && $0.relay?.sequence == ping.relay?.sequence })
        #expect(out.plaintext == ping.plaintext && out.raw != ping.raw)
        // Each leg's own handshake steps are marked as the leg's alone.
        let steps = frames.filter { $0.kind != .message }
        #expect(!steps.isEmpty && steps.allSatisfy { $0.relay?.sequence == 0 })
    }

    /// v1 on one leg and v2 on the other, both ways round.
    @Test(arguments: [(TransportPolicy.v1, TransportPolicy.v2), (.v2, .v1)])
    func translatesBetweenTransports(client: TransportPolicy, out: TransportPolicy) throws {
        let setup = try Setup(client: client, options: RelayOptions(inbound: .auto, outbound: out))
        defer { setup.shutdown() }
        let id = try setup.connect()
        #expect(setup.client.wait { EventCollector.latestInfo(of: id, in: $0)?.pingMs != nil })
        #expect(EventCollector.latestInfo(of: 1, in: setup.relay.snapshot)?.transport.map(\.rawValue) == client.rawValue)
        #expect(EventCollector.latestInfo(of: 2, in: setup.relay.snapshot)?.transport.map(\.rawValue) == out.rawValue)
        #expect(EventCollector.latestInfo(of: 1, in: setup.target.snapshot)?.version?.userAgent == "/client:1/")
        // A message made from nothing crosses too: the target answers the client's getaddr.
        try setup.clientEngine.send(id, .getaddr).get()
        #expect(setup.target.wait { !Setup.received($0, 1, .getaddr).isEmpty })
    }

    /// Intercept holds a ping (no pong comes back) while later messages pass it, and the
    /// other direction flows; `forward` lets it on, `forward --corrupt checksum` makes the
    /// far side drop it, `drop` loses it.
    @Test func interceptHoldsForwardsCorruptsAndDrops() throws {
        let setup = try Setup()
        defer { setup.shutdown() }
        let id = try setup.connect()
        let relay = setup.relayEngine
        relay.intercept(InterceptRule(commands: [.ping], from: .a))
        #expect(setup.relay.wait { $0.contains { if case .relay(.intercepting(_?)) = $0.kind { return true } else { return false } } })

        try setup.clientEngine.send(id, .ping(nonce: 42)).get()
        try setup.clientEngine.send(id, .getaddr).get()
        // The getaddr sent after the ping reaches the target; the ping does not.
        #expect(setup.target.wait { !Setup.received($0, 1, .getaddr).isEmpty })
        #expect(!setup.sawNonce(setup.target, 1, .ping, 42))
        let held = try #require(Setup.received(setup.relay, 1, .ping).first { Setup.nonce($0) == 42 }?.relay?.held)
        #expect(relay.heldCount == 1)
        // The other direction is not held: a ping injected from B reaches the client.
        try relay.inject(pair: 1, from: .b, .ping(nonce: 99)).get()
        #expect(setup.waitFor(setup.client, id, .ping, nonce: 99))
        #expect(setup.waitFor(setup.target, 1, .pong, nonce: 99), "the client's pong crosses back to the target")
        #expect(!setup.sawNonce(setup.client, id, .pong, 42))

        #expect(try relay.forwardHeld(held).get() == 1)
        #expect(setup.waitFor(setup.target, 1, .ping, nonce: 42))
        #expect(setup.waitFor(setup.client, id, .pong, nonce: 42), "the pong came once the ping was forwarded")
        #expect(relay.heldCount == 0)
        if case .failure(let e) = relay.forwardHeld(held) { #expect(e.message.contains("already released")) } else { Issue.record("forwarded twice") }

        // Forwarded with a corrupted checksum: the target drops it, no pong.
        try setup.clientEngine.send(id, .ping(nonce: 43)).get()
        #expect(setup.relay.wait { Setup.received($0, 1, .ping).contains { Setup.nonce($0) == 43 && $0.relay?.held != nil } })
        let held43 = try #require(Setup.received(setup.relay, 1, .ping).first { Setup.nonce($0) == 43 }?.relay?.held)
        _ = try relay.forwardHeld(held43, corruption: .checksum).get()
        #expect(setup.target.wait { Setup.received($0, 1, .ping).contains { !$0.checksumOK } })
        // Dropped: it never arrives.
        try setup.clientEngine.send(id, .ping(nonce: 44)).get()
        #expect(setup.relay.wait { Setup.received($0, 1, .ping).contains { Setup.nonce($0) == 44 && $0.relay?.held != nil } })
        let held44 = try #require(Setup.received(setup.relay, 1, .ping).first { Setup.nonce($0) == 44 }?.relay?.held)
        try relay.dropHeld(held44).get()
        #expect(setup.relay.wait { $0.contains { if case .relay(.released(held44, 1, _, false, _)) = $0.kind { return true } else { return false } } })
        relay.intercept(nil)
        try setup.clientEngine.send(id, .ping(nonce: 45)).get()
        #expect(setup.waitFor(setup.client, id, .pong, nonce: 45))
        #expect(!setup.sawNonce(setup.client, id, .pong, 43), "a ping with a bad checksum is dropped, as Core does")
        #expect(!setup.sawNonce(setup.target, 1, .ping, 44))
        #expect(EventCollector.phase(of: id, in: setup.client.snapshot) == .established)
    }

    /// A target that refuses ends the accepted leg, with the target's reason.
    @Test func aTargetThatIsDownEndsTheAcceptedLegWithItsReason() throws {
        let setup = try Setup(target: try FakePeer.closedAddress())
        defer { setup.shutdown() }
        let id = try setup.clientEngine.connect(setup.relayAddress).get()
        #expect(setup.relay.wait { EventCollector.phase(of: 1, in: $0)?.isEnd == true && EventCollector.phase(of: 2, in: $0)?.isEnd == true })
        let b = EventCollector.phase(of: 2, in: setup.relay.snapshot)
        let a = EventCollector.phase(of: 1, in: setup.relay.snapshot)
        #expect(b?.word == "failed" && b?.reason?.contains("refused") == true, "\(String(describing: b))")
        #expect(a?.word == "dropped" && a?.reason?.contains("refused") == true && a?.reason?.contains("target") == true, "\(String(describing: a))")
        #expect(setup.client.wait { EventCollector.phase(of: id, in: $0)?.isEnd == true })
    }

    /// One side closes in the middle of a frame: its leg says so, and the other leg ends
    /// with that reason.
    @Test func aSideClosingMidFrameEndsThePair() throws {
        let setup = try Setup()
        defer { setup.shutdown() }
        let fd = try Self.dial(setup.relayAddress)
        let version = FakePeer.version()
        FakePeer.send(fd, Array(version.prefix(40)))
        close(fd)
        #expect(setup.relay.wait { EventCollector.phase(of: 2, in: $0)?.isEnd == true })
        let a = EventCollector.phase(of: 1, in: setup.relay.snapshot)
        let b = EventCollector.phase(of: 2, in: setup.relay.snapshot)
        #expect(a?.reason?.contains("middle of a frame") == true, "\(String(describing: a))")
        #expect(b?.word == "dropped" && b?.reason?.contains("middle of a frame") == true, "\(String(describing: b))")
    }

    /// Garbage from one side (v1 only: it is not a magic) ends its pair with a clear reason.
    @Test func garbageEndsThePairWithTheReason() throws {
        let setup = try Setup(options: RelayOptions(inbound: .v1, outbound: .v1))
        defer { setup.shutdown() }
        let fd = try Self.dial(setup.relayAddress)
        defer { close(fd) }
        FakePeer.send(fd, [UInt8](repeating: 0x42, count: 100))
        #expect(setup.relay.wait { EventCollector.phase(of: 2, in: $0)?.isEnd == true })
        let a = EventCollector.phase(of: 1, in: setup.relay.snapshot)
        let b = EventCollector.phase(of: 2, in: setup.relay.snapshot)
        #expect(a?.word == "failed" && a?.reason?.contains("bad magic") == true, "\(String(describing: a))")
        #expect(b?.reason?.contains("bad magic") == true, "\(String(describing: b))")
    }

    /// A header claiming more than 4,000,000 bytes of payload ends the pair at once.
    @Test func anOversizedLengthEndsThePair() throws {
        let setup = try Setup(options: RelayOptions(inbound: .v1, outbound: .v1))
        defer { setup.shutdown() }
        let fd = try Self.dial(setup.relayAddress)
        defer { close(fd) }
        let frame = try Corruption.lengthOversized.apply(to: FrameEncoder.encode(.ping(nonce: 1), magic: FakePeer.magic))
        FakePeer.send(fd, frame)
        #expect(setup.relay.wait { EventCollector.phase(of: 2, in: $0)?.isEnd == true })
        let a = EventCollector.phase(of: 1, in: setup.relay.snapshot)
        let b = EventCollector.phase(of: 2, in: setup.relay.snapshot)
        #expect(a?.word == "failed" && a?.reason?.contains("oversized") == true, "\(String(describing: a))")
        #expect(b?.reason?.contains("oversized") == true, "\(String(describing: b))")
    }

    /// A v2 packet whose tag fails ends its leg ("authentication failed") and the pair.
    @Test func aTamperedV2PacketEndsThePair() throws {
        let setup = try Setup(client: .v2, options: RelayOptions(inbound: .v2, outbound: .v1))
        defer { setup.shutdown() }
        let id = try setup.connect()
        try setup.clientEngine.resend(id, command: .ping, corruption: .tag).get()
        #expect(setup.relay.wait { EventCollector.phase(of: 2, in: $0)?.isEnd == true })
        let a = EventCollector.phase(of: 1, in: setup.relay.snapshot)
        let b = EventCollector.phase(of: 2, in: setup.relay.snapshot)
        #expect(a?.word == "failed" && a?.reason?.contains("authentication") == true, "\(String(describing: a))")
        #expect(b?.word == "dropped" && b?.reason?.contains("authentication") == true, "\(String(describing: b))")
        #expect(setup.target.wait { EventCollector.phase(of: 1, in: $0)?.isEnd == true }, "the target's side closed too")
    }

    /// A fast sender to a receiver that does not read: the relay stops reading the sender
    /// once the receiver's leg holds 8 MB unsent, so the sender stalls, the relay's memory
    /// stays bounded and neither leg fails.
    @Test(.timeLimit(.minutes(2))) func aFloodAgainstAReceiverThatDoesNotReadStallsTheSender() throws {
        let target = try FakePeer()
        let parked = ParkedSocket()
        target.serve { fd in parked.set(fd) }  // accepts and never reads
        let setup = try Setup(options: RelayOptions(inbound: .v1, outbound: .v1), target: target.address)
        defer {
            setup.shutdown()
            parked.close()
        }
        let fd = try Self.dial(setup.relayAddress)
        defer { close(fd) }
        let frame = FrameEncoder.frame(command: "blob", payload: [UInt8](repeating: 7, count: 1 << 20), magic: FakePeer.magic)
        let (written, stalled, error) = LoopbackFlood.send(frame, to: fd, limit: 1 << 30, stallSeconds: Int(2 * Sanitizer.slowdown))
        #expect(stalled, "the sender never stalled: it wrote \(written >> 20) MiB (errno \(error))")
        // What the sender got rid of: kernel buffers on both legs, plus at most the relay's
        // 8 MB mark and what was in flight when it paused.
        #expect(written < 100 << 20, "the relay took \(written >> 20) MiB from a sender whose receiver reads nothing")
        let events = setup.relay.snapshot
        #expect(EventCollector.phase(of: 1, in: events)?.isEnd != true && EventCollector.phase(of: 2, in: events)?.isEnd != true,
                "a leg ended instead of pausing: \(String(describing: EventCollector.phase(of: 2, in: events)))")
    }

    static func dial(_ address: String) throws -> Int32 { try LoopbackSocket.dial(port: LoopbackSocket.port(of: address)) }
}
