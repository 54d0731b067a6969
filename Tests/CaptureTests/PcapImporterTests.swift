import BitcoinWire
import PeerEngine
import Testing
@testable import Capture

/// Crafted captures read back: reordering, retransmission, a missing segment, two
/// connections, IPv6, the link types `tcpdump -i any` writes, and pcapng.
struct PcapImporterTests {
    static let magic = Network.regtest.magic
    static let client = CraftedCapture.Host.v4(10, 0, 0, 1, port: 50_000)
    static let server = CraftedCapture.Host.v4(10, 0, 0, 2, port: 18_444)

    static func version(_ agent: String) -> [UInt8] {
        FrameEncoder.encode(
            .version(VersionMessage(timestamp: 1_700_000_000, receiver: NetworkAddress(), nonce: 7, userAgent: agent, startHeight: 5)),
            magic: magic)
    }

    static let verack = FrameEncoder.encode(.verack, magic: magic)
    static func ping(_ n: UInt64) -> [UInt8] { FrameEncoder.encode(.ping(nonce: n), magic: magic) }
    static func pong(_ n: UInt64) -> [UInt8] { FrameEncoder.encode(.pong(nonce: n), magic: magic) }

    /// The handshake and two pings: the client's stream and the server's.
    static let clientStream = version("/client/") + verack + ping(1) + ping(2)
    static let serverStream = version("/server/") + verack + pong(1) + pong(2)
    static let expectedLadder = ["1 > version", "1 > verack", "1 > ping", "1 > ping", "1 < version", "1 < verack", "1 < pong", "1 < pong"]

    /// Cuts `stream` into segments of at most `size` bytes: (sequence offset, bytes).
    static func segments(_ stream: [UInt8], size: Int) -> [(Int, [UInt8])] {
        stride(from: 0, to: stream.count, by: size).map { ($0, Array(stream[$0..<min($0 + size, stream.count)])) }
    }

    /// A connection whose client segments go out in `order` (indices into 40-byte segments).
    static func capture(
        clientSegments: [(Int, [UInt8])], linkType: UInt32 = 1,
        client: CraftedCapture.Host = client, server: CraftedCapture.Host = server
    ) -> CraftedCapture {
        var c = CraftedCapture(linkType: linkType)
        c.open(client, server, clientISN: 1000, serverISN: 0xffff_fff0)  // the server's wraps
        for (offset, bytes) in clientSegments { c.tcp(client, server, seq: 1001 &+ UInt32(offset), payload: bytes) }
        for (offset, bytes) in segments(serverStream, size: 50) { c.tcp(server, client, seq: 0xffff_fff1 &+ UInt32(offset), payload: bytes) }
        c.tcp(client, server, seq: 1001 &+ UInt32(clientStream.count), flags: CraftedCapture.fin | CraftedCapture.ack)
        return c
    }

    func sortedLadder(_ i: Imported) -> [String] {
        // Directions interleave by packet; within one direction the order must hold.
        i.ladder.filter { $0.contains(">") } + i.ladder.filter { $0.contains("<") }
    }

    @Test func inOrderSegmentsGiveThePeerAndItsFrames() throws {
        let i = try Imported(Self.capture(clientSegments: Self.segments(Self.clientStream, size: 40)).pcap)
        #expect(i.ladder == Self.expectedLadder)
        #expect(i.errors.isEmpty)
        let peer = try #require(i.peers.first)
        #expect(i.peers.count == 1)
        #expect(peer.address == "10.0.0.2:18444")
        #expect(peer.localAddress == "10.0.0.1:50000")
        #expect(peer.direction == .outbound)
        #expect(peer.phase == .closed(reason: "closed by us"))
        #expect(peer.version?.userAgent == "/server/")
        #expect(peer.sent.messages == 4 && peer.received.messages == 4)
        #expect(i.importer.network == .regtest)
        #expect(abs((i.importer.epoch ?? 0) - 1_700_000_000.001) < 1e-5)
        #expect(i.frames.allSatisfy { $0.checksumOK })
        // The handshake moved the phase to established before the FIN closed it.
        #expect(i.events.contains { if case let .phaseChanged(p, _) = $0.kind { return p.phase == .established } else { return false } })
    }

