
/// An ephemeral secp256k1 key for one v2 handshake: the private key and the 64-byte
/// ElligatorSwift encoding of its public key's X coordinate, which is what goes on the wire.
///
/// Its description and reflection never show the private key.
public struct V2EphemeralKey: Sendable {
    /// 32 big-endian bytes, in 1..<n.
    let privateKey: [UInt8]
    /// The 64 bytes sent to the peer: `u || t`.
    public let ellswift: [UInt8]

    /// A fresh key from libcrypto's cryptographic random number generator (seeded from the
    /// system's, getrandom on Linux), with a freshly sampled encoding.
    public static func generate() throws(BIP324Error) -> V2EphemeralKey {
        var rng = try CryptographicRandom()
        return try generate(using: &rng)
    }

    /// A key drawn from `rng`; only for tests and benchmarks unless `rng` is cryptographic.
    public static func generate<R: RandomNumberGenerator>(using rng: inout R) throws(BIP324Error) -> V2EphemeralKey {
        while true {
            let candidate = randomBytes(32, using: &rng)
            guard let scalar = Scalar(bigEndian: candidate) else { continue }
            let x = GeneratorTable.multiply(scalar).affineX
            return V2EphemeralKey(checkedPrivateKey: candidate, ellswift: ElligatorSwift.encode(x, using: &rng))
        }
    }

    /// A known key and encoding (the test vectors'). Checks sizes and the key's range, not
    /// that `ellswift` encodes this key's public key.
    public init(privateKey: [UInt8], ellswift: [UInt8]) throws(BIP324Error) {
        try BIP324Error.check(privateKey, "private key", 32)
        try BIP324Error.check(ellswift, "ellswift", 64)
        if Scalar(bigEndian: privateKey) == nil { throw .privateKeyOutOfRange }
        self.init(checkedPrivateKey: privateKey, ellswift: ellswift)
    }

    private init(checkedPrivateKey: [UInt8], ellswift: [UInt8]) {
        self.privateKey = checkedPrivateKey
        self.ellswift = ellswift
    }

    /// x(privateKey · lift_x(decode(theirs))): the x-only ECDH result, 32 bytes.
    func xOnlyECDH(theirs ellswift: [UInt8]) throws(BIP324Error) -> [UInt8] {
        try BIP324Error.check(ellswift, "ellswift", 64)
        guard let scalar = Scalar(bigEndian: privateKey) else { throw .privateKeyOutOfRange }
        let (numerator, denominator) = ElligatorSwift.decodeFraction(ellswift)
        return PointMultiplication.multiply(x: numerator, over: denominator, by: scalar).bigEndian
    }
}

extension V2EphemeralKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "V2EphemeralKey(ellswift: \(hexPrefix(ellswift))…, private key hidden)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["ellswift": ellswift]) }
}

/// The first 8 bytes of `bytes` as hex, for descriptions.
func hexPrefix(_ bytes: [UInt8]) -> String {
    let digits: [Character] = Array("0123456789abcdef")
    return String(bytes.prefix(8).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}
