import BitcoinWire
import Testing
@testable import PeerEngine

/// `V2Transport` in memory: two transports wired to each other, no sockets, and hostile
/// bytes fed straight in.
struct V2TransportUnitTests {
    static let magic = Network.regtest.magic

    static func pair(garbage: ClosedRange<Int> = 0...4095) -> (V2Transport, V2Transport) {
        var settings = V2Transport.Settings()
        settings.garbageLength = garbage
        return (V2Transport(initiating: true, magic: magic, settings: settings), V2Transport(initiating: false, magic: magic, settings: settings))
    }

    /// Feeds every unit `outputs` asks to send into `other`; returns what `other` answered.
    static func pump(_ outputs: [TransportOutput], into other: inout V2Transport) -> [TransportOutput] {
        var answers: [TransportOutput] = []
        for case let .send(unit, _) in outputs {
            answers += unit.raw.withUnsafeBytes { other.receive($0) }
        }
        return answers
    }

    static func received(_ outputs: [TransportOutput]) -> [(unit: WireUnit, deliver: Message?)] {
        outputs.compactMap { if case let .received(u, d) = $0 { return (u, d) } else { return nil } }
    }

    static func failure(_ outputs: [TransportOutput]) -> String? {
        outputs.lazy.compactMap { if case let .failed(r) = $0 { return r } else { return nil } }.first
    }

    /// A completed handshake: both sides keyed, each has seen the other's version packet.
    static func handshake() -> (initiator: V2Transport, responder: V2Transport, log: [TransportOutput]) {
        var (i, r) = pair()
        let first = i.open()
        let second = pump(first, into: &r)
        let third = pump(second, into: &i)
        let fourth = pump(third, into: &r)
        return (i, r, first + second + third + fourth)
    }

    @Test func aHandshakeInMemoryKeysBothSidesAlike() throws {
        let (i, r, log) = Self.handshake()
        let sid = try #require(i.sessionID)
        #expect(sid == r.sessionID)
        #expect(!i.inKeyExchange && !r.inKeyExchange)
        #expect(Self.received(log).filter { $0.unit.kind == .v2Version }.count == 2)
        #expect(log.filter { if case .ready = $0 { return true } else { return false } }.count == 2)
        #expect(i.bufferedByteCount == 0 && r.bufferedByteCount == 0)
    }

    @Test func messagesRoundTripBothWays() throws {
        var (i, r, _) = Self.handshake()
        for (from, to, message) in [(0, 1, Message.ping(nonce: 7)), (1, 0, .pong(nonce: 7)), (0, 1, .unknown(command: "protoconf", payload: [1, 2, 3]))] {
            let unit = try (from == 0 ? i.encode(message, corruption: nil) : r.encode(message, corruption: nil)).get()
            let out = unit.raw.withUnsafeBytes { to == 1 ? r.receive($0) : i.receive($0) }
            let got = try #require(Self.received(out).first)
            #expect(got.deliver == message)
            #expect(got.unit.raw == unit.raw && got.unit.transport == .v2)
        }
    }

    /// A responder opened at accept (inbound in `v2` mode) makes its key then, sends nothing
    /// until the initiator's key is in, and then answers with that key.
    @Test func aResponderOpenedFirstSendsItsKeyOnlyWithItsAnswer() throws {
        var (i, r) = Self.pair()
        #expect(r.open().isEmpty)
        #expect(r.inKeyExchange)
        let answer = Self.pump(i.open(), into: &r)
        let sentKeys = answer.compactMap { if case let .send(u, _) = $0, u.kind == .v2Key { return u.raw } else { return nil } }
        #expect(sentKeys.count == 1 && sentKeys.first?.count == 64)
        _ = Self.pump(Self.pump(answer, into: &i), into: &r)
        #expect(i.sessionID != nil && i.sessionID == r.sessionID)
    }

    /// Garbage and decoys take 8 random bytes from each draw of the generator (a `getrandom`
    /// call for the system's), not one draw per byte.
    @Test(arguments: [0, 1, 7, 8, 9, 4095])
    func randomBytesTakeEightBytesPerDraw(count: Int) {
        struct CountingGenerator: RandomNumberGenerator {
            var draws = 0
            mutating func next() -> UInt64 {
                draws += 1
                return 0x0807_0605_0403_0201
            }
        }
        var rng = CountingGenerator()
        let bytes = V2Transport.randomBytes(count, using: &rng)
        #expect(bytes.count == count)
        #expect(rng.draws == (count + 7) / 8)
        #expect(bytes == (0..<count).map { UInt8($0 % 8 + 1) })
    }

