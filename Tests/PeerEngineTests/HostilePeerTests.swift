import BitcoinWire
import Dispatch
import Foundation
import NodeHarness
import Testing
@testable import PeerEngine
#if canImport(Glibc)
import Glibc
#endif

/// Each bad input becomes a clear phase and reason for that one peer.
struct HostilePeerTests {
    func failedReason(_ events: EventCollector, _ id: PeerID) -> String? {
        guard events.wait({ EventCollector.phase(of: id, in: $0)?.isEnd == true }) else { return nil }
        return EventCollector.phase(of: id, in: events.snapshot).map(\.description)
    }

    @Test func refusedConnection() throws {
        let address = try FakePeer.closedAddress()
        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        let id = try engine.connect(address).get()
        #expect(failedReason(events, id) == "failed (connection refused)")
    }

    @Test func unresolvableHost() throws {
        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        let id = try engine.connect("no-such-host.invalid:8333").get()
        let reason = try #require(failedReason(events, id))
        #expect(reason.hasPrefix("failed (cannot resolve no-such-host.invalid"))
    }

    /// `localhost` may resolve to ::1 first, where nothing listens: the next address is tried.
    @Test func aHostnameTriesEachAddress() throws {
        let fake = try FakePeer()
        fake.serve { fd in
            FakePeer.handshake(fd)
            _ = FakePeer.readFrames(fd, count: Int.max)
        }
        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        let id = try engine.connect("localhost:\(fake.port)").get()
        #expect(events.wait { EventCollector.phase(of: id, in: $0) == .established })
    }

    /// Connecting to our own listener: the inbound side sees its sibling's nonce.
    @Test func aConnectionToOurselvesIsRefused() throws {
        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        let port = try engine.listen("0").get()
        let id = try engine.connect("127.0.0.1:\(port)").get()
        // The inbound twin (peer 2) fails; our outbound side then sees the connection close.
        #expect(events.wait { EventCollector.phase(of: 2, in: $0)?.isEnd == true && EventCollector.phase(of: id, in: $0)?.isEnd == true })
        #expect(EventCollector.phase(of: 2, in: events.snapshot) == .failed(reason: "connected to ourselves (our own nonce came back)"))
        guard case .closed? = EventCollector.phase(of: id, in: events.snapshot) else {
            Issue.record("outbound side: \(String(describing: EventCollector.phase(of: id, in: events.snapshot)))")
            return
        }
    }

    /// Connects an engine to a fake peer running `script` and returns how the peer ended.
    func endOfConnection(to script: @escaping @Sendable (Int32) -> Void) throws -> String {
        let fake = try FakePeer()
        fake.serve(script)
        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        let id = try engine.connect(fake.address).get()
        return try #require(failedReason(events, id))
    }

    @Test func garbageIsABadMagic() throws {
        let reason = try endOfConnection { fd in
            FakePeer.send(fd, Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8))
            _ = FakePeer.readFrames(fd, count: 10)
            close(fd)
        }
        #expect(reason.hasPrefix("failed (bad magic: wrong magic at offset 0: expected dab5bffa, got 48545450"))
    }

    @Test func oversizedLengthFailsOnTheHeader() throws {
        let reason = try endOfConnection { fd in
            var header = MessageHeader(magic: FakePeer.magic, command: "block", length: 4_000_001, checksum: Checksum(value: 0)).encode()
            header += [1, 2, 3]
            FakePeer.send(fd, header)
            _ = FakePeer.readFrames(fd, count: 10)
            close(fd)
        }
        #expect(reason.contains("oversized frame: payload length 4000001"))
    }

    @Test func resetInTheMiddleOfAFrame() throws {
        let reason = try endOfConnection { fd in
            _ = FakePeer.readFrames(fd, count: 1)
            FakePeer.send(fd, Array(FakePeer.version().prefix(40)))
            FakePeer.reset(fd)
        }
        #expect(reason.hasPrefix("closed ("))
        #expect(reason.contains("in the middle of a frame (40 bytes pending)"))
    }

    @Test func slowDripStillMakesAFrame() throws {
        let fake = try FakePeer()
        fake.serve { fd in
            _ = FakePeer.readFrames(fd, count: 1)
            for byte in FakePeer.version() + FrameEncoder.encode(.verack, magic: FakePeer.magic) {
                FakePeer.send(fd, [byte])
                usleep(500)  // the drip itself, not a wait for anything
            }
            _ = FakePeer.readFrames(fd, count: 100)
        }
        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        let id = try engine.connect(fake.address).get()
        #expect(events.wait { EventCollector.phase(of: id, in: $0) == .established })
        #expect(EventCollector.latestInfo(of: id, in: events.snapshot)?.version?.userAgent == "/fake:1/")
    }

    /// A peer that floods pings: its queue stays busy, but another peer still completes its
    /// handshake and commands still work; the mailbox drops frame events it cannot hold.
    @Test func floodDoesNotStarveOthers() throws {
        let flood = try FakePeer()
        let floodCount = 200_000
        let ping = FrameEncoder.encode(.ping(nonce: 1), magic: FakePeer.magic)
        flood.serve { fd in
            FakePeer.handshake(fd)
            // Drain our pongs on another thread so the flood is not stopped by a full socket.
            Thread.detachNewThread { _ = FakePeer.readFrames(fd, count: Int.max) }
            let burst = [UInt8](Array(repeating: ping, count: 1000).joined())
            for _ in 0..<(floodCount / 1000) { FakePeer.send(fd, burst) }
        }
        let quiet = try FakePeer()
        quiet.serve { fd in
            FakePeer.handshake(fd)
            _ = FakePeer.readFrames(fd, count: Int.max)
        }
        let events = EventCollector()
        let engine = events.makeEngine { $0.maxPendingFrameEvents = 1000 }
        defer { engine.shutdown() }
        let floodID = try engine.connect(flood.address).get()
        #expect(events.wait { EventCollector.phase(of: floodID, in: $0) == .established })
        let quietID = try engine.connect(quiet.address).get()
        #expect(events.wait { EventCollector.phase(of: quietID, in: $0) == .established })
        try engine.drop(floodID).get()
        #expect(events.wait { EventCollector.phase(of: floodID, in: $0) == .dropped(reason: "dropped by command") })
        #expect(EventCollector.phase(of: quietID, in: events.snapshot) == .established)
    }
}

