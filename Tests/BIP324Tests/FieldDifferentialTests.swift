import NodeHarness
import Testing
@testable import BIP324

/// The own field, scalar and point arithmetic against OpenSSL's BIGNUM and EC_POINT
/// (``Secp256k1``, the reference kept in this test target), on seeded random inputs and on
/// the edge values.
@Suite("secp256k1 arithmetic against OpenSSL")
struct FieldDifferentialTests {
    static let p = hex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f")!
    static let n = hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")!

    /// 32 big-endian bytes of `value` + `delta` (delta small; wraps like 256-bit arithmetic).
    static func offset(_ value: [UInt8], _ delta: Int) -> [UInt8] {
        var out = value
        var carry = delta
        for i in stride(from: 31, through: 0, by: -1) where carry != 0 {
            let sum = Int(out[i]) + carry
            out[i] = UInt8(truncatingIfNeeded: sum)
            carry = sum >> 8
        }
        return out
    }

    /// 0, 1, 2, p - 1, p, p + 1, 2^256 - 1, 2^255, 2^64 - 1, and the field's own 2^32 + 977.
    static let edges: [[UInt8]] = [
        [UInt8](repeating: 0, count: 32), offset([UInt8](repeating: 0, count: 32), 1),
        offset([UInt8](repeating: 0, count: 32), 2), offset(p, -1), p, offset(p, 1),
        [UInt8](repeating: 0xff, count: 32), [0x80] + [UInt8](repeating: 0, count: 31),
        [UInt8](repeating: 0, count: 24) + [UInt8](repeating: 0xff, count: 8),
        hex("00000000000000000000000000000000000000000000000000000001000003d1")!,
    ]

    static func inputs(seed: UInt64, count: Int) -> [[UInt8]] {
        var rng = SeededRNG(seed: seed)
        // Random values, some of them pushed to p and above so reduction is exercised.
        let random = (0..<count).map { i in i % 8 == 0 ? offset(p, Int(rng.next() % 64)) : rng.bytes(32) }
        return edges + random
    }

    @Test func fieldOperationsMatchBigNum() throws {
        let f = try Secp256k1()
        let values = Self.inputs(seed: 41, count: 150)
        for (i, a) in values.enumerated() {
            let b = values[(i * 7 + 3) % values.count]
            let (x, y) = (FieldElement(bigEndian: a), FieldElement(bigEndian: b))
            let (bx, by) = (try f.element(a), try f.element(b))
            let context = "a=\(hexString(a)) b=\(hexString(b))"
            #expect(x.bigEndian == (try bx.bigEndian32()), "\(context)")
            #expect((x * y).bigEndian == (try f.mul(bx, by).bigEndian32()), "mul \(context)")
            #expect(x.squared().bigEndian == (try f.sqr(bx).bigEndian32()), "sqr \(context)")
            #expect((x + y).bigEndian == (try f.add(bx, by).bigEndian32()), "add \(context)")
            #expect((x - y).bigEndian == (try f.sub(bx, by).bigEndian32()), "sub \(context)")
            #expect((-x).bigEndian == (try f.neg(bx).bigEndian32()), "neg \(context)")
            #expect(x.halved().bigEndian == (try f.mul(bx, f.half).bigEndian32()), "halved \(context)")
            #expect(x.times(977).bigEndian == (try f.mul(bx, BigNum(word: 977)).bigEndian32()), "times \(context)")
            let inverse = try f.inv(bx)
            #expect(x.inverse().bigEndian == (try inverse?.bigEndian32() ?? [UInt8](repeating: 0, count: 32)), "inv \(context)")
            #expect(x.inverseByFermat().bigEndian == (try inverse?.bigEndian32() ?? [UInt8](repeating: 0, count: 32)), "Fermat inv \(context)")
            #expect(x.isSquare == (try f.isSquare(bx)), "isSquare \(context)")
            #expect(x.isSquareVariableTime == (try f.isSquare(bx)), "isSquareVariableTime \(context)")
            #expect(x.squareRoot()?.bigEndian == (try f.sqrt(bx)?.bigEndian32()), "sqrt \(context)")
        }
    }

