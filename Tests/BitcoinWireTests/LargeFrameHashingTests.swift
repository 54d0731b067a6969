import NodeHarness
import Testing
@testable import BitcoinWire

/// Big payloads are hashed as they arrive (``FrameDecoder/feed(_:)``): the frames must be
/// the same as when the whole stream is fed at once, in any chunking, with a good or a bad
/// checksum, and with frames before and after them.
@Suite("FrameDecoder, big payloads hashed as they arrive")
struct LargeFrameHashingTests {
    static let magic = Network.mainnet.magic

    /// A small frame, big frames at and above the threshold (one with a wrong checksum),
    /// and small frames after them.
    static let frames: [[UInt8]] = {
        var rng = SeededRNG(seed: 324)
        let threshold = FrameDecoder.incrementalHashThreshold
        var badChecksum = FrameEncoder.frame(command: "block", payload: rng.bytes(threshold + 7), magic: magic)
        badChecksum[20] ^= 0xff
        return [
            FrameEncoder.encode(.ping(nonce: 1), magic: magic),
            FrameEncoder.frame(command: "block", payload: rng.bytes(threshold), magic: magic),
            FrameEncoder.frame(command: "block", payload: rng.bytes(200_003), magic: magic),
            badChecksum,
            FrameEncoder.encode(.verack, magic: magic),
            FrameEncoder.frame(command: "tx", payload: rng.bytes(threshold - 1), magic: magic),
            FrameEncoder.encode(.pong(nonce: 2), magic: magic),
        ]
    }()

    static let stream = frames.flatMap { $0 }

    @Test func chunkingsAgreeWithTheWholeStream() throws {
        let whole = try decodeAll([Self.stream]).frames
        #expect(whole.map(\.raw) == Self.frames)
        #expect(whole.map(\.checksumOK) == [true, true, true, false, true, true, true])
        for seed in UInt64(1)...12 {
            var rng = SeededRNG(seed: seed)
            var chunks: [[UInt8]] = []
            var i = 0
            while i < Self.stream.count {
                let most = seed.isMultiple(of: 3) ? 100 : (seed.isMultiple(of: 2) ? 5_000 : 70_000)
                let n = min(Self.stream.count - i, Int.random(in: 0...most, using: &rng))
                chunks.append(Array(Self.stream[i..<(i + n)]))
                i += n
            }
            let chunked = try decodeAll(chunks).frames
            #expect(sameFrames(whole, chunked), "seed \(seed)")
        }
    }

    @Test func byteByByte() throws {
        let bytes = Array(Self.stream.prefix(Self.frames[0].count + Self.frames[1].count + 100))
        let whole = try decodeAll([bytes]).frames
        let bytewise = try decodeAll(bytes.map { [$0] }).frames
        #expect(whole.count == 2)
        #expect(sameFrames(whole, bytewise))
    }

    /// Several feeds between calls to `next()`, through the unsafe-buffer entry.
    @Test func feedsWithoutNextInBetween() throws {
        var decoder = FrameDecoder(magic: Self.magic)
        var frames: [Frame] = []
        var i = 0
        var round = 0
        while i < Self.stream.count {
            let n = min(Self.stream.count - i, 30_001)
            Self.stream[i..<(i + n)].withUnsafeBytes { decoder.feed($0) }
            i += n
            round += 1
            if round.isMultiple(of: 3) || i == Self.stream.count {
                while let frame = try decoder.next() { frames.append(frame) }
            }
        }
        #expect(sameFrames(try decodeAll([Self.stream]).frames, frames))
    }

    /// Bytes written straight into the decoder (``FrameDecoder/receive(upTo:_:)``, as the
    /// engine reads a socket), in reads of several sizes, some short, some empty, mixed
    /// with feeds: the same frames, a big frame's bytes are its storage as filled, and
    /// nothing is left over.
    @Test(arguments: [1, 100, 5_000, 65_536, 1 << 20])
    func receivedInPlace(readSize: Int) throws {
        var decoder = FrameDecoder(magic: Self.magic)
        var frames: [Frame] = []
        var rng = SeededRNG(seed: UInt64(readSize))
        var i = 0
        var round = 0
        while i < Self.stream.count {
            round += 1
            if round.isMultiple(of: 7) {
                let n = min(Self.stream.count - i, 333)
                Self.stream[i..<(i + n)].withUnsafeBytes { decoder.feed($0) }
                i += n
            } else {
                let limit = Int.random(in: 0...readSize, using: &rng)
                let n = decoder.receive(upTo: limit) { space in
                    #expect(space.count <= limit)
                    let n = min(space.count, Self.stream.count - i, Int.random(in: 0...space.count, using: &rng))
                    Self.stream[i..<(i + n)].withUnsafeBytes { space.copyMemory(from: $0) }
                    return n
                }
                i += n
            }
            while let frame = try decoder.next() { frames.append(frame) }
        }
        #expect(sameFrames(try decodeAll([Self.stream]).frames, frames))
        #expect(frames.map(\.raw) == Self.frames)
        #expect(decoder.bufferedByteCount == 0)
    }

    /// A stream that ends in the middle of a big frame counts the bytes it got.
    @Test func bufferedBytesOfAnUnfinishedBigFrame() throws {
        var decoder = FrameDecoder(magic: Self.magic)
        let cut = Self.frames[0].count + Self.frames[1].count + 70_000
        var i = 0
        while i < cut {
            i += decoder.receive(upTo: 4_096) { space in
                let n = min(space.count, cut - i)
                Self.stream[i..<(i + n)].withUnsafeBytes { space.copyMemory(from: $0) }
                return n
            }
            while try decoder.next() != nil {}
        }
        #expect(decoder.bufferedByteCount == 70_000)
    }
}
