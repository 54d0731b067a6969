/// A point of secp256k1 (y² = x³ + 7) other than infinity, in affine coordinates.
struct AffinePoint: Sendable, Equatable {
    var x: FieldElement
    var y: FieldElement

    /// The generator G.
    static let generator = AffinePoint(
        x: FieldElement(0x59F2_815B_16F8_1798, 0x029B_FCDB_2DCE_28D9, 0x55A0_6295_CE87_0B07, 0x79BE_667E_F9DC_BBAC),
        y: FieldElement(0x9C47_D08F_FB10_D4B8, 0xFD17_B448_A685_5419, 0x5DA4_FBFC_0E11_08A8, 0x483A_DA77_26A3_C465))

    /// The point with X coordinate x and a Y coordinate that is BIP324's square root of
    /// x³ + 7 (either sign gives the same x-only results), or nil when x is not on the curve.
    static func lift(x: FieldElement) -> AffinePoint? {
        x.curveRHS.squareRoot().map { AffinePoint(x: x, y: $0) }
    }

    var isOnCurve: Bool { y.squared() == x.curveRHS }
}

/// A point in Jacobian coordinates: (X, Y, Z) stands for (X/Z², Y/Z³); Z = 0 is infinity.
struct JacobianPoint: Sendable {
    var x: FieldElement
    var y: FieldElement
    var z: FieldElement

    static let infinity = JacobianPoint(x: .one, y: .one, z: .zero)

    init(x: FieldElement, y: FieldElement, z: FieldElement) {
        (self.x, self.y, self.z) = (x, y, z)
    }

    init(_ p: AffinePoint) { self.init(x: p.x, y: p.y, z: .one) }

    var isInfinity: Bool { z.isZero }

    /// `a` where `mask` is all ones, `b` where it is zero; without a branch.
    @inline(__always)
    static func select(_ mask: UInt64, _ a: JacobianPoint, _ b: JacobianPoint) -> JacobianPoint {
        JacobianPoint(x: .select(mask, a.x, b.x), y: .select(mask, a.y, b.y), z: .select(mask, a.z, b.z))
    }

    /// 2P (secp256k1 has no point of order 2, so only infinity doubles to infinity, and it
    /// does so here as Z stays zero). 3M + 3S and a halving: with the slope's numerator taken
    /// as L = 3X²/2 (the point scaled by 1/2, which Jacobian coordinates allow), the sum is
    ///   Z3 = Y·Z,  S = Y²,  T = -X·S,  X3 = L² + 2T,  Y3 = -(L·(X3 + T) + S²),
    /// (x3 = m² - 2x and y3 = m(x - x3) - y for m = 3x²/2y, multiplied out). So Z(2P) / Z(P)
    /// is Y.
    @inline(__always)
    func doubled() -> JacobianPoint {
        let xx = x.squared()
        let l = (xx + xx + xx).halved()
        let s = y.squared()
        let t = -(x * s)
        let x3 = l.squared() + (t + t)
        let y3 = -(l * (x3 + t) + s.squared())
        return JacobianPoint(x: x3, y: y3, z: y * z)
    }

    // None of these formulas uses the curve's b (7): they work as well on y² = x³ + b' for
    // any b', which the x-only multiplication relies on.

    /// P + Q by the general formula alone: wrong when either is infinity or P = ±Q. 12M + 4S.
    @inline(__always)
    func addingDistinct(_ q: JacobianPoint) -> JacobianPoint {
        let z1z1 = z.squared()
        let z2z2 = q.z.squared()
        let u1 = x * z2z2
        let s1 = y * q.z * z2z2
        return finish(u1: u1, s1: s1, h: q.x * z1z1 - u1, r: q.y * z * z1z1 - s1, z: z * q.z)
    }

    /// P + Q for an affine Q, by the general formula alone: wrong when P is infinity or
    /// P = ±Q. 8M + 3S.
    @inline(__always)
    func addingDistinct(_ q: AffinePoint) -> JacobianPoint {
        let z1z1 = z.squared()
        return finish(u1: x, s1: y, h: q.x * z1z1 - x, r: q.y * z * z1z1 - y, z: z)
    }

    /// ``addingDistinct(_:)-(AffinePoint)`` with H, the ratio of the sum's Z to this Z.
    @inline(__always)
    func addingDistinctWithRatio(_ q: AffinePoint) -> (JacobianPoint, FieldElement) {
        let z1z1 = z.squared()
        let h = q.x * z1z1 - x
        return (finish(u1: x, s1: y, h: h, r: q.y * z * z1z1 - y, z: z), h)
    }

    /// The shared end of the additions: H = U2 - U1, R = S2 - S1, z = Z1·Z2.
    @inline(__always)
    private func finish(u1: FieldElement, s1: FieldElement, h: FieldElement, r: FieldElement, z: FieldElement) -> JacobianPoint {
        let hh = h.squared()
        let hhh = h * hh
        let v = u1 * hh
        let x3 = r.squared() - hhh - (v + v)
        return JacobianPoint(x: x3, y: r * (v - x3) - s1 * hhh, z: z * h)
    }

    /// P + Q for any P and Q, infinity and doubling included. Branches on the points: only
    /// for public ones.
    static func + (p: JacobianPoint, q: JacobianPoint) -> JacobianPoint {
        if p.isInfinity { return q }
        if q.isInfinity { return p }
        let z1z1 = p.z.squared()
        let z2z2 = q.z.squared()
        let h = q.x * z1z1 - p.x * z2z2
        let r = q.y * p.z * z1z1 - p.y * q.z * z2z2
        if h.isZero { return r.isZero ? p.doubled() : .infinity }
        return p.addingDistinct(q)
    }

    /// The affine point, or nil at infinity.
    var affine: AffinePoint? {
        if isInfinity { return nil }
        let zInverse = z.inverse()
        let zInverse2 = zInverse.squared()
        return AffinePoint(x: x * zInverse2, y: y * zInverse2 * zInverse)
    }

    /// X/Z² alone (zero at infinity): one inversion and two multiplications.
    var affineX: FieldElement { x * z.inverse().squared() }

    /// The affine forms of `points`, none of which may be infinity, with one inversion
    /// (Montgomery's trick: invert the product of all Z, then peel off one Z at a time).
    static func batchAffine(_ points: [JacobianPoint]) -> [AffinePoint] {
        guard !points.isEmpty else { return [] }
        var prefix = [FieldElement](repeating: .one, count: points.count)
        var product = FieldElement.one
        for (i, p) in points.enumerated() {
            prefix[i] = product
            product = product * p.z
        }
        var inverse = product.inverse()
        var out = [AffinePoint](repeating: .generator, count: points.count)
        for i in stride(from: points.count - 1, through: 0, by: -1) {
            let zInverse = inverse * prefix[i]
            inverse = inverse * points[i].z
            let zInverse2 = zInverse.squared()
            out[i] = AffinePoint(x: points[i].x * zInverse2, y: points[i].y * zInverse2 * zInverse)
        }
        return out
    }
}