    @Test func reductionOfValuesAtAndAboveP() {
        #expect(FieldElement(bigEndian: Self.p).isZero)
        #expect(FieldElement(bigEndian: Self.offset(Self.p, 5)) == FieldElement(5))
        #expect(FieldElement(bigEndian: [UInt8](repeating: 0xff, count: 32)) == FieldElement(0x1_0000_03D0))
        #expect(!FieldElement.isCanonical(Self.p))
        #expect(FieldElement.isCanonical(Self.offset(Self.p, -1)))
        let pMinusOne = FieldElement(bigEndian: Self.offset(Self.p, -1))
        #expect(pMinusOne + .one == .zero)
        #expect(pMinusOne * pMinusOne == .one)
        #expect(FieldElement.zero - .one == pMinusOne)
        #expect(FieldElement.zero.inverse() == .zero)
        #expect(FieldElement.zero.inverseByFermat() == .zero)
        #expect(FieldElement.zero.inverseVariableTime() == .zero)
    }

    static let scalars: [[UInt8]] = {
        var rng = SeededRNG(seed: 43)
        let small = [1, 2, 3, 15, 16, 17, 255, 256].map { Self.offset([UInt8](repeating: 0, count: 32), $0) }
        let top = [[0x80] + [UInt8](repeating: 0, count: 31), Self.offset(n, -1), Self.offset(n, -2), Self.offset(n, -16)]
        return small + top + (0..<24).map { _ in rng.bytes(32) }
    }()

    @Test func generatorMultiplesMatchOpenSSL() throws {
        let f = try Secp256k1()
        for k in Self.scalars {
            let scalar = try #require(Scalar(bigEndian: k))
            let expected = try f.multiplyGenerator(BigNum(bigEndian: k)).bigEndian32()
            #expect(GeneratorTable.multiply(scalar).affineX.bigEndian == expected, "k=\(hexString(k))")
            let viaWindows = PointMultiplication.multiply(.generator, by: scalar)
            #expect(viaWindows.affineX.bigEndian == expected, "k=\(hexString(k))")
            #expect(viaWindows.affine?.isOnCurve == true)
        }
        // (n - 1)·G = -G.
        let last = try #require(Scalar(bigEndian: Self.offset(Self.n, -1)))
        let minusG = try #require(GeneratorTable.multiply(last).affine)
        #expect(minusG.x == AffinePoint.generator.x && minusG.y == -AffinePoint.generator.y)
    }

    @Test func variableBaseMultiplesMatchOpenSSL() throws {
        let f = try Secp256k1()
        for (x, point) in randomCurvePoints(seed: 47, count: 12) {
            for k in Self.scalars.prefix(4) + Self.scalars.suffix(4) {
                let scalar = try #require(Scalar(bigEndian: k))
                let expected = try f.multiply(x: f.element(x.bigEndian), by: BigNum(bigEndian: k)).bigEndian32()
                #expect(PointMultiplication.multiply(point, by: scalar).affineX.bigEndian == expected)
                #expect(PointMultiplication.multiply(x: x, by: scalar).bigEndian == expected)
            }
        }
    }

    @Test func scalarRange() {
        #expect(Scalar(bigEndian: [UInt8](repeating: 0, count: 32)) == nil)
        #expect(Scalar(bigEndian: Self.n) == nil)
        #expect(Scalar(bigEndian: Self.offset(Self.n, 1)) == nil)
        #expect(Scalar(bigEndian: [UInt8](repeating: 0xff, count: 32)) == nil)
        #expect(Scalar(bigEndian: Self.offset(Self.n, -1)) != nil)
        #expect(Scalar(bigEndian: Self.offset([UInt8](repeating: 0, count: 32), 1)) != nil)
    }

    /// The complete addition: infinity on either side, P + P (doubling), P + (-P); with
    /// Z ≠ 1 so the projective forms are exercised.
    @Test func additionSpecialCases() throws {
        let g = JacobianPoint(.generator)
        let twoG = try #require(g.doubled().affine)
        let scaled = JacobianPoint(x: g.x * FieldElement(9), y: g.y * FieldElement(27), z: FieldElement(3))
        #expect((JacobianPoint.infinity + scaled).affine == .generator)
        #expect((scaled + .infinity).affine == .generator)
        #expect((scaled + g).affine == twoG)
        #expect((scaled + JacobianPoint(x: g.x, y: -g.y, z: .one)).isInfinity)
        #expect(JacobianPoint.infinity.doubled().isInfinity)
        #expect((JacobianPoint.infinity + .infinity).isInfinity)
        let threeG = try #require((JacobianPoint(twoG) + g).affine)
        #expect(threeG == GeneratorTable.multiply(try #require(Scalar(bigEndian: Self.offset([UInt8](repeating: 0, count: 32), 3)))).affine)
        #expect(JacobianPoint.batchAffine([g, g.doubled(), scaled]) == [.generator, twoG, .generator])
    }
}
