/// k·P for a secret k and a public P: the x-only ECDH of BIP324.
///
/// Fixed 4-bit windows from the top: four doublings and one addition per window, whatever
/// the scalar. The addend is read from a 16-entry table by touching every entry and keeping
/// the wanted one with a mask, and the two special cases (the accumulator still at infinity
/// while the scalar's leading windows are zero; a zero window) are resolved by masked
/// selection after the addition, so neither time nor memory access depends on the scalar.
/// The other special cases cannot occur: before adding window value d the accumulator is
/// m·P with 16 <= m and m + d <= k < n, so it is never ±d·P.
enum PointMultiplication {
    /// x(k·P) for either point P with X coordinate x (which must be on the curve), without
    /// computing P's Y: with g = x³ + 7, the point (g·x, g²) lies on y² = x³ + 7g³, which
    /// is isomorphic to secp256k1 by (X, Y) ↦ (X/g, Y/g^(3/2)), and the point formulas do not
    /// involve the curve's constant. So x(k·P) = X'/(Z'² g) for k·(g·x, g²) = (X', Y', Z'),
    /// and no square root is needed.
    static func multiply(x: FieldElement, by k: Scalar) -> FieldElement {
        multiply(x: x, over: .one, by: k)
    }

    /// x(k·P) for X coordinate x = numerator / denominator (denominator not zero), without
    /// inverting the denominator: with G = N³ + 7D³ and h = G·D (g·D⁴, a square as g is),
    /// the point (G·N, G²) lies on y² = x³ + 7h³, isomorphic to secp256k1 by
    /// (X, Y) ↦ (X/h, Y/h^(3/2)), and maps to a point with X coordinate N/D.
    static func multiply(x numerator: FieldElement, over denominator: FieldElement, by k: Scalar) -> FieldElement {
        let d2 = denominator.squared()
        let g = numerator.squared() * numerator + (d2 * denominator).times(7)
        let h = g * denominator
        let product = multiplyWithEndomorphism(AffinePoint(x: g * numerator, y: g.squared()), by: k)
        return product.x * (product.z.squared() * h).inverse()
    }

    static func multiply(_ p: AffinePoint, by k: Scalar) -> JacobianPoint {
        // table[d] = d·P for d in 1...15; table[0] is a placeholder that is never kept.
        var table = [JacobianPoint](repeating: JacobianPoint(p), count: 16)
        table[2] = table[1].doubled()
        for d in 3..<16 { table[d] = table[d - 1].addingDistinct(p) }

        var acc = JacobianPoint.infinity
        var accIsInfinity: UInt64 = ~0
        for index in stride(from: 63, through: 0, by: -1) {
            if index != 63 { acc = acc.doubled().doubled().doubled().doubled() }
            let d = k.window(index)
            var addend = table[0]
            for candidate in 1..<16 {
                addend = .select(equalMask(UInt64(candidate), d), table[candidate], addend)
            }
            let sum = acc.addingDistinct(addend)
            let dIsZero = equalMask(d, 0)
            acc = .select(dIsZero, acc, .select(accIsInfinity, addend, sum))
            accIsInfinity &= dIsZero
        }
        return acc
    }

