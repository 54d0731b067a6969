@_spi(Benchmarks) import BIP324
import CBenchOpenSSL
import Crypto
import Foundation
import NodeHarness

/// BIP324 v2 transport: decrypting big packets beside swift-crypto's ChaChaPoly alone,
/// small (ping-sized) packets, one handshake's key work, and one field multiplication. MB are
/// 10^6 bytes.
enum V2Benchmarks {
    static let magic: [UInt8] = [0xf9, 0xbe, 0xb4, 0xd9]

    static func run() {
        let pair = connectedPair()
        if included("v2_decrypt_1mib_mb_per_s") || included("chachapoly_1mib_mb_per_s") {
            let v2 = decryptLargePackets(pair)
            let reference = chachaPolyReference()
            Bench.report("v2_decrypt_vs_chachapoly_ratio", v2 / reference, "ratio")
        }
        decryptSmallPackets(pair)
        chachaPolySmallReference()
        keyExchange()
        fieldMultiplication()
    }

    /// Whether `VERACK_BENCH_FILTER` lets the measurement `name` run.
    static func included(_ name: String) -> Bool {
        Bench.filter.map { name.contains($0) } ?? true
    }

    static func connectedPair() -> (sender: V2PacketCipher, receiver: V2PacketCipher) {
        do {
            let a = try V2EphemeralKey.generate()
            let b = try V2EphemeralKey.generate()
            let initiator = try V2SessionSecrets(ours: a, theirs: b.ellswift, initiating: true, magic: magic)
            let responder = try V2SessionSecrets(ours: b, theirs: a.ellswift, initiating: false, magic: magic)
            return (try V2PacketCipher(secrets: initiator), try V2PacketCipher(secrets: responder))
        } catch {
            Bench.fail("v2 key setup failed: \(error)")
        }
    }

    /// Encrypted packets back to back, as the receiver would read them from its socket.
    static func stream(_ sender: V2PacketCipher, count: Int, contents: [UInt8]) -> [UInt8] {
        var sender = sender
        var out: [UInt8] = []
        for _ in 0..<count {
            do { out += try sender.encrypt(contents: contents) } catch { Bench.fail("v2 encrypt failed: \(error)") }
        }
        return out
    }