    /// Bytes before the key is whole leave the transport in the key exchange.
    @Test func theKeyExchangeLastsUntilSixtyFourBytes() {
        var (_, r) = Self.pair()
        let key = [UInt8](repeating: 0x42, count: 63)
        #expect(key.withUnsafeBytes { r.receive($0) }.isEmpty)
        #expect(r.inKeyExchange)
        let out = [UInt8(0x42)].withUnsafeBytes { r.receive($0) }
        #expect(!r.inKeyExchange)
        #expect(Self.received(out).first?.unit.kind == .v2Key)
    }

    /// Garbage is scanned for the terminator up to 4,095 + 16 bytes, and no further: the
    /// buffer never holds more than the key and that much.
    @Test func noTerminatorWithin4111BytesFails() {
        var (_, r) = Self.pair()
        var rng = SystemRandomNumberGenerator()
        let key = (0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) }
        _ = key.withUnsafeBytes { r.receive($0) }
        let garbage = (0..<4110).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(Self.failure(garbage.withUnsafeBytes { r.receive($0) }) == nil, "4,110 bytes may still end in a terminator")
        let out = [UInt8(1)].withUnsafeBytes { r.receive($0) }
        #expect(Self.failure(out) == "no v2 garbage terminator within 4095 + 16 bytes of garbage")
        // Failed: more bytes are ignored, nothing more is buffered.
        let more = [UInt8](repeating: 0, count: 100_000)
        #expect(more.withUnsafeBytes { r.receive($0) }.isEmpty)
        #expect(r.bufferedByteCount <= 4111)
    }

    /// A length over Core's 4,000,013 fails on its 3 bytes, before any contents are buffered.
    @Test func anOversizedLengthFailsOnItsThreeBytes() throws {
        var (i, r, _) = Self.handshake()
        let huge = try i.encode(.unknown(command: "big", payload: [UInt8](repeating: 0, count: 4_000_001)[...]), corruption: nil).get()
        let out = huge.raw.prefix(3).withUnsafeBytes { r.receive($0) }
        #expect(Self.failure(out) == "v2 packet 2: encrypted length 4000014 is over 4000013 bytes")
        #expect(r.bufferedByteCount <= 3)
    }

    /// One flipped bit anywhere in a packet: authentication fails at that packet's number
    /// (the version packet is packet 1).
    @Test(arguments: [0, 3, 10, -1])
    func aFlippedBitFailsAuthentication(_ at: Int) throws {
        var (i, r, _) = Self.handshake()
        let ping = try i.encode(.ping(nonce: 1), corruption: nil).get()
        _ = ping.raw.withUnsafeBytes { r.receive($0) }
        var broken = try i.encode(.ping(nonce: 2), corruption: nil).get().raw
        broken[at >= 0 ? at : broken.count + at] ^= 0x10
        let out = broken.withUnsafeBytes { r.receive($0) }
        if at == 0 {
            // The length's low byte grew by 16: the packet is incomplete until more comes.
            #expect(out.isEmpty || Self.failure(out) != nil)
            let rest = [UInt8](repeating: 0, count: 16).withUnsafeBytes { r.receive($0) }
            #expect(Self.failure(out + rest) == "v2 authentication failed at packet 3")
        } else {
            #expect(Self.failure(out) == "v2 authentication failed at packet 3")
        }
    }

    /// The corruptions a v2 peer takes, and the one-line refusal of a v1 kind.
    @Test func corruptionKinds() throws {
        var (i, _, _) = Self.handshake()
        #expect(i.supportedCorruptions == [.tag, .length])
        let tagged = try i.encode(.ping(nonce: 1), corruption: .tag).get()
        #expect(tagged.raw.count == 3 + 1 + 1 + 8 + 16)
        guard case let .failure(error) = i.encode(.ping(nonce: 1), corruption: .checksum) else {
            Issue.record("a v1 kind was applied to a v2 packet")
            return
        }
        #expect(error.message == "--corrupt checksum does not apply to a v2 peer: use tag, length")
    }

    @Test func anUnknownMessageTypeIsShownAndSkipped() {
        let unknown = V2Transport.message(from: [200, 1, 2, 3], raw: [], layout: FrameLayout([]))
        guard case let .received(unit, deliver) = unknown else {
            Issue.record("not received: \(unknown)")
            return
        }
        #expect(unit.kind == .v2UnknownID && deliver == nil)
        #expect(unit.command == nil && unit.label == "id:200")
        guard case let .received(bad, none) = V2Transport.message(from: [0, 0x76], raw: [], layout: FrameLayout([])) else {
            Issue.record("malformed contents were not shown")
            return
        }
        #expect(none == nil)
        if case .success = bad.message { Issue.record("a malformed message type decoded") }
    }
}