    @Test(arguments: [1, 7, 40, 1000])
    func reorderedSegmentsComeOutInOrder(_ size: Int) throws {
        var segs = Self.segments(Self.clientStream, size: size)
        segs.reverse()
        let i = try Imported(Self.capture(clientSegments: segs).pcap)
        #expect(sortedLadder(i) == Self.expectedLadder)
        #expect(i.errors.isEmpty)
    }

    @Test func exactAndOverlappingRetransmissionsAreDeliveredOnce() throws {
        var segs = Self.segments(Self.clientStream, size: 30)
        segs.insert(segs[2], at: 4)  // an exact retransmission, late
        let s = Self.clientStream
        segs.insert((20, Array(s[20..<75])), at: 6)  // overlapping several segments
        segs.append((0, Array(s[0..<10])))  // an old one after everything
        let i = try Imported(Self.capture(clientSegments: segs).pcap)
        #expect(sortedLadder(i) == Self.expectedLadder)
        #expect(i.errors.isEmpty)
    }

    @Test func aMissingSegmentIsAVisibleGapAndLaterFramesAreFound() throws {
        var segs = Self.segments(Self.clientStream, size: 20)
        segs.remove(at: 2)  // inside the version
        let i = try Imported(Self.capture(clientSegments: segs).pcap)
        #expect(i.errors.count == 1)
        #expect(i.errors.first?.contains("gap: 20 bytes missing") == true, "\(i.errors)")
        // The gap is a row of its own, in the direction where bytes are missing, sized.
        #expect(i.gaps.count == 1 && i.gaps.first?.size == 20 && i.gaps.first?.raw.isEmpty == true)
        #expect(i.ladder.filter { $0.contains(">") } == ["1 > verack", "1 > ping", "1 > ping"])
        #expect(i.ladder.filter { $0.contains("<") }.count == 4)
        #expect(i.importer.errors == 1)
    }

    @Test func twoInterleavedConnectionsAreTwoPeers() throws {
        var c = CraftedCapture()
        let other = CraftedCapture.Host.v4(10, 0, 0, 3, port: 40_000)
        c.open(Self.client, Self.server, clientISN: 1, serverISN: 100)
        c.open(other, Self.server, clientISN: 5000, serverISN: 9000)
        let a = Self.segments(Self.clientStream, size: 33), b = Self.segments(Self.serverStream, size: 33)
        for k in 0..<max(a.count, b.count) {
            if k < a.count { c.tcp(Self.client, Self.server, seq: 2 + UInt32(a[k].0), payload: a[k].1) }
            if k < b.count { c.tcp(Self.server, other, seq: 9001 + UInt32(b[k].0), payload: b[k].1) }
        }
        let i = try Imported(c.pcap)
        #expect(i.peers.map(\.localAddress) == ["10.0.0.1:50000", "10.0.0.3:40000"])
        #expect(i.ladder.filter { $0.hasPrefix("1 ") } == ["1 > version", "1 > verack", "1 > ping", "1 > ping"])
        #expect(i.ladder.filter { $0.hasPrefix("2 ") } == ["2 < version", "2 < verack", "2 < pong", "2 < pong"])
        #expect(i.errors.isEmpty)
    }

    @Test func ipv6() throws {
        let a = CraftedCapture.Host.v6(last: 1, port: 50_001), b = CraftedCapture.Host.v6(last: 2, port: 8333)
        let i = try Imported(Self.capture(clientSegments: Self.segments(Self.clientStream, size: 64), client: a, server: b).pcap)
        #expect(i.ladder == Self.expectedLadder)
        #expect(i.peers.first?.address == "[2001:db8::2]:8333")
        #expect(i.peers.first?.localAddress == "[2001:db8::1]:50001")
    }

