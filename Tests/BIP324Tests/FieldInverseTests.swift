import NodeHarness
import Testing
@testable import BIP324

/// The divsteps inversions (constant time and variable time) against OpenSSL's BIGNUM
/// (``Secp256k1``) and against the Fermat addition chain, on seeded random values and on
/// edge values: 0, 1, small numbers, p - k, powers of two, and the inputs at and above p
/// (which a field element holds reduced).
@Suite("Divsteps inversion against OpenSSL")
struct FieldInverseTests {
    static let zero32 = [UInt8](repeating: 0, count: 32)

    static func edgeInputs() -> [[UInt8]] {
        let p = FieldDifferentialTests.p
        let small = (1...40).map { FieldDifferentialTests.offset(zero32, $0) }
        let belowP = (1...40).map { FieldDifferentialTests.offset(p, -$0) }
        let powers = (0..<256).map { bit -> [UInt8] in
            var bytes = zero32
            bytes[31 - bit / 8] = 1 << UInt8(bit % 8)
            return bytes
        }
        let allOnesBelow: [[UInt8]] = (1...32).map { (count: Int) -> [UInt8] in
            Array(zero32.prefix(32 - count)) + [UInt8](repeating: 0xff, count: count)
        }
        var all: [[UInt8]] = FieldDifferentialTests.edges
        all += small
        all += belowP
        all += powers
        all += allOnesBelow
        return all
    }

    @Test func inversesMatchBigNum() throws {
        let f = try Secp256k1()
        var rng = SeededRNG(seed: 91)
        let random = (0..<600).map { _ in rng.bytes(32) }
        for a in Self.edgeInputs() + random {
            let x = FieldElement(bigEndian: a)
            let expected = try f.inv(try f.element(a))?.bigEndian32() ?? Self.zero32
            #expect(x.inverseConstantTime().bigEndian == expected, "constant time a=\(hexString(a))")
            #expect(x.inverseVariableTime().bigEndian == expected, "variable time a=\(hexString(a))")
        }
    }

    @Test func inversesMatchFermat() {
        var rng = SeededRNG(seed: 92)
        for i in 0..<3000 {
            var bytes = rng.bytes(32)
            // Some with few significant bits, where the divsteps run differently.
            if i % 3 == 1 { for j in 0..<Int(rng.next() % 32) { bytes[j] = 0 } }
            let x = FieldElement(bigEndian: bytes)
            let fermat = x.inverseByFermat()
            #expect(x.inverseConstantTime() == fermat, "constant time a=\(hexString(bytes))")
            #expect(x.inverseVariableTime() == fermat, "variable time a=\(hexString(bytes))")
            if !x.isZero { #expect(x * x.inverseVariableTime() == .one) }
        }
    }

    @Test func limbConversionRoundTrips() {
        var rng = SeededRNG(seed: 93)
        for a in Self.edgeInputs() + (0..<200).map({ _ in rng.bytes(32) }) {
            let x = FieldElement(bigEndian: a)
            let limbs = Limbs62(x)
            #expect(limbs.fieldElement == x)
            for limb in [limbs.v0, limbs.v1, limbs.v2, limbs.v3] { #expect(limb >= 0 && limb <= Limbs62.mask) }
            #expect(limbs.v4 >= 0 && limbs.v4 < 256)
        }
        #expect(Limbs62(FieldElement(bigEndian: FieldDifferentialTests.offset(FieldDifferentialTests.p, -1))).fieldElement.bigEndian
            == FieldDifferentialTests.offset(FieldDifferentialTests.p, -1))
    }

    /// The modular matrix step keeps d and e in 0..<p for the extreme matrices and inputs.
    @Test func modularUpdateStaysReduced() {
        let top: Int64 = 1 << 62
        let pMinusOne = FieldElement.zero - .one
        let matrices = [Transition(u: top, v: 0, q: 0, r: top), Transition(u: -top, v: 0, q: 0, r: -top),
                        Transition(u: top / 2, v: top / 2, q: -(top / 2), r: top / 2),
                        Transition(u: -(top / 2), v: -(top / 2), q: top / 2, r: -(top / 2)), Transition(u: 1, v: -1, q: -1, r: 1)]
        let values = [FieldElement.zero, .one, pMinusOne, FieldElement(0x1234_5678), pMinusOne - FieldElement(12345)]
        let twoTo62 = FieldElement(1 << 62)
        for m in matrices {
            for a in values {
                for b in values {
                    var (d, e) = (Limbs62(a), Limbs62(b))
                    Limbs62.applyModP(m, &d, &e)
                    // d·2^62 ≡ u·a + v·b.
                    func signed(_ x: Int64) -> FieldElement { x < 0 ? -FieldElement(x.magnitude) : FieldElement(x.magnitude) }
                    #expect(d.fieldElement * twoTo62 == signed(m.u) * a + signed(m.v) * b)
                    #expect(e.fieldElement * twoTo62 == signed(m.q) * a + signed(m.r) * b)
                    for limbs in [d, e] {
                        #expect(limbs.v4 >= 0 && limbs.fieldElement == limbs.fieldElement.normalized())
                        #expect(Limbs62(limbs.fieldElement).v4 == limbs.v4)
                    }
                }
            }
        }
    }
}
