/// ElligatorSwift for secp256k1 X coordinates, as BIP324 specifies it ("ElligatorSwift
/// encoding of curve X coordinates"): every 64 bytes decode to a valid X coordinate, and
/// encodings sampled with ``encode(x:)`` are indistinguishable from random bytes.
///
/// Numbers are 32 big-endian bytes. None of this is constant time; the BIP does not ask for
/// it, as no secret goes through these functions (a public key's X coordinate does). So the
/// variable-time inversion and square test are used throughout: every value they see is a
/// function of the public X coordinate, of the encoding sent or received, or of the random u
/// that becomes half of the encoding on the wire.
public enum ElligatorSwift {
    /// The X coordinate (32 bytes) that a 64-byte encoding `u || t` decodes to.
    public static func decode(_ encoding: [UInt8]) throws(BIP324Error) -> [UInt8] {
        try BIP324Error.check(encoding, "ellswift", 64)
        return decodeX(encoding).bigEndian
    }

    /// XSwiftEC(u, t): the X coordinate that the field elements u and t (reduced mod p) map to.
    public static func xSwiftEC(u: [UInt8], t: [UInt8]) throws(BIP324Error) -> [UInt8] {
        try BIP324Error.check(u, "u", 32)
        try BIP324Error.check(t, "t", 32)
        return xSwiftEC(FieldElement(bigEndian: u), FieldElement(bigEndian: t)).bigEndian
    }

    /// XSwiftECInv(x, u, case): the t with XSwiftEC(u, t) = x for this case (0...7), or nil
    /// when this case has none.
    public static func xSwiftECInv(x: [UInt8], u: [UInt8], case branch: Int) throws(BIP324Error) -> [UInt8]? {
        try BIP324Error.check(x, "x", 32)
        try BIP324Error.check(u, "u", 32)
        return xSwiftECInv(FieldElement(bigEndian: x), FieldElement(bigEndian: u), branch & 7)?.bigEndian
    }

    /// XElligatorSwift(x): a uniformly sampled 64-byte encoding `u || t` of the X coordinate
    /// `x` (which must be on the curve), with fresh randomness from `rng`.
    public static func encode<R: RandomNumberGenerator>(x: [UInt8], using rng: inout R) throws(BIP324Error) -> [UInt8] {
        try BIP324Error.check(x, "x", 32)
        return encode(FieldElement(bigEndian: x), using: &rng)
    }

