import COpenSSL
@testable import BIP324

/// secp256k1 arithmetic over libcrypto for one computation: field operations modulo p and
/// the x-only point multiplications BIP324 needs.
///
/// Each instance owns its `BN_CTX` and `EC_GROUP`, so concurrent computations on different
/// threads share nothing mutable. Not Sendable: make one per operation and drop it.
/// Field results are always reduced into `0..<p`.
final class Secp256k1 {
    private let ctx: OpaquePointer
    private let group: OpaquePointer
    /// The field size p = 2^256 - 2^32 - 977.
    let p: BigNum
    /// The group order n.
    let n: BigNum
    /// c = √-3 mod p, the square one (BIP324, "ElligatorSwift encoding").
    let c: BigNum
    let zero: BigNum
    let one: BigNum
    let seven: BigNum
    /// (p + 1) / 4: a^((p+1)/4) is "the" square root of a, when a has one.
    private let sqrtExponent: BigNum
    /// 1/2 mod p = (p + 1) / 2.
    let half: BigNum

    static let cBytes: [UInt8] = [
        0x0a, 0x2d, 0x2b, 0xa9, 0x35, 0x07, 0xf1, 0xdf, 0x23, 0x37, 0x70, 0xc2, 0xa7, 0x97, 0x96, 0x2c,
        0xc6, 0x1f, 0x6d, 0x15, 0xda, 0x14, 0xec, 0xd4, 0x7d, 0x8d, 0x27, 0xae, 0x1c, 0xd5, 0xf8, 0x52,
    ]

    init() throws(BIP324Error) {
        guard LibCrypto.ready else { throw .openSSL("OPENSSL_init_crypto") }  // without its exit handler, as verack runs it
        guard let ctx = BN_CTX_new() else { throw .openSSL("BN_CTX_new") }
        guard let group = EC_GROUP_new_by_curve_name(NID_secp256k1) else {
            BN_CTX_free(ctx)
            throw .openSSL("EC_GROUP_new_by_curve_name")
        }
        self.ctx = ctx
        self.group = group
        // From here on deinit frees ctx and group, so the stored properties may throw.
        p = try BigNum()
        n = try BigNum()
        zero = try BigNum(word: 0)
        one = try BigNum(word: 1)
        seven = try BigNum(word: 7)
        c = try BigNum(bigEndian: Self.cBytes)
        sqrtExponent = try BigNum()
        half = try BigNum()
        guard EC_GROUP_get_curve(group, p.pointer, nil, nil, ctx) == 1 else { throw .openSSL("EC_GROUP_get_curve") }
        guard EC_GROUP_get_order(group, n.pointer, ctx) == 1 else { throw .openSSL("EC_GROUP_get_order") }
        guard BN_add(half.pointer, p.pointer, one.pointer) == 1,
              BN_rshift(sqrtExponent.pointer, half.pointer, 2) == 1,
              BN_rshift1(half.pointer, half.pointer) == 1
        else { throw .openSSL("BN_add/BN_rshift") }
    }

    deinit {
        EC_GROUP_free(group)
        BN_CTX_free(ctx)
    }

    // MARK: Field

    private func result(_ name: String, _ body: (OpaquePointer) -> Int32) throws(BIP324Error) -> BigNum {
        let r = try BigNum()
        if body(r.pointer) != 1 { throw .openSSL(name) }
        return r
    }

    /// `bytes` (32, big-endian) reduced modulo p.
    func element(_ bytes: [UInt8]) throws(BIP324Error) -> BigNum {
        let raw = try BigNum(bigEndian: bytes)
        return try result("BN_nnmod") { BN_nnmod($0, raw.pointer, p.pointer, ctx) }
    }

    func add(_ a: BigNum, _ b: BigNum) throws(BIP324Error) -> BigNum {
        try result("BN_mod_add") { BN_mod_add($0, a.pointer, b.pointer, p.pointer, ctx) }
    }

