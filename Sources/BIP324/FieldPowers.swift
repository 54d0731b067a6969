/// Inverse and square root as fixed powers, each by one addition chain (255 squarings and
/// a dozen multiplications), so they take the same time for every input.
///
/// Both exponents start with 223 one bits then a zero: p - 2 and (p + 1) / 4 are
///   p - 2       = [223 ones] 0 [22 ones] 0000101101
///   (p + 1) / 4 = [223 ones] 0 [22 ones] 00001100   (it has two bits fewer)
/// so they share the powers a^(2^k - 1) written xk below.
extension FieldElement {
    /// (a^(2^223 - 1) · 2^23 + (2^22 - 1)), with x2 for the tails.
    @inline(__always)
    private func commonPrefix() -> (prefix: FieldElement, x2: FieldElement) {
        let x2 = squared() * self
        let x3 = x2.squared() * self
        let x6 = x3.squared(times: 3) * x3
        let x9 = x6.squared(times: 3) * x3
        let x11 = x9.squared(times: 2) * x2
        let x22 = x11.squared(times: 11) * x11
        let x44 = x22.squared(times: 22) * x22
        let x88 = x44.squared(times: 44) * x44
        let x176 = x88.squared(times: 88) * x88
        let x220 = x176.squared(times: 44) * x44
        let x223 = x220.squared(times: 3) * x3
        return (x223.squared(times: 23) * x22, x2)
    }

    /// 1/a = a^(p - 2); zero for zero. Constant time but about twice as slow as the
    /// divsteps of ``inverse()``; kept as a second, independent inversion for the tests.
    func inverseByFermat() -> FieldElement {
        let (t, x2) = commonPrefix()
        // Tail 0000101101: 00001, 011, 01.
        return ((t.squared(times: 5) * self).squared(times: 3) * x2).squared(times: 2) * self
    }

    /// a^((p + 1) / 4), which is a square root of a exactly when a is a square (and is itself
    /// a square: BIP324's choice of root). Zero for zero.
    func sqrtCandidate() -> FieldElement {
        let (t, x2) = commonPrefix()
        // Tail 00001100: 000011, 00.
        return (t.squared(times: 6) * x2).squared(times: 2)
    }

    /// The square root BIP324 uses, or nil when a is not a square.
    func squareRoot() -> FieldElement? {
        let r = sqrtCandidate()
        return r.squared() == self ? r : nil
    }

    /// Whether a is a square modulo p (zero counts as one).
    var isSquare: Bool { sqrtCandidate().squared() == self }

    /// x³ + 7.
    var curveRHS: FieldElement { squared() * self + .seven }
}
