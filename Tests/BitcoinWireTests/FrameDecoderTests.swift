import NodeHarness
import Testing
@testable import BitcoinWire

@Suite("FrameDecoder")
struct FrameDecoderTests {
    let stream = mainnetFrames.flatMap { $0 }

    @Test func wholeByteByByteAndRandomChunksAgree() throws {
        let whole = try decodeAll([stream]).frames
        #expect(whole.count == mainnetFrames.count)
        #expect(whole.map(\.raw) == mainnetFrames)
        let allGood = whole.allSatisfy { $0.checksumOK && (try? $0.message.get()) != nil }
        #expect(allGood)
        var offset = 0
        for frame in whole {
            #expect(frame.streamOffset == offset)
            offset += frame.raw.count
        }
        let bytewise = try decodeAll(stream.map { [$0] }).frames
        #expect(sameFrames(whole, bytewise))
        for seed in UInt64(1)...20 {
            var rng = SeededRNG(seed: seed)
            var chunks: [[UInt8]] = []
            var i = 0
            while i < stream.count {
                let n = min(stream.count - i, Int.random(in: 0...(seed.isMultiple(of: 2) ? 40 : 700), using: &rng))
                chunks.append(Array(stream[i..<(i + n)]))
                i += n
            }
            let chunked = try decodeAll(chunks).frames
            #expect(sameFrames(whole, chunked), "seed \(seed)")
        }
    }

    @Test func unsafeBufferFeed() throws {
        var decoder = FrameDecoder(magic: Network.mainnet.magic)
        stream.withUnsafeBytes { decoder.feed($0) }
        var n = 0
        while try decoder.next() != nil { n += 1 }
        #expect(n == mainnetFrames.count)
    }

    /// No frame and no error until the last byte is in, for every frame at every offset.
    @Test func truncationWaits() throws {
        for frame in mainnetFrames {
            for cut in 0..<frame.count {
                var decoder = FrameDecoder(magic: Network.mainnet.magic)
                decoder.feed(frame[..<cut])
                #expect(try decoder.next() == nil)
                #expect(decoder.bufferedByteCount == cut)
                decoder.feed(frame[cut...])
                let got = try #require(try decoder.next())
                #expect(got.raw == frame)
                #expect(try decoder.next() == nil)
            }
        }
    }

    @Test func badChecksumIsPerFrame() throws {
        let ping = FrameEncoder.encode(.ping(nonce: 42), magic: Network.mainnet.magic)
        let bad = try Corruption.checksum.apply(to: ping)
        let (frames, decoder) = try decodeAll([bad + ping])
        #expect(frames.count == 2)
        #expect(!frames[0].checksumOK)
        let good = Checksum(of: ping[24...])
        let wrong = Checksum(value: ~good.value)
        #expect(frames[0].checksumError == .checksumMismatch(expected: good, actual: wrong, offset: 0))
        #expect(frames[0].checksumError?.description == "checksum mismatch in frame at offset 0: header says \(wrong), payload hashes to \(good)")
        #expect(frames[1].checksumOK)
        #expect(frames[1].checksumError == nil)
        #expect(frames[1].streamOffset == ping.count)
        #expect(try frames[1].message.get() == .ping(nonce: 42))
        #expect(decoder.failure == nil)
    }

    @Test func wrongMagicEndsTheStream() throws {
        var decoder = FrameDecoder(magic: Network.mainnet.magic)
        let verack = FrameEncoder.encode(.verack, magic: Network.mainnet.magic)
        decoder.feed(verack + FrameEncoder.encode(.verack, magic: Network.testnet3.magic))
        #expect(try decoder.next() != nil)
        let expected = WireError.badMagic(expected: Network.mainnet.magic, actual: Network.testnet3.magic, offset: 24)
        #expect(throws: expected) { try decoder.next() }
        #expect(decoder.failure == expected)
        #expect(decoder.bufferedByteCount == 0)
        decoder.feed(verack)
        #expect(decoder.bufferedByteCount == 0)
        #expect(throws: expected) { try decoder.next() }
        #expect(throws: expected) { try decoder.next() }
        #expect(expected.isFatalToStream)
    }

