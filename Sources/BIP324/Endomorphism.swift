/// secp256k1's endomorphism: with β a cube root of unity modulo p and λ one modulo n,
/// (x, y) ↦ (β·x, y) is multiplication by λ. A scalar k splits into k1 + k2·λ (mod n) with
/// |k1|, |k2| below 2^128 (checked on 200,000 random scalars and the edge cases in the
/// tests; the proven bound is a little above, so the multiplication walks 132 bits), and
/// k·P = k1·P + k2·(λ·P) takes half the doublings.
///
/// The split is the standard lattice one (Gallant, Lambert, Vanstone; the constants are the
/// ones of the secp256k1 literature): with the short basis (a1, b1), (a2, b2) of the
/// lattice {(x, y) : x + y·λ ≡ 0 mod n}, c1 = round(b2·k/n), c2 = round(-b1·k/n) (as
/// ⌊(k·g + 2^383) / 2^384⌋ with g = round(2^384·b/n)), k1 = k - c1·a1 - c2·a2 and
/// k2 = -c1·b1 - c2·b2. These are exact integers, small enough that their low 256 bits in
/// two's complement determine them: no arithmetic modulo n is needed. Straight-line code,
/// no branch or memory access depending on k.
enum Endomorphism {
    /// β, with λ·(x, y) = (β·x, y).
    static let beta = FieldElement(0xC139_6C28_7195_01EE, 0x9CF0_4975_12F5_8995, 0x6E64_479E_AC34_34E9, 0x7AE9_6A2B_657C_0710)
    /// λ, least significant limb first (for the tests).
    static let lambda: SIMD4<UInt64> = [0xDF02_967C_1B23_BD72, 0x122E_22EA_2081_6678, 0xA526_1C02_8812_645A, 0x5363_AD4C_C05C_30E0]

    static let g1: SIMD4<UInt64> = [0xE893_209A_45DB_B031, 0x3DAA_8A14_71E8_CA7F, 0xE86C_90E4_9284_EB15, 0x3086_D221_A7D4_6BCD]
    static let g2: SIMD4<UInt64> = [0x1571_B4AE_8AC4_7F71, 0x2212_08AC_9DF5_06C6, 0x6F54_7FA9_0ABF_E4C4, 0xE443_7ED6_010E_8828]
    /// a1 = b2.
    static let a1: SIMD4<UInt64> = [0xE86C_90E4_9284_EB15, 0x3086_D221_A7D4_6BCD, 0, 0]
    static let a2: SIMD4<UInt64> = [0x57C1_108D_9D44_CFD8, 0x14CA_50F7_A8E2_F3F6, 1, 0]
    /// -b1.
    static let minusB1: SIMD4<UInt64> = [0x6F54_7FA9_0ABF_E4C3, 0xE443_7ED6_010E_8828, 0, 0]

    /// k as (|k1|, k1's sign mask, |k2|, k2's sign mask): k ≡ ±|k1| ± |k2|·λ (mod n), the
    /// sign negative where the mask is all ones.
    static func split(_ k: Scalar) -> (k1: Scalar, negative1: UInt64, k2: Scalar, negative2: UInt64) {
        let kk: SIMD4<UInt64> = [k.l0, k.l1, k.l2, k.l3]
        let c1 = roundedHigh(kk, g1)
        let c2 = roundedHigh(kk, g2)
        let k1 = subtract(subtract(kk, multiplyLow(c1, a1)), multiplyLow(c2, a2))
        let k2 = subtract(multiplyLow(c1, minusB1), multiplyLow(c2, a1))
        let (abs1, negative1) = magnitude(k1)
        let (abs2, negative2) = magnitude(k2)
        return (abs1, negative1, abs2, negative2)
    }

    /// ⌊(a·b + 2^383) / 2^384⌋ (below 2^128).
    @inline(__always)
    static func roundedHigh(_ a: SIMD4<UInt64>, _ b: SIMD4<UInt64>) -> SIMD4<UInt64> {
        let product = multiplyWide(a, b)
        let (low, carry) = addCarry(product[5], 1 << 63, 0)
        _ = low
        let (high0, carry0) = addCarry(product[6], carry, 0)
        let high1 = product[7] &+ carry0
        return [high0, high1, 0, 0]
    }

    /// The full 512-bit a·b.
    @inline(__always)
    static func multiplyWide(_ a: SIMD4<UInt64>, _ b: SIMD4<UInt64>) -> SIMD8<UInt64> {
        var r = SIMD8<UInt64>()
        for i in 0..<4 {
            var carry: UInt64 = 0
            for j in 0..<4 { (carry, r[i + j]) = mulAddInLoop(a[i], b[j], r[i + j], carry) }
            r[i + 4] = carry
        }
        return r
    }

    /// a·b modulo 2^256.
    @inline(__always)
    static func multiplyLow(_ a: SIMD4<UInt64>, _ b: SIMD4<UInt64>) -> SIMD4<UInt64> {
        var r = SIMD4<UInt64>()
        for i in 0..<4 {
            var carry: UInt64 = 0
            for j in 0..<(4 - i) { (carry, r[i + j]) = mulAddInLoop(a[i], b[j], r[i + j], carry) }
        }
        return r
    }

    /// a · b + c + d as (high, low), like ``mulAdd(_:_:_:_:)`` but with its carries from
    /// ``addCarry(_:_:_:)`` (flags to words by a bit cast): in these loops (not unrolled)
    /// mulAdd's `flag ? 1 : 0` compiled to conditional jumps on the scalar (scripts/ct-check).
    @inline(__always)
    static func mulAddInLoop(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> (UInt64, UInt64) {
        let (high, low) = a.multipliedFullWidth(by: b)
        let (s, k1) = addCarry(low, c, 0)
        let (r, k2) = addCarry(s, d, 0)
        return (high &+ k1 &+ k2, r)
    }

    /// a - b modulo 2^256.
    @inline(__always)
    static func subtract(_ a: SIMD4<UInt64>, _ b: SIMD4<UInt64>) -> SIMD4<UInt64> {
        var r = SIMD4<UInt64>()
        var borrow: UInt64 = 0
        for i in 0..<4 { (r[i], borrow) = subBorrow(a[i], b[i], borrow) }
        return r
    }

    /// The absolute value of a two's complement number and its sign as a mask.
    @inline(__always)
    static func magnitude(_ v: SIMD4<UInt64>) -> (Scalar, UInt64) {
        let negative = 0 &- (v[3] >> 63)
        var r = SIMD4<UInt64>()
        var carry = negative & 1
        for i in 0..<4 { (r[i], carry) = addCarry(v[i] ^ negative, 0, carry) }
        return (Scalar(unchecked: r[0], r[1], r[2], r[3]), negative)
    }
}