    func sub(_ a: BigNum, _ b: BigNum) throws(BIP324Error) -> BigNum {
        try result("BN_mod_sub") { BN_mod_sub($0, a.pointer, b.pointer, p.pointer, ctx) }
    }

    func mul(_ a: BigNum, _ b: BigNum) throws(BIP324Error) -> BigNum {
        try result("BN_mod_mul") { BN_mod_mul($0, a.pointer, b.pointer, p.pointer, ctx) }
    }

    func sqr(_ a: BigNum) throws(BIP324Error) -> BigNum {
        try result("BN_mod_sqr") { BN_mod_sqr($0, a.pointer, p.pointer, ctx) }
    }

    func neg(_ a: BigNum) throws(BIP324Error) -> BigNum { try sub(zero, a) }

    /// 1/a, or nil for a = 0.
    func inv(_ a: BigNum) throws(BIP324Error) -> BigNum? {
        if a.isZero { return nil }
        return try result("BN_mod_inverse") { BN_mod_inverse($0, a.pointer, p.pointer, ctx) == nil ? 0 : 1 }
    }

    /// a/b, or nil for b = 0.
    func div(_ a: BigNum, _ b: BigNum) throws(BIP324Error) -> BigNum? {
        guard let inverse = try inv(b) else { return nil }
        return try mul(a, inverse)
    }

    /// Whether a is a square modulo p (zero counts as one).
    func isSquare(_ a: BigNum) throws(BIP324Error) -> Bool {
        let symbol = BN_kronecker(a.pointer, p.pointer, ctx)
        if symbol == -2 { throw .openSSL("BN_kronecker") }
        return symbol >= 0
    }

    /// The BIP's square root: a^((p+1)/4), itself a square; nil when a is not a square.
    func sqrt(_ a: BigNum) throws(BIP324Error) -> BigNum? {
        let r = try result("BN_mod_exp") { BN_mod_exp($0, a.pointer, sqrtExponent.pointer, p.pointer, ctx) }
        return try sqr(r) == a ? r : nil
    }

    /// u^3 + 7.
    func curveRHS(_ u: BigNum) throws(BIP324Error) -> BigNum {
        try add(mul(sqr(u), u), seven)
    }

    /// Whether lift_x(x) succeeds: x^3 + 7 is a square.
    func isValidX(_ x: BigNum) throws(BIP324Error) -> Bool {
        try isSquare(curveRHS(x))
    }

    // MARK: Group

    /// x(scalar · G).
    func multiplyGenerator(_ scalar: BigNum) throws(BIP324Error) -> BigNum {
        guard let point = EC_POINT_new(group) else { throw .openSSL("EC_POINT_new") }
        defer { EC_POINT_free(point) }
        guard EC_POINT_mul(group, point, scalar.pointer, nil, nil, ctx) == 1 else { throw .openSSL("EC_POINT_mul") }
        return try affineX(point)
    }

    /// x(scalar · lift_x(x)); `x` must be a valid X coordinate (either lift gives the same x).
    func multiply(x: BigNum, by scalar: BigNum) throws(BIP324Error) -> BigNum {
        guard let base = EC_POINT_new(group) else { throw .openSSL("EC_POINT_new") }
        defer { EC_POINT_free(base) }
        guard EC_POINT_set_compressed_coordinates(group, base, x.pointer, 0, ctx) == 1 else {
            throw .openSSL("EC_POINT_set_compressed_coordinates")
        }
        guard let product = EC_POINT_new(group) else { throw .openSSL("EC_POINT_new") }
        defer { EC_POINT_free(product) }
        guard EC_POINT_mul(group, product, nil, base, scalar.pointer, ctx) == 1 else { throw .openSSL("EC_POINT_mul") }
        return try affineX(product)
    }

    private func affineX(_ point: OpaquePointer) throws(BIP324Error) -> BigNum {
        let x = try BigNum()
        let y = try BigNum()
        guard EC_POINT_get_affine_coordinates(group, point, x.pointer, y.pointer, ctx) == 1 else {
            throw .openSSL("EC_POINT_get_affine_coordinates")
        }
        return x
    }
}
