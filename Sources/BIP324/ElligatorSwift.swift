/// ElligatorSwift for secp256k1 X coordinates, as BIP324 specifies it ("ElligatorSwift
/// encoding of curve X coordinates"): every 64 bytes decode to a valid X coordinate, and
/// encodings sampled with ``encode(x:)`` are indistinguishable from random bytes.
///
/// Numbers are 32 big-endian bytes. None of this is constant time; the BIP does not ask for
/// it, as no secret goes through these functions (a public key's X coordinate does).
public enum ElligatorSwift {
    /// The X coordinate (32 bytes) that a 64-byte encoding `u || t` decodes to.
    public static func decode(_ encoding: [UInt8]) throws(BIP324Error) -> [UInt8] {
        try BIP324Error.check(encoding, "ellswift", 64)
        let field = try Secp256k1()
        return try decode(encoding, field).bigEndian32()
    }

    /// XSwiftEC(u, t): the X coordinate that the field elements u and t (reduced mod p) map to.
    public static func xSwiftEC(u: [UInt8], t: [UInt8]) throws(BIP324Error) -> [UInt8] {
        try BIP324Error.check(u, "u", 32)
        try BIP324Error.check(t, "t", 32)
        let field = try Secp256k1()
        return try xSwiftEC(field.element(u), field.element(t), field).bigEndian32()
    }

    /// XSwiftECInv(x, u, case): the t with XSwiftEC(u, t) = x for this case (0...7), or nil
    /// when this case has none.
    public static func xSwiftECInv(x: [UInt8], u: [UInt8], case branch: Int) throws(BIP324Error) -> [UInt8]? {
        try BIP324Error.check(x, "x", 32)
        try BIP324Error.check(u, "u", 32)
        let field = try Secp256k1()
        return try xSwiftECInv(field.element(x), field.element(u), branch & 7, field)?.bigEndian32()
    }

    /// XElligatorSwift(x): a uniformly sampled 64-byte encoding `u || t` of the X coordinate
    /// `x` (which must be on the curve), with fresh randomness from `rng`.
    public static func encode<R: RandomNumberGenerator>(x: [UInt8], using rng: inout R) throws(BIP324Error) -> [UInt8] {
        try BIP324Error.check(x, "x", 32)
        let field = try Secp256k1()
        return try encode(field.element(x), field, using: &rng)
    }

    /// ``encode(x:using:)`` with the system's cryptographic random number generator.
    public static func encode(x: [UInt8]) throws(BIP324Error) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return try encode(x: x, using: &rng)
    }

    // MARK: On field elements

    static func decode(_ encoding: [UInt8], _ field: Secp256k1) throws(BIP324Error) -> BigNum {
        let u = try field.element(Array(encoding[0..<32]))
        let t = try field.element(Array(encoding[32..<64]))
        return try xSwiftEC(u, t, field)
    }

    static func xSwiftEC(_ uIn: BigNum, _ tIn: BigNum, _ f: Secp256k1) throws(BIP324Error) -> BigNum {
        let u = uIn.isZero ? f.one : uIn
        var t = tIn.isZero ? f.one : tIn
        let u3plus7 = try f.curveRHS(u)
        let t2 = try f.sqr(t)
        if try f.add(u3plus7, t2).isZero {
            t = try f.add(t, t)
        }
        let tSquared = try f.sqr(t)
        // X = (u^3 + 7 - t^2) / (2t); t != 0.
        guard let x = try f.div(f.sub(u3plus7, tSquared), f.add(t, t)),
              // Y = (X + t) / (c u); X + t = 0 only if u^3 + t^2 + 7 = 0, excluded above.
              let y = try f.div(f.add(x, t), f.mul(f.c, u)),
              let xOverY = try f.div(x, y)
        else { throw .openSSL("XSwiftEC: division by zero") }
        let x3 = try f.add(u, f.mul(try BigNum(word: 4), f.sqr(y)))
        if try f.isValidX(x3) { return x3 }
        let x2 = try f.mul(f.sub(f.neg(xOverY), u), f.half)
        if try f.isValidX(x2) { return x2 }
        // The BIP proves one of the three is valid.
        return try f.mul(f.sub(xOverY, u), f.half)
    }

    static func xSwiftECInv(_ x: BigNum, _ u: BigNum, _ branch: Int, _ f: Secp256k1) throws(BIP324Error) -> BigNum? {
        let s: BigNum
        let v: BigNum
        if branch & 2 == 0 {
            if try f.isValidX(f.sub(f.neg(x), u)) { return nil }
            v = x
            // s = -(u^3 + 7) / (u^2 + uv + v^2)
            let denominator = try f.add(f.add(f.sqr(u), f.mul(u, v)), f.sqr(v))
            guard let quotient = try f.div(f.curveRHS(u), denominator) else { return nil }
            s = try f.neg(quotient)
        } else {
            s = try f.sub(x, u)
            if s.isZero { return nil }
            // r = sqrt(-s (4 (u^3 + 7) + 3 u^2 s))
            let four = try BigNum(word: 4)
            let three = try BigNum(word: 3)
            let inner = try f.add(f.mul(four, f.curveRHS(u)), f.mul(f.mul(three, f.sqr(u)), s))
            guard let r = try f.sqrt(f.neg(f.mul(s, inner))) else { return nil }
            if branch & 1 == 1 && r.isZero { return nil }
            guard let rOverS = try f.div(r, s) else { return nil }
            v = try f.mul(f.sub(rOverS, u), f.half)
        }
        guard let w = try f.sqrt(s) else { return nil }
        let oneMinusC = try f.sub(f.one, f.c)
        let onePlusC = try f.add(f.one, f.c)
        switch branch & 5 {
        case 0: return try f.neg(f.mul(w, f.add(f.mul(f.mul(u, oneMinusC), f.half), v)))
        case 1: return try f.mul(w, f.add(f.mul(f.mul(u, onePlusC), f.half), v))
        case 4: return try f.mul(w, f.add(f.mul(f.mul(u, oneMinusC), f.half), v))
        default: return try f.neg(f.mul(w, f.add(f.mul(f.mul(u, onePlusC), f.half), v)))
        }
    }

    static func encode<R: RandomNumberGenerator>(_ x: BigNum, _ f: Secp256k1, using rng: inout R) throws(BIP324Error) -> [UInt8] {
        while true {
            let uBytes = randomBytes(32, using: &rng)
            let u = try BigNum(bigEndian: uBytes)
            // u uniform in 1..<p: reject zero and p...2^256-1 (about 2^-224 of draws).
            if u.isZero || !(u < f.p) { continue }
            let branch = Int(rng.next() & 7)
            if let t = try xSwiftECInv(x, u, branch, f) {
                return try uBytes + t.bigEndian32()
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