    /// ``encode(x:using:)`` with the system's cryptographic random number generator.
    public static func encode(x: [UInt8]) throws(BIP324Error) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return try encode(x: x, using: &rng)
    }

    // MARK: On field elements

    /// c = √-3 mod p, the square one (BIP324, "ElligatorSwift encoding").
    static let c = FieldElement(0x7D8D_27AE_1CD5_F852, 0xC61F_6D15_DA14_ECD4, 0x2337_70C2_A797_962C, 0x0A2D_2BA9_3507_F1DF)
    /// 1/2 = (p + 1) / 2.
    static let half = FieldElement(0xFFFF_FFFF_7FFF_FE18, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF)

    /// The X coordinate an encoding (64 bytes, checked by the caller) decodes to.
    static func decodeX(_ encoding: [UInt8]) -> FieldElement {
        let (numerator, denominator) = decodeFraction(encoding)
        return numerator * denominator.inverseVariableTime()
    }

    /// The X coordinate an encoding decodes to as a fraction numerator / denominator (the
    /// denominator not zero), without an inversion: the ECDH takes it as it is.
    static func decodeFraction(_ encoding: [UInt8]) -> (FieldElement, FieldElement) {
        xSwiftECFraction(FieldElement(bigEndian: encoding, at: 0), FieldElement(bigEndian: encoding, at: 32))
    }

    static func xSwiftEC(_ u: FieldElement, _ t: FieldElement) -> FieldElement {
        let (numerator, denominator) = xSwiftECFraction(u, t)
        return numerator * denominator.inverseVariableTime()
    }

    /// XSwiftEC(u, t) as a fraction N / D. With g = u³ + 7, N' = g - t², M = g + t² (not
    /// zero, by the adjustment of t) and D' = 2t·c·u, the BIP's candidates are
    ///   x3 = u + 4Y² = (u·D'² + 4M²) / D'²,
    ///   x2 = (-X/Y - u) / 2 = (-N'·c·u - u·M) / 2M,  x1 = (N'·c·u - u·M) / 2M,
    /// and N / D is a valid X coordinate exactly when (N³ + 7D³)·D is a square (that is
    /// g(N/D) times D⁴).
    static func xSwiftECFraction(_ uIn: FieldElement, _ tIn: FieldElement) -> (FieldElement, FieldElement) {
        let u = uIn.isZero ? .one : uIn
        var t = tIn.isZero ? .one : tIn
        let g = u.curveRHS
        if (g + t.squared()).isZero { t = t + t }
        let t2 = t.squared()
        let n = g - t2
        let m = g + t2
        let cu = c * u
        let d = (t * cu).times(2)
        let d2 = d.squared()
        func isValid(_ numerator: FieldElement, _ denominator: FieldElement) -> Bool {
            let denominator2 = denominator.squared()
            let rhs = numerator.squared() * numerator + (denominator2 * denominator).times(7)
            return (rhs * denominator).isSquareVariableTime
        }
        let x3 = u * d2 + m.squared().times(4)
        if isValid(x3, d2) { return (x3, d2) }
        let ncu = n * cu
        let um = u * m
        let twoM = m + m
        let x2 = -ncu - um
        if isValid(x2, twoM) { return (x2, twoM) }
        // The BIP proves one of the three is valid.
        return (ncu - um, twoM)
    }

    static func xSwiftECInv(_ x: FieldElement, _ u: FieldElement, _ branch: Int) -> FieldElement? {
        let s: FieldElement
        let v: FieldElement
        if branch & 2 == 0 {
            if (-x - u).curveRHS.isSquareVariableTime { return nil }
            v = x
            // s = -(u³ + 7) / (u² + uv + v²), a square exactly when -(u³ + 7)(u² + uv + v²)
            // is: checked before the inversion and the square root, as it fails half the time.
            let denominator = u.squared() + u * v + v.squared()
            if denominator.isZero { return nil }
            let g = u.curveRHS
            if !(-(g * denominator)).isSquareVariableTime { return nil }
            s = -(g * denominator.inverseVariableTime())
            guard let w = s.squareRoot() else { return nil }
            return finish(w, u, v, branch)
        } else {
            s = x - u
            if s.isZero { return nil }
            // r = √(-s (4 (u³ + 7) + 3 u² s)); both square roots are checked for existence
            // first, the cheap way, as each fails half the time.
            let rSquared = -(s * (u.curveRHS.times(4) + u.squared().times(3) * s))
            if !rSquared.isSquareVariableTime || !s.isSquareVariableTime { return nil }
            guard let r = rSquared.squareRoot() else { return nil }
            if branch & 1 == 1 && r.isZero { return nil }
            guard let w = s.squareRoot() else { return nil }
            v = (r * s.inverseVariableTime() - u) * half
            return finish(w, u, v, branch)
        }
    }

    private static func finish(_ w: FieldElement, _ u: FieldElement, _ v: FieldElement, _ branch: Int) -> FieldElement {
        let oneMinusC = FieldElement.one - c
        let onePlusC = FieldElement.one + c
        switch branch & 5 {
        case 0: return -(w * (u * oneMinusC * half + v))
        case 1: return w * (u * onePlusC * half + v)
        case 4: return w * (u * oneMinusC * half + v)
        default: return -(w * (u * onePlusC * half + v))
        }
    }

    static func encode<R: RandomNumberGenerator>(_ x: FieldElement, using rng: inout R) -> [UInt8] {
        while true {
            let uBytes = randomBytes(32, using: &rng)
            // u uniform in 1..<p: reject zero and p...2^256-1 (about 2^-224 of draws).
            guard FieldElement.isCanonical(uBytes) else { continue }
            let u = FieldElement(bigEndian: uBytes)
            if u.isZero { continue }
            let branch = Int(rng.next() & 7)
            if let t = xSwiftECInv(x, u, branch) {
                return uBytes + t.bigEndian
            }
        }
    }
}

/// `count` bytes from `rng`.
func randomBytes<R: RandomNumberGenerator>(_ count: Int, using rng: inout R) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(count + 8)
    while out.count < count {
        withUnsafeBytes(of: rng.next()) { out.append(contentsOf: $0) }
    }
    out.removeLast(out.count - count)
    return out
}
