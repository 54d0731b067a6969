import Testing
@testable import BitcoinWire

@Suite("Corruption")
struct CorruptionTests {
    let ping = FrameEncoder.encode(.ping(nonce: 0x0102_0304_0506_0708), magic: Network.mainnet.magic)

    func decoder(_ bytes: [UInt8]) -> FrameDecoder {
        var d = FrameDecoder(magic: Network.mainnet.magic)
        d.feed(bytes)
        return d
    }

    @Test func checksum() throws {
        let bad = try Corruption.checksum.apply(to: ping)
        #expect(Array(bad[20..<24]) == ping[20..<24].map { ~$0 })
        #expect(Array(bad[..<20]) == Array(ping[..<20]))
        #expect(Array(bad[24...]) == Array(ping[24...]))
        var d = decoder(bad)
        let frame = try #require(try d.next())
        #expect(!frame.checksumOK)
        #expect(try frame.message.get() == .ping(nonce: 0x0102_0304_0506_0708))
    }

    @Test func magic() throws {
        let bad = try Corruption.magic.apply(to: ping)
        #expect(Array(bad[0..<4]) == [0x06, 0x41, 0x4b, 0x26])
        #expect(Array(bad[4...]) == Array(ping[4...]))
        var d = decoder(bad)
        #expect(throws: WireError.badMagic(expected: Network.mainnet.magic, actual: Magic(0x06, 0x41, 0x4b, 0x26), offset: 0)) {
            try d.next()
        }
    }

    @Test func lengthOversized() throws {
        let bad = try Corruption.lengthOversized.apply(to: ping)
        #expect(Array(bad[16..<20]) == [0x01, 0x09, 0x3d, 0x00])
        #expect(bad.count == ping.count)
        var d = decoder(bad)
        #expect(throws: WireError.payloadTooLarge(length: 4_000_001, limit: 4_000_000, offset: 16)) { try d.next() }
        #expect(d.bufferedByteCount == 0)
    }

    @Test func lengthLongWaits() throws {
        let bad = try Corruption.length.apply(to: ping)
        #expect(Array(bad[16..<20]) == [9, 0, 0, 0])
        var d = decoder(bad)
        #expect(try d.next() == nil)
        #expect(d.bufferedByteCount == bad.count)
    }

    @Test func lengthShortMisframes() throws {
        let bad = try Corruption.lengthShort.apply(to: ping)
        #expect(Array(bad[16..<20]) == [7, 0, 0, 0])
        var d = decoder(bad + ping)
        let first = try #require(try d.next())
        #expect(!first.checksumOK)
        #expect(first.message == .failure(.truncated(field: "nonce", offset: 24, needed: 8, available: 7)))
        // The payload's last byte is read as the next magic.
        #expect(throws: WireError.self) { try d.next() }
        #expect(d.failure.map { if case .badMagic = $0 { true } else { false } } == true)
        #expect(throws: WireError.invalidValue(field: "length", offset: 16, reason: "the payload is empty, so the length cannot be shortened")) {
            try Corruption.lengthShort.apply(to: FrameEncoder.encode(.verack, magic: Network.mainnet.magic))
        }
    }

    @Test func truncateWaits() throws {
        let bad = try Corruption.truncate.apply(to: ping)
        #expect(bad == Array(ping.prefix(24 + 4)))
        var d = decoder(bad)
        #expect(try d.next() == nil)
        #expect(d.bufferedByteCount == 28)
        #expect(throws: WireError.self) { try Corruption.truncate.apply(to: FrameEncoder.encode(.verack, magic: Network.mainnet.magic)) }
        #expect(throws: WireError.truncated(field: "header", offset: 0, needed: 24, available: 3)) {
            try Corruption.checksum.apply(to: [1, 2, 3])
        }
    }

    @Test func namesRoundTrip() {
        for c in Corruption.allCases { #expect(Corruption(rawValue: c.description) == c) }
        #expect(Corruption.allCases.map(\.description) == ["checksum", "magic", "length", "length-short", "length-oversized", "truncate", "tag", "key", "terminator"])
        #expect(Corruption.v1Kinds.map(\.description) == ["checksum", "magic", "length", "length-short", "length-oversized", "truncate"])
    }
}