    /// Decrypts every packet of `stream` with a fresh copy of `receiver`: each packet is
    /// copied into `work` (standing in for the socket read into the packet buffer), its length
    /// decrypted, then header + contents + tag decrypted in place. Returns the contents bytes.
    @inline(__always)
    static func decryptStream(_ stream: [UInt8], _ receiver: V2PacketCipher, _ work: UnsafeMutableRawBufferPointer) -> Int {
        var receiver = receiver
        var total = 0
        stream.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let length: Int
                do {
                    length = try receiver.decryptLength(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + 3)]))
                } catch { Bench.fail("v2 length: \(error)") }
                let restCount = length + V2PacketCipher.decryptOverhead
                let packet = UnsafeMutableRawBufferPointer(rebasing: work[0..<restCount])
                packet.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[(offset + 3)..<(offset + 3 + restCount)]))
                guard receiver.decrypt(inPlace: packet, aad: UnsafeRawBufferPointer(start: nil, count: 0)) != nil else {
                    Bench.fail("v2 packet did not authenticate")
                }
                total += length
                offset += 3 + restCount
            }
        }
        return total
    }

    static func decryptLargePackets(_ pair: (sender: V2PacketCipher, receiver: V2PacketCipher)) -> Double {
        var rng = SeededRNG(seed: 11)
        let count = 8
        let contents = rng.bytes(1 << 20)
        let packets = stream(pair.sender, count: count, contents: contents)
        let work = UnsafeMutableRawBufferPointer.allocate(byteCount: contents.count + V2PacketCipher.decryptOverhead, alignment: 64)
        defer { work.deallocate() }
        guard decryptStream(packets, pair.receiver, work) == count * contents.count else { Bench.fail("v2 large: wrong total") }
        let rate = Bench.bestRate(unitsPerCall: Double(count * contents.count)) {
            Bench.consume(decryptStream(packets, pair.receiver, work))
        } / 1e6
        Bench.report("v2_decrypt_1mib_mb_per_s", rate, "MB/s")
        return rate
    }

    /// swift-crypto's ChaChaPoly.open alone on 1 MiB sealed boxes.
    static func chachaPolyReference() -> Double {
        var rng = SeededRNG(seed: 12)
        let key = SymmetricKey(data: rng.bytes(32))
        let count = 8
        let boxes: [ChaChaPoly.SealedBox]
        do {
            boxes = try (0..<count).map { _ in try ChaChaPoly.seal(rng.bytes(1 << 20), using: key) }
        } catch { Bench.fail("ChaChaPoly.seal failed: \(error)") }
        let rate = Bench.bestRate(unitsPerCall: Double(count << 20)) {
            for box in boxes {
                do { Bench.consume(try ChaChaPoly.open(box, using: key).count) } catch { Bench.fail("ChaChaPoly.open failed") }
            }
        } / 1e6
        Bench.report("chachapoly_1mib_mb_per_s", rate, "MB/s")
        return rate
    }

    /// Ping-sized packets: 1-byte message id + 8-byte nonce; length then contents.
    static func decryptSmallPackets(_ pair: (sender: V2PacketCipher, receiver: V2PacketCipher)) {
        let count = 224 * 4
        let contents: [UInt8] = [18, 1, 2, 3, 4, 5, 6, 7, 8]
        let packets = stream(pair.sender, count: count, contents: contents)
        let work = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 64)
        defer { work.deallocate() }
        guard decryptStream(packets, pair.receiver, work) == count * contents.count else { Bench.fail("v2 small: wrong total") }
        Bench.measure("v2_small_packets_per_s", unit: "packets/s", unitsPerCall: Double(count)) {
            Bench.consume(decryptStream(packets, pair.receiver, work))
        }
    }

    /// swift-crypto's ChaChaPoly.open on the same 10-byte plaintexts, for comparison.
    static func chachaPolySmallReference() {
        var rng = SeededRNG(seed: 13)
        let key = SymmetricKey(data: rng.bytes(32))
        let boxes: [ChaChaPoly.SealedBox]
        do {
            boxes = try (0..<896).map { _ in try ChaChaPoly.seal(rng.bytes(10), using: key) }
        } catch { Bench.fail("ChaChaPoly.seal failed: \(error)") }
        Bench.measure("chachapoly_small_open_per_s", unit: "packets/s", unitsPerCall: Double(boxes.count)) {
            for box in boxes {
                do { Bench.consume(try ChaChaPoly.open(box, using: key).count) } catch { Bench.fail("ChaChaPoly.open failed") }
            }
        }
    }

    /// One handshake's key work: generate an ellswift key, x-only ECDH with the peer's
    /// encoding, derive the session secrets and the packet cipher.
    static func keyExchange() {
        let theirs: V2EphemeralKey
        do { theirs = try V2EphemeralKey.generate() } catch { Bench.fail("keygen failed: \(error)") }
        if !["v2_keygen_ecdh_us", "v2_keygen_us", "v2_ecdh_derive_us"].contains(where: included) { return }
        let rate = Bench.bestRate(unitsPerCall: 1) {
            do {
                let ours = try V2EphemeralKey.generate()
                let secrets = try V2SessionSecrets(ours: ours, theirs: theirs.ellswift, initiating: true, magic: magic)
                Bench.consume(try V2PacketCipher(secrets: secrets).sessionID[0])
            } catch { Bench.fail("key exchange failed: \(error)") }
        }
        Bench.report("v2_keygen_ecdh_us", 1e6 / rate, "us")
        // Its parts: key generation with its encoding alone, then ECDH + derivation alone.
        let keygen = Bench.bestRate(unitsPerCall: 1) {
            do { Bench.consume(try V2EphemeralKey.generate().ellswift[0]) } catch { Bench.fail("keygen failed: \(error)") }
        }
        Bench.report("v2_keygen_us", 1e6 / keygen, "us")
        let ours: V2EphemeralKey
        do { ours = try V2EphemeralKey.generate() } catch { Bench.fail("keygen failed: \(error)") }
        let ecdh = Bench.bestRate(unitsPerCall: 1) {
            do {
                Bench.consume(try V2SessionSecrets(ours: ours, theirs: theirs.ellswift, initiating: true, magic: magic).sessionID[0])
            } catch { Bench.fail("ECDH failed: \(error)") }
        }
        Bench.report("v2_ecdh_derive_us", 1e6 / ecdh, "us")
    }

    /// One multiplication modulo p, as a chain of dependent ones: OpenSSL's BN_mod_mul with a
    /// BN_CTX (how BIP324's key work multiplied before it had its own field type), then the
    /// own field type.
    static func fieldMultiplication() {
        if !["field_mul_bn_ns", "field_mul_own_ns"].contains(where: included) { return }
        var rng = SeededRNG(seed: 14)
        // Both below p: the top byte of p is 0xff.
        let a = [0x7f] + rng.bytes(31)
        let b = [0x7f] + rng.bytes(31)
        let count = 20_000
        let p: [UInt8] = [UInt8](repeating: 0xff, count: 27) + [0xfe, 0xff, 0xff, 0xfc, 0x2f]
        guard let ctx = BN_CTX_new(), let x = BN_new(), let y = BN_new(), let modulus = BN_new() else {
            Bench.fail("BN allocation failed")
        }
        defer { BN_free(x); BN_free(y); BN_free(modulus); BN_CTX_free(ctx) }
        _ = BN_bin2bn(a, 32, x)
        _ = BN_bin2bn(b, 32, y)
        _ = BN_bin2bn(p, 32, modulus)
        let bn = Bench.bestRate(unitsPerCall: Double(count)) {
            for _ in 0..<count where BN_mod_mul(x, x, y, modulus, ctx) != 1 { Bench.fail("BN_mod_mul failed") }
            Bench.consume(BN_is_odd(x))
        }
        Bench.report("field_mul_bn_ns", 1e9 / bn, "ns")
        let own = Bench.bestRate(unitsPerCall: Double(count)) {
            Bench.consume(FieldBenchmark.multiplyChain(a, b, count: count)[0])
        }
        Bench.report("field_mul_own_ns", 1e9 / own, "ns")
    }
}