    /// k·P as k1·P + k2·(λ·P) (``Endomorphism``): one ladder over 27 signed 5-bit digits of
    /// both halves, five doublings and two additions per digit, constant time as
    /// ``multiply(_:by:)`` is (every table entry read, signs applied and special cases
    /// resolved with masks). The table of d·P (d = 1...16) serves both halves: λ·(x, y) is
    /// (β·x, y).
    ///
    /// The digits: each half (below 2^132) is rewritten as the sum of d_i·32^i, i in 0..<27,
    /// with d_i in -15...16, from its 5-bit windows w_i and the carry c_i from the window
    /// below: v = w_i + c_i (0...32) becomes v - 32 with a carry of 1 above 16, else stays v
    /// with none; the top digit (bits 130...134, all but two zero) never carries. All with
    /// masks. A digit's sign and its half's sign together choose the entry's sign.
    ///
    /// The table's entries are brought to one common Z (from the ratios of the Z of
    /// successive entries, no inversion) and then taken as affine points on the isomorphic
    /// curve y² = x³ + 7Z⁶, (x, y) ↦ (x·Z², y·Z³); the ladder runs there with the cheaper
    /// mixed additions (the formulas do not involve the curve's constant), and the result
    /// comes back by multiplying its Z by that common Z.
    ///
    /// Here the accumulator is a·P + b·λ·P with |a| and |b| below 2^135, and for a handful of
    /// scalars (lattice points in that range, against 2^256 scalars) it could meet ±addend,
    /// which the general addition gets wrong, or be infinity while digits so far are not all
    /// zero. Such an addition gives Z = 0; that is recorded with a mask, and only then, at the
    /// end, is the product redone the plain way: the one branch on the secret, taken with
    /// negligible probability.
    static func multiplyWithEndomorphism(_ p: AffinePoint, by k: Scalar) -> JacobianPoint {
        let (k1, negative1, k2, negative2) = Endomorphism.split(k)
        // d·P in Jacobian coordinates, with ratios[d] = Z(d·P) / Z((d - 1)·P).
        var jacobian = [JacobianPoint](repeating: JacobianPoint(p), count: 17)
        var ratios = [FieldElement](repeating: .one, count: 17)
        jacobian[2] = jacobian[1].doubled()
        ratios[2] = p.y  // Z(2P) / Z(P) = Y, see ``JacobianPoint/doubled()``
        for d in 3..<17 { (jacobian[d], ratios[d]) = jacobian[d - 1].addingDistinctWithRatio(p) }
        // Each entry to the common Z = Z(16·P): scaled by r = Z(16·P) / Z(d·P).
        let commonZ = jacobian[16].z
        var table = [AffinePoint](repeating: p, count: 17)
        var r = FieldElement.one
        for d in stride(from: 16, through: 1, by: -1) {
            let r2 = r.squared()
            table[d] = AffinePoint(x: jacobian[d].x * r2, y: jacobian[d].y * r2 * r)
            r = r * ratios[d]
        }
        table[0] = table[1]

        // The digits as (magnitude, sign mask), least significant first.
        let windows = 27
        var digits1 = [(UInt64, UInt64)](repeating: (0, 0), count: windows)
        var digits2 = digits1
        var carry1: UInt64 = 0
        var carry2: UInt64 = 0
        for index in 0..<windows {
            (digits1[index], carry1) = signedDigit(k1.bits(at: 5 * index, count: 5) &+ carry1)
            (digits2[index], carry2) = signedDigit(k2.bits(at: 5 * index, count: 5) &+ carry2)
        }

        var acc = JacobianPoint.infinity
        var accIsInfinity: UInt64 = ~0
        var degenerate: UInt64 = 0
        @inline(__always)
        func add(_ addend: AffinePoint, window d: UInt64) {
            let sum = acc.addingDistinct(addend)
            let dIsZero = equalMask(d, 0)
            degenerate |= sum.z.zeroMask & ~dIsZero & ~accIsInfinity
            acc = .select(dIsZero, acc, .select(accIsInfinity, JacobianPoint(addend), sum))
            accIsInfinity &= dIsZero
        }
        table.withUnsafeBufferPointer { table in
            for index in stride(from: windows - 1, through: 0, by: -1) {
                if index != windows - 1 { acc = acc.doubled().doubled().doubled().doubled().doubled() }
                let (d1, sign1) = digits1[index]
                let (d2, sign2) = digits2[index]
                var e1 = table[0]
                var e2 = table[0]
                for candidate in 1..<17 {
                    let m1 = equalMask(UInt64(candidate), d1)
                    let m2 = equalMask(UInt64(candidate), d2)
                    let entry = table[candidate]
                    e1 = AffinePoint(x: .select(m1, entry.x, e1.x), y: .select(m1, entry.y, e1.y))
                    e2 = AffinePoint(x: .select(m2, entry.x, e2.x), y: .select(m2, entry.y, e2.y))
                }
                e1.y = .select(negative1 ^ sign1, -e1.y, e1.y)
                e2.y = .select(negative2 ^ sign2, -e2.y, e2.y)
                e2.x = e2.x * Endomorphism.beta
                add(e1, window: d1)
                add(e2, window: d2)
            }
        }
        if degenerate != 0 { return multiply(p, by: k) }
        acc.z = acc.z * commonZ
        return acc
    }

    /// A window value v (0...32, the window plus the carry from below) as a signed 5-bit
    /// digit: ((magnitude, sign mask), carry out). Above 16 the digit is v - 32, negative,
    /// with a carry of 1. No branch.
    @inline(__always)
    static func signedDigit(_ v: UInt64) -> ((UInt64, UInt64), UInt64) {
        let carry = (16 &- v) >> 63
        let negative = 0 &- carry
        let magnitude = v ^ (negative & (v ^ (32 &- v)))
        return ((magnitude, negative), carry)
    }
}
