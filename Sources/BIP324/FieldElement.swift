/// An element of secp256k1's field, the integers modulo p = 2^256 - 2^32 - 977, in four
/// 64-bit limbs (least significant first), always reduced into 0..<p.
///
/// Arithmetic has no branches and no memory accesses that depend on the values (carries are
/// computed as 0/1 words from top bits and selections are masks), so it is constant time;
/// scripts/ct-check checks the release machine code for conditional jumps. Nothing here
/// allocates.
struct FieldElement: Equatable, Sendable {
    var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64

    @inline(__always)
    init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) {
        (self.l0, self.l1, self.l2, self.l3) = (l0, l1, l2, l3)
    }

    /// 2^256 mod p = 2^32 + 977: what a carry out of the top limb is worth.
    @usableFromInline static let c: UInt64 = 0x1_0000_03D1

    static let zero = FieldElement(0, 0, 0, 0)
    static let one = FieldElement(1, 0, 0, 0)
    static let seven = FieldElement(7, 0, 0, 0)
    /// p itself (not a reduced element; for range checks and tests).
    static let pLimbs: (UInt64, UInt64, UInt64, UInt64) =
        (0xFFFF_FFFE_FFFF_FC2F, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF)

    /// A small integer.
    init(_ value: UInt64) { self.init(value, 0, 0, 0) }

    /// The 32 big-endian bytes at `offset` in `bytes`, reduced modulo p.
    init(bigEndian bytes: [UInt8], at offset: Int = 0) {
        func limb(_ start: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in start..<(start + 8) { v = v << 8 | UInt64(bytes[offset + i]) }
            return v
        }
        self.init(limb(24), limb(16), limb(8), limb(0))
        self = normalized()
    }

    /// Whether the 32 big-endian bytes at `offset` are below p (a canonical element).
    static func isCanonical(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
        let raw = FieldElement(bigEndian: bytes, at: offset)
        return raw.bigEndian == Array(bytes[offset..<(offset + 32)])
    }

    /// The element as 32 big-endian bytes.
    var bigEndian: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for (index, limb) in [l3, l2, l1, l0].enumerated() {
            for byte in 0..<8 { out[index * 8 + byte] = UInt8(truncatingIfNeeded: limb >> (56 - 8 * byte)) }
        }
        return out
    }

    var isZero: Bool { (l0 | l1 | l2 | l3) == 0 }
    var isOdd: Bool { l0 & 1 == 1 }

    /// All ones when zero, else all zeros; without a branch.
    @inline(__always)
    var zeroMask: UInt64 { maskIfZero(l0 | l1 | l2 | l3) }

    /// `a` where `mask` is all ones, `b` where it is all zeros.
    @inline(__always)
    static func select(_ mask: UInt64, _ a: FieldElement, _ b: FieldElement) -> FieldElement {
        FieldElement(b.l0 ^ (mask & (a.l0 ^ b.l0)), b.l1 ^ (mask & (a.l1 ^ b.l1)),
                     b.l2 ^ (mask & (a.l2 ^ b.l2)), b.l3 ^ (mask & (a.l3 ^ b.l3)))
    }

    /// This value (any 256-bit number) reduced into 0..<p. p's upper three limbs are all
    /// ones, so the value is p or more exactly when its upper limbs are all ones and its
    /// lowest is at least p's, and then value - p is that lowest limb minus p's: no carry
    /// chain, only masks.
    @inline(__always)
    func normalized() -> FieldElement {
        let (d0, borrow) = subBorrow(l0, Self.pLimbs.0, 0)
        let atLeastP = maskIfZero(~(l1 & l2 & l3) | borrow)
        return Self.select(atLeastP, FieldElement(d0, 0, 0, 0), self)
    }

    /// (a + b mod 2^256, carry out): a chain of full words, which compiles to add/adc.
    @inline(__always)
    static func sum(_ a: FieldElement, _ b: FieldElement) -> (FieldElement, UInt64) {
        let (r0, c0) = addCarry(a.l0, b.l0, 0)
        let (r1, c1) = addCarry(a.l1, b.l1, c0)
        let (r2, c2) = addCarry(a.l2, b.l2, c1)
        let (r3, c3) = addCarry(a.l3, b.l3, c2)
        return (FieldElement(r0, r1, r2, r3), c3)
    }

    /// (a - b mod 2^256, borrow out): a chain of full words, which compiles to sub/sbb.
    @inline(__always)
    static func difference(_ a: FieldElement, _ b: FieldElement) -> (FieldElement, UInt64) {
        let (r0, b0) = subBorrow(a.l0, b.l0, 0)
        let (r1, b1) = subBorrow(a.l1, b.l1, b0)
        let (r2, b2) = subBorrow(a.l2, b.l2, b1)
        let (r3, b3) = subBorrow(a.l3, b.l3, b2)
        return (FieldElement(r0, r1, r2, r3), b3)
    }

    @inline(__always)
    static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        let (r, c3) = sum(a, b)
        // a + b < 2p: the answer is a + b - p (r - p modulo 2^256) on a carry out, or when
        // r - p does not borrow; else r. Subtracting p's limbs is a chain of full words.
        let (s, borrow) = difference(r, FieldElement(Self.pLimbs.0, Self.pLimbs.1, Self.pLimbs.2, Self.pLimbs.3))
        return select(0 &- (c3 | (borrow ^ 1)), s, r)
    }

    @inline(__always)
    static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        let (r, b3) = difference(a, b)
        // On a borrow add p (modulo 2^256), its limbs masked: a chain of full words.
        let m = 0 &- b3
        let p = FieldElement(Self.pLimbs.0 & m, Self.pLimbs.1 & m, Self.pLimbs.2 & m, Self.pLimbs.3 & m)
        return sum(r, p).0
    }

    @inline(__always)
    static prefix func - (a: FieldElement) -> FieldElement { .zero - a }

    @inline(__always)
    static func * (a: FieldElement, b: FieldElement) -> FieldElement { mul(a, b) }

    /// a / 2: a itself when even, else a + p (odd, so the sum is even), shifted right by one
    /// bit with the sum's carry out as the top bit. Constant time (the choice is a mask).
    @inline(__always)
    func halved() -> FieldElement {
        let odd = 0 &- (l0 & 1)
        let p = FieldElement(Self.pLimbs.0 & odd, Self.pLimbs.1 & odd, Self.pLimbs.2 & odd, Self.pLimbs.3 & odd)
        let (s, c3) = Self.sum(self, p)
        // (a + p) / 2 < p for a < p, so no reduction is needed.
        return FieldElement(s.l0 >> 1 | s.l1 << 63, s.l1 >> 1 | s.l2 << 63, s.l2 >> 1 | s.l3 << 63, s.l3 >> 1 | c3 << 63)
    }

    /// a · b for a small b (below 2^32).
    @inline(__always)
    func times(_ small: UInt64) -> FieldElement {
        let (h0, r0) = mulAdd(l0, small, 0, 0)
        let (h1, r1) = mulAdd(l1, small, h0, 0)
        let (h2, r2) = mulAdd(l2, small, h1, 0)
        let (h3, r3) = mulAdd(l3, small, h2, 0)
        // h3 < 2^32: fold h3 · 2^256 = h3 · (2^32 + 977).
        let (hi, lo) = h3.multipliedFullWidth(by: Self.c)
        let (s, c3) = Self.plusTwoWords(FieldElement(r0, r1, r2, r3), hi, lo)
        return s.plusCarryFold(c3).normalized()
    }

    /// The 512-bit product t0...t7 reduced modulo p.
    @inline(__always)
    static func reduce(_ t0: UInt64, _ t1: UInt64, _ t2: UInt64, _ t3: UInt64,
                       _ t4: UInt64, _ t5: UInt64, _ t6: UInt64, _ t7: UInt64) -> FieldElement {
        let (r, r4) = foldHigh(t0, t1, t2, t3, t4, t5, t6, t7)
        // X = r + r4 · (2^32 + 977) is below 2^256 + 2^67 < 2p, so X mod p is X or X - p, and
        // X >= p exactly when Z = r + (r4 + 1) · (2^32 + 977) = X + 2^256 - p carries out of
        // 2^256, Z - 2^256 being X - p. Both sums are computed side by side and the carry
        // only picks one: no step waits for another's carry.
        let (hi, lo) = r4.multipliedFullWidth(by: c)
        let (hiZ, loZ) = (r4 &+ 1).multipliedFullWidth(by: c)
        let (x, _) = plusTwoWords(r, hi, lo)
        let (z, zCarry) = plusTwoWords(r, hiZ, loZ)
        return select(0 &- zCarry, z, x)
    }

    /// The 512-bit product t0...t7 (any value) brought below 2^256 and congruent modulo p,
    /// but not always below p: only for ``squared(times:)``'s chain, whose multiplication
    /// takes any 256-bit operands.
    @inline(__always)
    static func reducePartially(_ t0: UInt64, _ t1: UInt64, _ t2: UInt64, _ t3: UInt64,
                       _ t4: UInt64, _ t5: UInt64, _ t6: UInt64, _ t7: UInt64) -> FieldElement {
        let (s, c3) = fold(t0, t1, t2, t3, t4, t5, t6, t7)
        return s.plusCarryFold(c3)
    }

    /// The 512-bit t0...t7 as s + carry · 2^256, congruent modulo p, carry 0 or 1.
    @inline(__always)
    static func fold(_ t0: UInt64, _ t1: UInt64, _ t2: UInt64, _ t3: UInt64,
                     _ t4: UInt64, _ t5: UInt64, _ t6: UInt64, _ t7: UInt64) -> (FieldElement, UInt64) {
        let (r, r4) = foldHigh(t0, t1, t2, t3, t4, t5, t6, t7)
        // Once more for r4 (below 2^34): its product is below 2^67.
        let (hi, lo) = r4.multipliedFullWidth(by: c)
        return plusTwoWords(r, hi, lo)
    }

    /// high · 2^256 = high · (2^32 + 977): t0...t7 as the 290-bit r4 · 2^256 + r.
    @inline(__always)
    static func foldHigh(_ t0: UInt64, _ t1: UInt64, _ t2: UInt64, _ t3: UInt64,
                         _ t4: UInt64, _ t5: UInt64, _ t6: UInt64, _ t7: UInt64) -> (FieldElement, UInt64) {
        let (h0, r0) = mulAdd(t4, c, t0, 0)
        let (h1, r1) = mulAdd(t5, c, t1, h0)
        let (h2, r2) = mulAdd(t6, c, t2, h1)
        let (r4, r3) = mulAdd(t7, c, t3, h2)
        return (FieldElement(r0, r1, r2, r3), r4)
    }

    /// (r + hi·2^64 + lo, carry out): two real additions, then the carry runs through limbs
    /// 2 and 3, which only take it: it reaches a limb when those below are all ones, so the
    /// carries into them come from masks (carry-lookahead) rather than a chain of additions
    /// of zero, which the compiler turned into conditional jumps. Subtracting a mask of all
    /// ones adds 1.
    @inline(__always)
    static func plusTwoWords(_ r: FieldElement, _ hi: UInt64, _ lo: UInt64) -> (FieldElement, UInt64) {
        let (s0, c0) = addCarry(r.l0, lo, 0)
        let (s1, c1) = addCarry(r.l1, hi, c0)
        let k2 = 0 &- c1, k3 = k2 & maskIfZero(~r.l2)
        return (FieldElement(s0, s1, r.l2 &- k2, r.l3 &- k3), k3 & maskIfZero(~r.l3) & 1)
    }

    /// The value plus 2^32 + 977 when `carry` (0 or 1) is 1: folding a carry out of 2^256 that
    /// ``plusTwoWords(_:_:_:)`` left after adding less than 2^67. Then the value wrapped
    /// below 2^67, so its limb 1 is below 8 and takes the carry from limb 0 without passing
    /// one on; limbs 2 and 3 are zero.
    @inline(__always)
    func plusCarryFold(_ carry: UInt64) -> FieldElement {
        let (u0, d0) = addCarry(l0, (0 &- carry) & Self.c, 0)
        return FieldElement(u0, l1 &+ d0, l2, l3)
    }

    @inline(__always)
    static func mul(_ a: FieldElement, _ b: FieldElement) -> FieldElement {
        let (t0, t1, t2, t3, t4, t5, t6, t7) = product(a, b)
        return reduce(t0, t1, t2, t3, t4, t5, t6, t7)
    }

    /// The 512-bit a · b (any 256-bit operands).
    @inline(__always)
    static func product(_ a: FieldElement, _ b: FieldElement)
        -> (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        // Schoolbook, one row per limb of a.
        var (c, t0) = mulAdd(a.l0, b.l0, 0, 0)
        var t1: UInt64, t2: UInt64, t3: UInt64, t4: UInt64, t5: UInt64, t6: UInt64, t7: UInt64
        (c, t1) = mulAdd(a.l0, b.l1, c, 0)
        (c, t2) = mulAdd(a.l0, b.l2, c, 0)
        (t4, t3) = mulAdd(a.l0, b.l3, c, 0)

        (c, t1) = mulAdd(a.l1, b.l0, t1, 0)
        (c, t2) = mulAdd(a.l1, b.l1, t2, c)
        (c, t3) = mulAdd(a.l1, b.l2, t3, c)
        (t5, t4) = mulAdd(a.l1, b.l3, t4, c)

        (c, t2) = mulAdd(a.l2, b.l0, t2, 0)
        (c, t3) = mulAdd(a.l2, b.l1, t3, c)
        (c, t4) = mulAdd(a.l2, b.l2, t4, c)
        (t6, t5) = mulAdd(a.l2, b.l3, t5, c)

        (c, t3) = mulAdd(a.l3, b.l0, t3, 0)
        (c, t4) = mulAdd(a.l3, b.l1, t4, c)
        (c, t5) = mulAdd(a.l3, b.l2, t5, c)
        (t7, t6) = mulAdd(a.l3, b.l3, t6, c)
        return (t0, t1, t2, t3, t4, t5, t6, t7)
    }

    /// a². The schoolbook product: a dedicated squaring (six cross products, doubled, plus
    /// four squares) measured slower here, 37 ns against 27, its shifts and carries costing
    /// more than the six multiplications it saves.
    @inline(__always)
    func squared() -> FieldElement { Self.mul(self, self) }

    /// self^(2^count), by repeated squaring. The intermediate squares stay below 2^256 but
    /// not necessarily below p (the multiplication does not need that), saving the final
    /// reduction step of each; the result is reduced once at the end.
    @inline(__always)
    func squared(times count: Int) -> FieldElement {
        var r = self
        for _ in 0..<count {
            let (t0, t1, t2, t3, t4, t5, t6, t7) = Self.product(r, r)
            r = Self.reducePartially(t0, t1, t2, t3, t4, t5, t6, t7)
        }
        return r.normalized()
    }
}

