import BitcoinWire
import NodeHarness
import Crypto

/// The codec: large frames (checksum-bound), many small frames (per-frame overhead),
/// encoding. MB are 10^6 bytes, as openssl speed counts them.
enum WireBenchmarks {
    static let chunkSize = 64 * 1024
    static let magic = Network.mainnet.magic

    static func run() {
        if Bench.included("decode_1mib_mb_per_s") || Bench.included("sha256_1mib_mb_per_s") {
            decodeLargeFramesBesideSHA256()
        }
        decodeSmallFrames()
        encodeVersion()
        decodeVersion()
        BlockBenchmarks.run()
    }

    /// Hands `stream` to a fresh decoder in reads of at most 64 KiB, as the engine does
    /// from a socket (``FrameDecoder/receive(upTo:_:)``; the copy out of `stream` stands
    /// for the kernel's copy in `read(2)`), checks every frame, returns how many frames
    /// there were.
    @inline(__always)
    static func decodeStream(_ stream: [UInt8]) -> Int {
        var decoder = FrameDecoder(magic: magic)
        var frames = 0
        stream.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                offset += decoder.receive(upTo: chunkSize) { space in
                    let n = min(space.count, all.count - offset)
                    space.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[offset..<(offset + n)]))
                    return n
                }
                while true {
                    let next: Frame?
                    do { next = try decoder.next() } catch { Bench.fail("decode failed: \(error)") }
                    guard let frame = next else { break }
                    guard frame.checksumOK, case .success = frame.message else {
                        Bench.fail("bad frame in benchmark stream: \(frame.summary)")
                    }
                    frames += 1
                }
            }
        }
        return frames
    }

    /// Decoding 8 frames of 1 MiB (read in 64 KiB chunks) beside swift-crypto's SHA-256 over
    /// the same 8 MiB in-process, timed in alternation, call by call: each figure is the
    /// fastest call, so a busy second core slows both or neither.
    ///
    /// SHA-256 is the decoder's floor: the checksum SHA256(SHA256(payload)) is one SHA-256
    /// pass over the payload plus one over 32 bytes; everything else the decoder does
    /// (copies, header, message) is overhead on top of that one pass.
    static func decodeLargeFramesBesideSHA256() {
        var rng = SeededRNG(seed: 1)
        let count = 8
        let payloads = (0..<count).map { _ in rng.bytes(1 << 20) }
        // A command verack does not decode ("blob"): this measures framing and checksums,
        // as before `block` had a decoder of its own.
        let stream = payloads.flatMap { FrameEncoder.frame(command: "blob", payload: $0, magic: magic) }
        guard decodeStream(stream) == count else { Bench.fail("large frames: wrong frame count") }
        var bestDecode = Double.infinity
        var bestSHA = Double.infinity
        let end = Bench.now() + 3 * Bench.runSeconds
        var rounds = 0
        while Bench.now() < end || rounds < 10 {
            var start = Bench.now()
            Bench.consume(decodeStream(stream))
            bestDecode = min(bestDecode, Bench.now() - start)
            start = Bench.now()
            for payload in payloads { Bench.consume(SHA256.hash(data: payload)) }
            bestSHA = min(bestSHA, Bench.now() - start)
            rounds += 1
        }
        let decode = Double(stream.count) / bestDecode / 1e6
        let sha256 = Double(count << 20) / bestSHA / 1e6
        Bench.report("decode_1mib_mb_per_s", decode, "MB/s")
        Bench.report("sha256_1mib_mb_per_s", sha256, "MB/s")
        Bench.report("decode_1mib_vs_sha256_ratio", decode / sha256, "ratio")
    }

    static func decodeSmallFrames() {
        let count = 100_000
        var stream: [UInt8] = []
        stream.reserveCapacity(count * 32)
        for i in 0..<count { stream += FrameEncoder.encode(.ping(nonce: UInt64(i)), magic: magic) }
        guard decodeStream(stream) == count else { Bench.fail("ping frames: wrong frame count") }
        Bench.measure("decode_small_frames_per_s", unit: "frames/s", unitsPerCall: Double(count)) {
            Bench.consume(decodeStream(stream))
        }
    }

    static let version = VersionMessage(
        version: 70016, services: [.network, .witness, .networkLimited], timestamp: 1_714_564_800,
        receiver: NetworkAddress(services: .network, ip: IPAddress("203.0.113.7") ?? .unspecified, port: 8333),
        nonce: 0x0123_4567_89ab_cdef, userAgent: "/verack:0.1.0/", startHeight: 871_234)

    static func encodeVersion() {
        let batch = 1000
        Bench.measure("encode_version_per_s", unit: "messages/s", unitsPerCall: Double(batch)) {
            for i in 0..<batch {
                var v = version
                v.nonce = UInt64(i)
                Bench.consume(FrameEncoder.encode(.version(v), magic: magic).count)
            }
        }
    }

    static func decodeVersion() {
        let payload = Message.version(version).encodePayload()
        let batch = 1000
        Bench.measure("decode_version_per_s", unit: "messages/s", unitsPerCall: Double(batch)) {
            for _ in 0..<batch {
                do {
                    Bench.consume(try Message.decode(command: .version, payload: payload[...]).command.name.utf8.count)
                } catch {
                    Bench.fail("version decode failed: \(error)")
                }
            }
        }
    }
}