    /// Ethernet, Linux cooked v1 and v2 (`tcpdump -i any`), raw IP, BSD loopback; and pcapng.
    @Test(arguments: [1, 113, 276, 101, 0] as [UInt32], [false, true])
    func linkTypesAndPcapng(_ linkType: UInt32, _ pcapng: Bool) throws {
        let c = Self.capture(clientSegments: Self.segments(Self.clientStream, size: 100), linkType: linkType)
        let i = try Imported(pcapng ? c.pcapng : c.pcap)
        #expect(i.ladder == Self.expectedLadder)
        #expect(i.errors.isEmpty)
    }

    @Test func aCaptureStartingMidFrameFindsTheNextFrame() throws {
        var c = CraftedCapture()
        // No SYN, and the first segment starts 5 bytes into the version.
        c.tcp(Self.client, Self.server, seq: 77, payload: Array(Self.clientStream.dropFirst(5)))
        let i = try Imported(c.pcap)
        #expect(i.ladder == ["1 > verack", "1 > ping", "1 > ping"])
        #expect(i.notices.contains { $0.contains("the first frame starts after") }, "\(i.notices)")
        #expect(i.errors.isEmpty)
    }

    @Test func givenMagicOnly() throws {
        let c = Self.capture(clientSegments: Self.segments(Self.clientStream, size: 100))
        let i = try Imported(c.pcap, magic: Network.mainnet.magic)
        #expect(i.frames.isEmpty)
        #expect(i.errors.count == 2)
        #expect(i.errors.allSatisfy { $0.contains("no frame of magic f9beb4d9") }, "\(i.errors)")
    }
}

/// v2 (BIP324) connections in a capture: told from v1 by the initiator's first 16 bytes,
/// shown as their keys and byte counts; v1 of another network stays v1.
struct V2CaptureTests {
    static let client = PcapImporterTests.client
    static let server = PcapImporterTests.server

    /// Bytes that look random (as a key, garbage and packets do).
    static func noise(_ n: Int, seed: UInt64) -> [UInt8] {
        var x = seed
        return (0..<n).map { _ in
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: x >> 33)
        }
    }

    @Test func aV2ConnectionShowsItsKeysAndCountsTheRest() throws {
        var c = CraftedCapture(linkType: 1)
        c.open(Self.client, Self.server, clientISN: 1000, serverISN: 5000)
        let sent = Self.noise(64 + 100, seed: 1), received = Self.noise(64 + 50, seed: 2)
        // The initiator's key in two segments, the first shorter than 16 bytes.
        c.tcp(Self.client, Self.server, seq: 1001, payload: Array(sent[0..<10]))
        c.tcp(Self.client, Self.server, seq: 1011, payload: Array(sent[10...]))
        c.tcp(Self.server, Self.client, seq: 5001, payload: received)
        c.tcp(Self.client, Self.server, seq: 1001 + UInt32(sent.count), flags: CraftedCapture.fin | CraftedCapture.ack)
        let i = try Imported(c.pcap)
        let units = i.events.compactMap { if case let .frame(f) = $0.kind { return f } else { return nil } }
        #expect(units.map(\.label) == ["v2:key", "v2:key"])
        #expect(units.map(\.direction) == [.sent, .received])
        #expect(units.first?.raw == Array(sent.prefix(64)))
        #expect(units.last?.summary.contains("the key exchange happened") == true)
        #expect(i.errors.isEmpty, "\(i.errors)")
        #expect(i.notices.contains("peer 1 is v2 (BIP324): 100 bytes sent and 50 received after the keys are encrypted, packet lengths too: no message can be read without the keys"), "\(i.notices)")
        let last = i.events.compactMap { e -> PeerInfo? in
            switch e.kind {
            case let .peerUpdated(p), let .phaseChanged(p, _): return p
            default: return nil
            }
        }.last
        #expect(last?.transport == .v2)
        #expect(last?.sent.bytes == sent.count)
        #expect(last?.received.bytes == received.count)
    }

    /// Another network's v1 (its `version` after an unknown magic) is not taken for v2: the
    /// frame search says it found no frame of the network looked for.
    @Test func anotherNetworksV1IsNotV2() throws {
        let c = PcapImporterTests.capture(clientSegments: PcapImporterTests.segments(PcapImporterTests.clientStream, size: 7))
        let i = try Imported(c.pcap, magic: Network.mainnet.magic)
        #expect(i.errors.count == 2)
        #expect(i.errors.allSatisfy { $0.contains("no frame of magic f9beb4d9") }, "\(i.errors)")
        #expect(!i.events.contains { if case let .frame(f) = $0.kind { return f.kind == .v2Key } else { return false } })
    }

    /// A stream shorter than 16 bytes that ends: read as v1 (here: a frame cut short).
    @Test func aShortOpeningIsReadAsV1() throws {
        var c = CraftedCapture(linkType: 1)
        c.open(Self.client, Self.server, clientISN: 1000, serverISN: 5000)
        c.tcp(Self.client, Self.server, seq: 1001, payload: Array(PcapImporterTests.verack.prefix(12)))
        c.tcp(Self.client, Self.server, seq: 1013, flags: CraftedCapture.fin | CraftedCapture.ack)
        let i = try Imported(c.pcap)
        #expect(!i.events.contains { if case let .frame(f) = $0.kind { return f.kind == .v2Key } else { return false } })
        #expect(i.notices.contains { $0.contains("ends inside a frame") } || !i.errors.isEmpty, "\(i.notices) \(i.errors)")
    }
}

