/// A signed integer of up to 310 bits for the divsteps inversion (``FieldElement/inverseConstantTime()``):
/// v0 + v1·2^62 + v2·2^124 + v3·2^186 + v4·2^248, with v0...v3 in 0..<2^62 and v4 signed.
/// The operations have no branches on the values. Nothing allocates.
struct Limbs62 {
    var v0: Int64, v1: Int64, v2: Int64, v3: Int64, v4: Int64

    static let mask: Int64 = (1 << 62) - 1

    @inline(__always)
    init(_ v0: Int64, _ v1: Int64, _ v2: Int64, _ v3: Int64, _ v4: Int64) {
        (self.v0, self.v1, self.v2, self.v3, self.v4) = (v0, v1, v2, v3, v4)
    }

    static let zero = Limbs62(0, 0, 0, 0, 0)
    static let one = Limbs62(1, 0, 0, 0, 0)
    /// p = 2^256 - 2^32 - 977.
    static let p = Limbs62(0x3FFF_FFFE_FFFF_FC2F, mask, mask, mask, 0xFF)
    /// 1/p modulo 2^64.
    static let pInverse: UInt64 = 0x27C7_F6E2_2DDA_CACF

    /// A field element's value (below 2^256, so v4 below 2^8).
    @inline(__always)
    init(_ a: FieldElement) {
        let m = UInt64(bitPattern: Self.mask)
        self.init(Int64(bitPattern: a.l0 & m),
                  Int64(bitPattern: (a.l0 >> 62 | a.l1 << 2) & m),
                  Int64(bitPattern: (a.l1 >> 60 | a.l2 << 4) & m),
                  Int64(bitPattern: (a.l2 >> 58 | a.l3 << 6) & m),
                  Int64(bitPattern: a.l3 >> 56))
    }

    /// The value as a field element, for a value in 0..<p.
    @inline(__always)
    var fieldElement: FieldElement {
        let (w0, w1, w2, w3, w4) = (UInt64(bitPattern: v0), UInt64(bitPattern: v1), UInt64(bitPattern: v2),
                                    UInt64(bitPattern: v3), UInt64(bitPattern: v4))
        return FieldElement(w0 | w1 << 62, w1 >> 2 | w2 << 60, w2 >> 4 | w3 << 58, w3 >> 6 | w4 << 56)
    }

    var isZero: Bool { (v0 | v1 | v2 | v3 | v4) == 0 }

    /// (f, g) ← ((u·f + v·g) / 2^62, (q·f + r·g) / 2^62): the divisions are exact for the
    /// matrix of a batch of divsteps on f and g.
    @inline(__always)
    static func apply(_ m: Transition, _ f: inout Limbs62, _ g: inout Limbs62) {
        var af = Accumulator(m.u, f.v0, m.v, g.v0)
        var ag = Accumulator(m.q, f.v0, m.r, g.v0)
        af.shift()
        ag.shift()
        let (f1, g1) = (f.v1, g.v1), (f2, g2) = (f.v2, g.v2), (f3, g3) = (f.v3, g.v3), (f4, g4) = (f.v4, g.v4)
        af.add(m.u, f1, m.v, g1); ag.add(m.q, f1, m.r, g1)
        f.v0 = af.low62; g.v0 = ag.low62; af.shift(); ag.shift()
        af.add(m.u, f2, m.v, g2); ag.add(m.q, f2, m.r, g2)
        f.v1 = af.low62; g.v1 = ag.low62; af.shift(); ag.shift()
        af.add(m.u, f3, m.v, g3); ag.add(m.q, f3, m.r, g3)
        f.v2 = af.low62; g.v2 = ag.low62; af.shift(); ag.shift()
        af.add(m.u, f4, m.v, g4); ag.add(m.q, f4, m.r, g4)
        f.v3 = af.low62; g.v3 = ag.low62; af.shift(); ag.shift()
        f.v4 = af.top
        g.v4 = ag.top
    }

