import COpenSSL
import NodeHarness
import Testing
@testable import BIP324

/// The GLV split of scalars and the multiplication that uses it, against BIGNUM arithmetic
/// modulo n, the plain windowed multiplication and OpenSSL's EC_POINT.
@Suite("secp256k1 endomorphism")
struct EndomorphismTests {
    static let n = FieldDifferentialTests.n

    static func bytes(_ limbs: SIMD4<UInt64>) -> [UInt8] {
        (0..<32).map { UInt8(truncatingIfNeeded: limbs[3 - $0 / 8] >> (56 - 8 * UInt64($0 % 8))) }
    }

    static func bytes(_ s: Scalar) -> [UInt8] { bytes([s.l0, s.l1, s.l2, s.l3]) }

    /// 1, 2, n - 1, n - 2, λ, λ ± 1, n/2 and its neighbours, 2^128 and its neighbours,
    /// 2^255, then seeded random scalars.
    static let scalars: [[UInt8]] = {
        let zero = [UInt8](repeating: 0, count: 32)
        let offset = FieldDifferentialTests.offset
        let lambda = bytes(Endomorphism.lambda)
        let halfN = hex("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")!
        let twoTo128 = hex("0000000000000000000000000000000100000000000000000000000000000000")!
        var out = [offset(zero, 1), offset(zero, 2), offset(n, -1), offset(n, -2),
                   lambda, offset(lambda, 1), offset(lambda, -1),
                   halfN, offset(halfN, 1), offset(halfN, -1),
                   twoTo128, offset(twoTo128, 1), offset(twoTo128, -1),
                   [0x80] + [UInt8](repeating: 0, count: 31)]
        var rng = SeededRNG(seed: 53)
        while out.count < 400 {
            let k = rng.bytes(32)
            if Scalar(bigEndian: k) != nil { out.append(k) }
        }
        return out
    }()

    @Test func splitRecombinesAndIsHalfSize() throws {
        #expect(LibCrypto.ready)  // libcrypto without its exit handler, as verack runs it
        let ctx = try #require(BN_CTX_new())
        defer { BN_CTX_free(ctx) }
        let order = try BigNum(bigEndian: Self.n)
        let lambda = try BigNum(bigEndian: Self.bytes(Endomorphism.lambda))
        for k in Self.scalars {
            let scalar = try #require(Scalar(bigEndian: k))
            let (k1, negative1, k2, negative2) = Endomorphism.split(scalar)
            #expect(negative1 == 0 || negative1 == ~0)
            #expect(negative2 == 0 || negative2 == ~0)
            // Both halves below 2^128 (the multiplication allows 2^132).
            #expect(k1.l2 == 0 && k1.l3 == 0 && k2.l2 == 0 && k2.l3 == 0, "k=\(hexString(k))")
            // ±k1 ± k2·λ ≡ k (mod n).
            let a = try BigNum(bigEndian: Self.bytes(k1))
            let b = try BigNum(bigEndian: Self.bytes(k2))
            if negative1 != 0 { BN_set_negative(a.pointer, 1) }
            if negative2 != 0 { BN_set_negative(b.pointer, 1) }
            let product = try BigNum()
            let sum = try BigNum()
            #expect(BN_mod_mul(product.pointer, b.pointer, lambda.pointer, order.pointer, ctx) == 1)
            #expect(BN_mod_add(sum.pointer, a.pointer, product.pointer, order.pointer, ctx) == 1)
            #expect(try sum.bigEndian32() == k, "k=\(hexString(k))")
        }
    }

    /// Every window value the recoding can see: v = digit + 32·carry, |digit| <= 16.
    @Test func signedDigitsRecombine() {
        for v: UInt64 in 0...32 {
            let ((magnitude, negative), carry) = PointMultiplication.signedDigit(v)
            let digit = negative == 0 ? Int(magnitude) : -Int(magnitude)
            #expect(negative == 0 || negative == ~0)
            #expect(carry <= 1 && magnitude <= 16 && digit + 32 * Int(carry) == Int(v), "v=\(v)")
        }
    }

    @Test func betaIsLambdaOnTheCurve() throws {
        let lambda = try #require(Scalar(bigEndian: Self.bytes(Endomorphism.lambda)))
        let lambdaG = try #require(GeneratorTable.multiply(lambda).affine)
        #expect(lambdaG == AffinePoint(x: AffinePoint.generator.x * Endomorphism.beta, y: AffinePoint.generator.y))
    }

    @Test func multiplicationMatchesThePlainOneAndOpenSSL() throws {
        let f = try Secp256k1()
        for (checked, (x, point)) in randomCurvePoints(seed: 59, count: 8).enumerated() {
            for (index, k) in Self.scalars.enumerated() where index < 14 || index % 20 == checked + 1 {
                let scalar = try #require(Scalar(bigEndian: k))
                let glv = try #require(PointMultiplication.multiplyWithEndomorphism(point, by: scalar).affine)
                let plain = try #require(PointMultiplication.multiply(point, by: scalar).affine)
                #expect(glv == plain, "k=\(hexString(k))")
                if index < 14 || index % 40 == checked + 1 {
                    let expected = try f.multiply(x: f.element(x.bigEndian), by: BigNum(bigEndian: k)).bigEndian32()
                    #expect(PointMultiplication.multiply(x: x, by: scalar).bigEndian == expected)
                }
            }
        }
        // k·G both ways, against the generator table.
        for k in Self.scalars.prefix(40) {
            let scalar = try #require(Scalar(bigEndian: k))
            #expect(PointMultiplication.multiplyWithEndomorphism(.generator, by: scalar).affine == GeneratorTable.multiply(scalar).affine)
        }
    }
}
