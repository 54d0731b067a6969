import BitcoinWire
import Dispatch
import Foundation
import Testing
@testable import PeerEngine
#if canImport(Glibc)
import Glibc
#endif

/// A scripted peer on a loopback socket, for input no honest node sends.
final class FakePeer: @unchecked Sendable {
    let listenFD: Int32
    let port: UInt16
    static let magic = Magic(0xda, 0xb5, 0xbf, 0xfa)

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else { throw EngineError("fake peer cannot listen") }
        listenFD = fd
        port = UInt16(bigEndian: addr.sin_port)
    }

    var address: String { "127.0.0.1:\(port)" }

    /// Accepts one connection and runs `script` with its descriptor on a background thread.
    func serve(_ script: @escaping @Sendable (Int32) -> Void) {
        let fd = listenFD
        Thread.detachNewThread {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            script(client)
        }
    }

    deinit { close(listenFD) }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads until `count` frames of the engine's arrived (or the socket closes).
    static func readFrames(_ fd: Int32, count: Int) -> [Frame] {
        var decoder = FrameDecoder(magic: magic)
        var frames: [Frame] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while frames.count < count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            decoder.feed(buffer[0..<n])
            while let f = try? decoder.next() { frames.append(f) }
        }
        return frames
    }

    /// Closes with a TCP reset instead of a FIN.
    static func reset(_ fd: Int32) {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        close(fd)
    }

    static func version() -> [UInt8] {
        FrameEncoder.encode(.version(VersionMessage(
            timestamp: 1_700_000_000, receiver: NetworkAddress(), nonce: 77, userAgent: "/fake:1/", startHeight: 5)), magic: magic)
    }

    /// Answers the engine's version and ends the handshake.
    static func handshake(_ fd: Int32) {
        _ = readFrames(fd, count: 1)
        send(fd, version() + FrameEncoder.encode(.verack, magic: magic))
    }
}

/// Each bad input becomes a clear phase and reason for that one peer.
struct HostilePeerTests {
    func failedReason(_ events: EventCollector, _ id: PeerID) -> String? {
        guard events.wait({ EventCollector.phase(of: id, in: $0)?.isEnd == true }) else { return nil }
        return EventCollector.phase(of: id, in: events.snapshot).map(\.description)
    }

    @Test func refusedConnection() throws {
        let fake = try FakePeer()
        let address = fake.address
        close(fake.listenFD)  // nothing listens there now
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

    @Test func garbageIsABadMagic() throws {
        let fake = try FakePeer()
        fake.serve { fd in
            FakePeer.send(fd, Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8))
            _ = FakePeer.readFrames(fd, count: 10)
            close(fd)
        }
        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        let id = try engine.connect(fake.address).get()
        let reason = try #require(failedReason(events, id))
        #expect(reason.hasPrefix("failed (bad magic: wrong magic at offset 0: expected dab5bffa, got 48545450"))
    }

    @Test func oversizedLengthFailsOnTheHeader() throws {
        let fake = try FakePeer()
        fake.serve { fd in
            var header = MessageHeader(magic: FakePeer.magic, command: "block", length: 4_000_001, checksum: Checksum(value: 0)).encode()
            header += [1, 2, 3]
            FakePeer.send(fd, header)
            _ = FakePeer.readFrames(fd, count: 10)
            close(fd)
        }
        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        let id = try engine.connect(fake.address).get()
        let reason = try #require(failedReason(events, id))
        #expect(reason.contains("oversized frame: payload length 4000001"))
    }

    @Test func resetInTheMiddleOfAFrame() throws {
        let fake = try FakePeer()
        fake.serve { fd in
            _ = FakePeer.readFrames(fd, count: 1)
            FakePeer.send(fd, Array(FakePeer.version().prefix(40)))
            FakePeer.reset(fd)
        }
        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        let id = try engine.connect(fake.address).get()
        let reason = try #require(failedReason(events, id))
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
