/// A secret scalar for secp256k1: an integer in 1..<n, n the group order, in four 64-bit
/// limbs (least significant first). Only what the key work needs: the range check and the
/// 4-bit windows the multiplications walk.
struct Scalar: Sendable {
    var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64

    /// The group order n, most significant limb first.
    static let nLimbs: [UInt64] = [0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFE, 0xBAAE_DCE6_AF48_A03B, 0xBFD2_5E8C_D036_4141]

    /// The 32 big-endian bytes at `offset` in `bytes`, or nil unless they are in 1..<n.
    init?(bigEndian bytes: [UInt8], at offset: Int = 0) {
        guard bytes.count >= offset + 32 else { return nil }
        var limbs = [UInt64](repeating: 0, count: 4)
        for i in 0..<32 { limbs[i / 8] = limbs[i / 8] << 8 | UInt64(bytes[offset + i]) }
        // Range: below n (compared most significant limb first), and not zero.
        var below = false
        for (limb, nLimb) in zip(limbs, Self.nLimbs) where limb != nLimb {
            below = limb < nLimb
            break
        }
        if !below || limbs.allSatisfy({ $0 == 0 }) { return nil }
        (l3, l2, l1, l0) = (limbs[0], limbs[1], limbs[2], limbs[3])
    }

    /// Limbs taken as they are (the endomorphism's half-size parts, which may be zero).
    init(unchecked l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) {
        (self.l0, self.l1, self.l2, self.l3) = (l0, l1, l2, l3)
    }

    /// Bits 4·index ..< 4·index + 4, for index in 0..<64. The index is public; the value is
    /// read without a branch on it.
    @inline(__always)
    func window(_ index: Int) -> UInt64 {
        let limb: UInt64
        switch index >> 4 {
        case 0: limb = l0
        case 1: limb = l1
        case 2: limb = l2
        default: limb = l3
        }
        return (limb >> UInt64(4 * (index & 15))) & 15
    }

    /// Bits position ..< position + count (count at most 63) as a number, zeros above bit 255.
    /// The position is public; the value is read without a branch on it.
    @inline(__always)
    func bits(at position: Int, count: Int) -> UInt64 {
        let limbs = (l0, l1, l2, l3, UInt64(0))
        func limb(_ i: Int) -> UInt64 {
            switch i {
            case 0: limbs.0
            case 1: limbs.1
            case 2: limbs.2
            case 3: limbs.3
            default: limbs.4
            }
        }
        let word = position >> 6
        let shift = UInt64(position & 63)
        let low = limb(word) >> shift
        // The next word's bits, when the window crosses into it (a shift by 64 would be 0).
        let high = shift == 0 ? 0 : limb(word + 1) << (64 - shift)
        return (low | high) & ((1 << UInt64(count)) - 1)
    }
}

/// All ones when a == b, else zero; without a branch.
///
/// ``maskIfZero(_:)`` of a ^ b. (The form with a logical shift and a
/// subtraction of 1 let the compiler see a comparison: the table scans of
/// ``GeneratorTable/multiply(_:)`` and ``PointMultiplication/multiply(_:by:)`` became a
/// loop comparing each candidate with the secret window and loading only the entry that
/// matched, a branch and a memory access on the secret; found by scripts/ct-check.)
@inline(__always)
func equalMask(_ a: UInt64, _ b: UInt64) -> UInt64 {
    maskIfZero(a ^ b)
}