/// An address list over the protocol's 1,000 entries ends the connection in the engine
/// itself, as Core does, with the count in the reason; nothing of it reaches the book.
struct OversizedAddressListTests {
    func entries(_ n: Int) -> (addr: Message, addrv2: Message) {
        let now = UInt32(time(nil))
        let v1 = (0..<n).map { i in
            TimestampedAddress(time: now, address: NetworkAddress(services: [.network], ip: IPAddress(bytes: [10, 7, UInt8(i >> 8), UInt8(i & 255)]), port: 8333))
        }
        let v2 = (0..<n).map { i in
            AddrV2Entry(time: now, services: [.network], networkID: 1, address: [10, 8, UInt8(i >> 8), UInt8(i & 255)], port: 8333)
        }
        return (.addr(v1), .addrv2(v2))
    }

    func run(_ message: Message) throws -> (phase: PeerPhase?, known: Int) {
        let fake = try FakePeer()
        fake.serve { fd in
            FakePeer.handshake(fd)
            _ = FakePeer.send(fd, FrameEncoder.encode(message, magic: FakePeer.magic))
            _ = FakePeer.readFrames(fd, count: Int.max)
        }
        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        let id = try engine.connect("127.0.0.1:\(fake.port)").get()
        _ = events.wait { EventCollector.phase(of: id, in: $0)?.isEnd == true }
        return (EventCollector.phase(of: id, in: events.snapshot), engine.addressBook.counts().known)
    }

    @Test func anAddrOf1001EntriesFailsThePeer() throws {
        let (phase, known) = try run(entries(1001).addr)
        #expect(phase == .failed(reason: "addr with 1001 entries (more than 1,000: Core disconnects)"))
        // Only the peer itself, met through its version.
        #expect(known == 1)
    }

    @Test func anAddrv2Of1001EntriesFailsThePeer() throws {
        let (phase, known) = try run(entries(1001).addrv2)
        #expect(phase == .failed(reason: "addrv2 with 1001 entries (more than 1,000: Core disconnects)"))
        #expect(known == 1)
    }

    /// The limit itself is allowed: 1,000 entries are taken and the peer stays.
    @Test func anAddrOf1000EntriesIsTaken() throws {
        let fake = try FakePeer()
        fake.serve { fd in
            FakePeer.handshake(fd)
            _ = FakePeer.send(fd, FrameEncoder.encode(self.entries(1000).addr, magic: FakePeer.magic))
            // Our pong is sent from the peer's queue after the addr was taken.
            _ = FakePeer.send(fd, FrameEncoder.encode(.ping(nonce: 7), magic: FakePeer.magic))
            _ = FakePeer.readFrames(fd, count: Int.max)
        }
        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        let id = try engine.connect("127.0.0.1:\(fake.port)").get()
        #expect(events.wait { EventCollector.frames(of: id, .sent, in: $0).contains { $0.command == "pong" } })
        #expect(engine.addressBook.counts().known == 1001)
        #expect(EventCollector.phase(of: id, in: events.snapshot) == .established)
    }
}