/// A live capture (`verack sniff`) fed packet by packet: closed connections are forgotten,
/// so the importer holds as many as were open at once.
struct LiveImportTests {
    @Test func closedConnectionsAreForgotten() throws {
        var c = CraftedCapture(linkType: 1)
        let server = PcapImporterTests.server
        for n in 0..<50 {
            let client = CraftedCapture.Host.v4(10, 0, 0, 1, port: UInt16(40_000 + n))
            c.open(client, server, clientISN: 1000, serverISN: 5000)
            let stream = PcapImporterTests.version("/c\(n)/")
            c.tcp(client, server, seq: 1001, payload: stream)
            c.tcp(server, client, seq: 5001, payload: PcapImporterTests.verack)
            c.tcp(client, server, seq: 1001 + UInt32(stream.count), flags: CraftedCapture.fin | CraftedCapture.ack)
            c.tcp(server, client, seq: 5001 + UInt32(PcapImporterTests.verack.count), flags: CraftedCapture.fin | CraftedCapture.ack)
        }
        let file = try PcapFile(bytes: c.pcap, name: "live.pcap")
        let importer = try PcapImporter(linkType: file.linkType, name: "lo", magic: nil, epoch: nil)
        importer.removesClosedPeers = true
        importer.peerUpdatesPerPacket = true
        var events: [PeerEvent] = []
        while let record = try file.next() { importer.feed(record) { events.append($0) } }
        importer.finish { events.append($0) }
        let added = events.compactMap { if case let .peerAdded(p) = $0.kind { return p.id } else { return nil } }
        let removed = events.compactMap { if case let .peerRemoved(id) = $0.kind { return id } else { return nil } }
        let frames = events.filter { if case .frame = $0.kind { return true } else { return false } }
        #expect(added == Array(1...50))
        #expect(removed == Array(1...50))
        #expect(frames.count == 100)
        #expect(importer.connectionSlots == 1)
        // Every snapshot names a peer that exists (a forgotten slot's stand-in never shows).
        let ids = events.compactMap { e -> PeerID? in
            switch e.kind {
            case let .peerUpdated(p), let .phaseChanged(p, _): return p.id
            default: return nil
            }
        }
        #expect(ids.allSatisfy { (1...50).contains($0) })
    }
}
