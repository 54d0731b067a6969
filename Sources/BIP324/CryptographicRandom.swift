import COpenSSL

/// libcrypto's `RAND_bytes`, read 256 bytes at a time: the system generator
/// (`SystemRandomNumberGenerator`) makes one getrandom call per 8 bytes, and a key with its
/// encoding takes about 25 of those, a side's garbage up to 512.
public struct CryptographicRandom: RandomNumberGenerator {
    private var pool = [UInt64](repeating: 0, count: 32)
    private var used = 32

    public init() throws(BIP324Error) {
        try refill()
    }

    private mutating func refill() throws(BIP324Error) {
        let ok = LibCrypto.ready && pool.withUnsafeMutableBytes { RAND_bytes($0.baseAddress, Int32($0.count)) == 1 }
        if !ok { throw .openSSL("RAND_bytes") }
        used = 0
    }

    public mutating func next() -> UInt64 {
        if used == pool.count {
            // RAND_bytes fails only when libcrypto cannot seed at all; then fall back to
            // the system generator rather than return anything predictable.
            do { try refill() } catch {
                var system = SystemRandomNumberGenerator()
                return system.next()
            }
        }
        defer { used += 1 }
        return pool[used]
    }
}

extension CryptographicRandom {
    /// `count` random bytes in one `RAND_bytes` call (garbage, decoys); the system
    /// generator's if libcrypto cannot seed.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let ok = LibCrypto.ready && out.withUnsafeMutableBytes { RAND_bytes($0.baseAddress, Int32($0.count)) == 1 }
        if !ok {
            var system = SystemRandomNumberGenerator()
            for i in out.indices { out[i] = UInt8.random(in: 0...255, using: &system) }
        }
        return out
    }
}