/// a + b + carry (carry 0 or 1), with the carry out as 0 or 1.
///
/// The overflow flags become words by a bit cast of the Bool (a zero-extension, no
/// control flow): `flag ? 1 : 0` is a branch in the compiler's intermediate code, which
/// the optimiser did not always flatten, and the release build had conditional jumps on
/// the carries (`add; jae; inc; jne`). Even with the cast, a chain that carries through a
/// limb of zero (x + 0 + carry) compiled to jumps (`adc $0; jb`), so the field code never
/// builds one: it adds p's limbs masked (full words) or, for carries into limbs that only
/// take a carry, uses masks (``FieldElement/plusTwoWords(_:_:_:)``). scripts/ct-check
/// checks the machine code.
@inline(__always)
func addCarry(_ a: UInt64, _ b: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
    let (s, o1) = a.addingReportingOverflow(b)
    let (r, o2) = s.addingReportingOverflow(carry)
    return (r, UInt64(unsafeBitCast(o1, to: UInt8.self) | unsafeBitCast(o2, to: UInt8.self)))
}

/// a - b - borrow (borrow 0 or 1), with the borrow out as 0 or 1; as ``addCarry(_:_:_:)``.
@inline(__always)
func subBorrow(_ a: UInt64, _ b: UInt64, _ borrow: UInt64) -> (UInt64, UInt64) {
    let (d, o1) = a.subtractingReportingOverflow(b)
    let (r, o2) = d.subtractingReportingOverflow(borrow)
    return (r, UInt64(unsafeBitCast(o1, to: UInt8.self) | unsafeBitCast(o2, to: UInt8.self)))
}

/// All ones when x is zero, else zero: x | -x has its top bit set exactly when x is not
/// zero, and an arithmetic shift of its complement spreads that bit. No comparison the
/// compiler could turn into a jump.
@inline(__always)
func maskIfZero(_ x: UInt64) -> UInt64 {
    UInt64(bitPattern: Int64(bitPattern: ~(x | (0 &- x))) >> 63)
}

/// a · b + c + d as (high, low); it cannot overflow 128 bits.
///
/// The two flags go straight into the high word, which compiles to `add; adc` with no
/// jump (scripts/ct-check). (Built on ``addCarry(_:_:_:)`` instead, it also had no jump,
/// but the compiler then inlined the squaring loops and the scalar's bit reading
/// differently across the ladders; this is the form checked and measured.)
@inline(__always)
func mulAdd(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> (UInt64, UInt64) {
    let (high, low) = a.multipliedFullWidth(by: b)
    let (s, k1) = low.addingReportingOverflow(c)
    let (r, k2) = s.addingReportingOverflow(d)
    return (high &+ (k1 ? 1 : 0) &+ (k2 ? 1 : 0), r)
}