    /// (d, e) ← ((u·d + v·e) / 2^62, (q·d + r·e) / 2^62) modulo p, for d and e in 0..<p,
    /// with results in 0..<p: p times md (and me) in 0..<2^62 is added first to make the sum
    /// divisible, md = -(u·d + v·e)/p modulo 2^62. The quotient is then above -p and below
    /// 2p (|u| + |v| <= 2^62), and is brought into range by masked corrections.
    @inline(__always)
    static func applyModP(_ m: Transition, _ d: inout Limbs62, _ e: inout Limbs62) {
        let lowD = UInt64(bitPattern: m.u &* d.v0 &+ m.v &* e.v0)
        let lowE = UInt64(bitPattern: m.q &* d.v0 &+ m.r &* e.v0)
        let md = Int64(bitPattern: (0 &- lowD &* pInverse) & UInt64(bitPattern: mask))
        let me = Int64(bitPattern: (0 &- lowE &* pInverse) & UInt64(bitPattern: mask))
        var ad = Accumulator(m.u, d.v0, m.v, e.v0)
        var ae = Accumulator(m.q, d.v0, m.r, e.v0)
        ad.add(md, p.v0); ae.add(me, p.v0)
        ad.shift(); ae.shift()
        let (d1, e1) = (d.v1, e.v1), (d2, e2) = (d.v2, e.v2), (d3, e3) = (d.v3, e.v3), (d4, e4) = (d.v4, e.v4)
        ad.add(m.u, d1, m.v, e1); ae.add(m.q, d1, m.r, e1)
        ad.add(md, p.v1); ae.add(me, p.v1)
        d.v0 = ad.low62; e.v0 = ae.low62; ad.shift(); ae.shift()
        ad.add(m.u, d2, m.v, e2); ae.add(m.q, d2, m.r, e2)
        ad.add(md, p.v2); ae.add(me, p.v2)
        d.v1 = ad.low62; e.v1 = ae.low62; ad.shift(); ae.shift()
        ad.add(m.u, d3, m.v, e3); ae.add(m.q, d3, m.r, e3)
        ad.add(md, p.v3); ae.add(me, p.v3)
        d.v2 = ad.low62; e.v2 = ae.low62; ad.shift(); ae.shift()
        ad.add(m.u, d4, m.v, e4); ae.add(m.q, d4, m.r, e4)
        ad.add(md, p.v4); ae.add(me, p.v4)
        d.v3 = ad.low62; e.v3 = ae.low62; ad.shift(); ae.shift()
        d.v4 = ad.top
        e.v4 = ae.top
        d.reduceFromAboveMinusPBelow2P()
        e.reduceFromAboveMinusPBelow2P()
    }

    /// self + sign·p where `mask` is all ones (self unchanged where it is zero), limb by limb
    /// with the carries (or borrows, as -1) propagated by arithmetic shifts. `sign` is 1 or -1.
    @inline(__always)
    mutating func addP(_ mask: Int64, sign: Int64) {
        var c = v0 &+ sign &* (Self.p.v0 & mask)
        v0 = c & Self.mask
        c = v1 &+ sign &* (Self.p.v1 & mask) &+ (c >> 62)
        v1 = c & Self.mask
        c = v2 &+ sign &* (Self.p.v2 & mask) &+ (c >> 62)
        v2 = c & Self.mask
        c = v3 &+ sign &* (Self.p.v3 & mask) &+ (c >> 62)
        v3 = c & Self.mask
        v4 = v4 &+ sign &* (Self.p.v4 & mask) &+ (c >> 62)
    }

    /// A value in -p..<2p (limbs v0...v3 in range) brought into 0..<p.
    @inline(__always)
    mutating func reduceFromAboveMinusPBelow2P() {
        // Negative: add p.
        addP(v4 >> 63, sign: 1)
        // Now 0..<2p: subtract p, and add it back when that went negative.
        addP(-1, sign: -1)
        addP(v4 >> 63, sign: 1)
    }
}

/// A signed 128-bit sum of products of 64-bit signed numbers, as (high, low) words.
struct Accumulator {
    var low: UInt64
    var high: Int64

    @inline(__always)
    init(_ a: Int64, _ b: Int64, _ c: Int64, _ d: Int64) {
        (high, low) = (0, 0)
        add(a, b)
        add(c, d)
    }

    /// self += a·b.
    @inline(__always)
    mutating func add(_ a: Int64, _ b: Int64) {
        let (h, l) = a.multipliedFullWidth(by: b)
        let (s, overflow) = low.addingReportingOverflow(l)
        low = s
        high = high &+ h &+ (overflow ? 1 : 0)
    }

    /// self += a·b + c·d.
    @inline(__always)
    mutating func add(_ a: Int64, _ b: Int64, _ c: Int64, _ d: Int64) {
        add(a, b)
        add(c, d)
    }

    /// The low 62 bits.
    @inline(__always)
    var low62: Int64 { Int64(bitPattern: low) & Limbs62.mask }

    /// self >>= 62, rounding toward minus infinity.
    @inline(__always)
    mutating func shift() {
        low = low >> 62 | UInt64(bitPattern: high) << 2
        high >>= 62
    }

    /// The value as one signed word (it must fit).
    @inline(__always)
    var top: Int64 { Int64(bitPattern: low) }
}
