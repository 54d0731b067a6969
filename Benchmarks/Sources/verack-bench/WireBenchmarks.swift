import BitcoinWire
import NodeHarness
import Crypto

/// The codec: large frames (checksum-bound), many small frames (per-frame overhead),
/// encoding. MB are 10^6 bytes, as openssl speed counts them.
enum WireBenchmarks {
    static let chunkSize = 64 * 1024
    static let magic = Network.mainnet.magic

    static func run() {
        decodeLargeFrames()
        sha256Reference()
        decodeSmallFrames()
        encodeVersion()
        decodeVersion()
    }

    /// Feeds `stream` to a fresh decoder in 64 KiB chunks, checks every frame, returns
    /// how many frames there were.
    @inline(__always)
    static func decodeStream(_ stream: [UInt8]) -> Int {
        var decoder = FrameDecoder(magic: magic)
        var frames = 0
        stream.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let end = min(all.count, offset + chunkSize)
                decoder.feed(UnsafeRawBufferPointer(rebasing: all[offset..<end]))
                offset = end
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

    static func decodeLargeFrames() {
        var rng = SeededRNG(seed: 1)
        let count = 8
        let frames = (0..<count).map { _ in FrameEncoder.frame(command: "block", payload: rng.bytes(1 << 20), magic: magic) }
        let stream = frames.flatMap { $0 }
        guard decodeStream(stream) == count else { Bench.fail("large frames: wrong frame count") }
        Bench.measure("decode_1mib_mb_per_s", unit: "MB/s", unitsPerCall: Double(stream.count), divisor: 1e6) {
            Bench.consume(decodeStream(stream))
        }
    }

    static func sha256Reference() {
        var rng = SeededRNG(seed: 2)
        let buffer = rng.bytes(1 << 20)
        Bench.measure("sha256_1mib_mb_per_s", unit: "MB/s", unitsPerCall: Double(buffer.count), divisor: 1e6) {
            Bench.consume(SHA256.hash(data: buffer))
        }
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
                    Bench.consume(try Message.decode(command: "version", payload: payload[...]).command.utf8.count)
                } catch {
                    Bench.fail("version decode failed: \(error)")
                }
            }
        }
    }
}