    /// The magic is judged as soon as its 4 bytes arrive, before the rest of the header,
    /// and the error shows exactly those bytes.
    @Test func wrongMagicAsSoonAsItsBytesArrive() throws {
        var decoder = FrameDecoder(magic: Network.mainnet.magic)
        decoder.feed([0xf9, 0x00])
        #expect(try decoder.next() == nil, "two bytes cannot be judged yet")
        decoder.feed([0x01, 0x02])
        #expect(throws: WireError.badMagic(expected: Network.mainnet.magic, actual: Magic(0xf9, 0x00, 0x01, 0x02), offset: 0)) {
            try decoder.next()
        }
    }

    @Test func oversizedLengthFailsOnTheHeader() throws {
        var w = WireWriter()
        w.write(bytes: Network.mainnet.magic.bytes)
        w.write(bytes: Array("block".utf8) + [UInt8](repeating: 0, count: 7))
        w.write(UInt32(4_000_001))
        w.write(UInt32(0))
        var decoder = FrameDecoder(magic: Network.mainnet.magic)
        decoder.feed(w.bytes.prefix(23))
        #expect(try decoder.next() == nil)
        decoder.feed(w.bytes.suffix(1))
        let expected = WireError.payloadTooLarge(length: 4_000_001, limit: 4_000_000, offset: 16)
        #expect(throws: expected) { try decoder.next() }
        #expect(decoder.bufferedByteCount == 0)
        decoder.feed([UInt8](repeating: 0, count: 1000))
        #expect(decoder.bufferedByteCount == 0)
        #expect(throws: expected) { try decoder.next() }
        // Exactly at the limit is allowed: the decoder waits for the payload.
        var atLimit = w.bytes
        atLimit[16..<20] = [0x00, 0x09, 0x3d, 0x00]
        var d2 = FrameDecoder(magic: Network.mainnet.magic)
        d2.feed(atLimit)
        #expect(try d2.next() == nil)
    }

    @Test(arguments: [
        Array("ver".utf8) + [0x7f] + Array("ack".utf8) + [0, 0, 0, 0, 0],
        Array("verack".utf8) + [0, 0x41, 0, 0, 0, 0],
        [0x01] + [UInt8](repeating: 0, count: 11),
        Array("héllo".utf8) + [0, 0, 0, 0, 0, 0],
        [UInt8](repeating: 0x41, count: 12) + [],
    ])
    func invalidCommandSkipsOneFrame(_ command: [UInt8]) throws {
        let ping = FrameEncoder.encode(.ping(nonce: 1), magic: Network.mainnet.magic)
        var bad = ping
        bad.replaceSubrange(4..<16, with: command)
        let (frames, _) = try decodeAll([bad + ping])
        if command.allSatisfy(Command.isPrintable) {
            // Twelve printable characters and no NUL is a valid command.
            #expect(frames.count == 2)
            return
        }
        #expect(frames.count == 2)
        #expect(frames[0].message == .failure(.invalidCommand(bytes: command, offset: 4)))
        #expect(frames[0].raw == bad)
        #expect(try frames[1].message.get() == .ping(nonce: 1))
        #expect(frames[1].streamOffset == bad.count)
    }

    /// A large frame alone at the front of the buffer is handed over whole, and what
    /// follows it still decodes.
    @Test func largeFrameThenSmall() throws {
        var rng = SeededRNG(seed: 3)
        let big = FrameEncoder.frame(command: "block", payload: rng.bytes(200_000), magic: Network.mainnet.magic)
        let ping = FrameEncoder.encode(.ping(nonce: 9), magic: Network.mainnet.magic)
        let stream = big + ping + big
        let whole = try decodeAll([stream]).frames
        let chunked = try decodeAll(stride(from: 0, to: stream.count, by: 65536).map {
            Array(stream[$0..<min(stream.count, $0 + 65536)])
        }).frames
        #expect(whole.map(\.raw) == [big, ping, big])
        #expect(sameFrames(whole, chunked))
    }
}
