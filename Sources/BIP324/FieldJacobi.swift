extension FieldElement {
    /// Whether a is a square modulo p (zero counts as one), by the binary Jacobi symbol
    /// algorithm: about twice as fast as ``isSquare`` but variable time, so only for public
    /// values (ElligatorSwift's checks on public X coordinates and encodings).
    var isSquareVariableTime: Bool {
        var a = Wide(l0, l1, l2, l3)
        if a.isZero { return true }
        var n = Wide(Self.pLimbs.0, Self.pLimbs.1, Self.pLimbs.2, Self.pLimbs.3)
        // The symbol (a/n) times the signs collected so far is the answer.
        var negative = false
        while true {
            // (2/n) = -1 exactly when n mod 8 is 3 or 5; 2^64 is an even power, no sign.
            while a.w0 == 0 { a = Wide(a.w1, a.w2, a.w3, 0) }
            let zeros = a.w0.trailingZeroBitCount
            if zeros > 0 {
                a.shiftRight(zeros)
                let r = n.w0 & 7
                if zeros & 1 == 1 && (r == 3 || r == 5) { negative.toggle() }
            }
            if a.isOne { return !negative }
            if a.isSmall && n.isSmall { return negative == (jacobi64(a.w0, n.w0) == -1) }
            if a < n {
                swap(&a, &n)
                // Reciprocity for odd a, n: a sign exactly when both are 3 mod 4.
                if a.w0 & 3 == 3 && n.w0 & 3 == 3 { negative.toggle() }
            }
            a.subtract(n)
            // a = n only if gcd(a, p) > 1, impossible for a nonzero a below the prime p.
            if a.isZero { return true }
        }
    }
}

/// (a/n) for odd n, both below 2^64.
private func jacobi64(_ aIn: UInt64, _ nIn: UInt64) -> Int {
    var (a, n) = (aIn % nIn, nIn)
    var sign = 1
    while a != 0 {
        let zeros = a.trailingZeroBitCount
        a >>= UInt64(zeros)
        let r = n & 7
        if zeros & 1 == 1 && (r == 3 || r == 5) { sign = -sign }
        if a < n {
            swap(&a, &n)
            if a & 3 == 3 && n & 3 == 3 { sign = -sign }
        }
        a -= n
    }
    return n == 1 ? sign : 0
}

/// A plain 256-bit number for the Jacobi algorithm, least significant word first.
private struct Wide: Comparable {
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) { (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3) }

    var isZero: Bool { (w0 | w1 | w2 | w3) == 0 }
    var isOne: Bool { w0 == 1 && (w1 | w2 | w3) == 0 }
    var isSmall: Bool { (w1 | w2 | w3) == 0 }

    static func < (a: Wide, b: Wide) -> Bool {
        if a.w3 != b.w3 { return a.w3 < b.w3 }
        if a.w2 != b.w2 { return a.w2 < b.w2 }
        if a.w1 != b.w1 { return a.w1 < b.w1 }
        return a.w0 < b.w0
    }

    /// self >>= count, for count in 1..<64.
    mutating func shiftRight(_ count: Int) {
        let s = UInt64(count)
        let back = UInt64(64 - count)
        w0 = w0 >> s | w1 << back
        w1 = w1 >> s | w2 << back
        w2 = w2 >> s | w3 << back
        w3 >>= s
    }

    /// self -= b, for b <= self.
    mutating func subtract(_ b: Wide) {
        var borrow: UInt64
        (w0, borrow) = subBorrow(w0, b.w0, 0)
        (w1, borrow) = subBorrow(w1, b.w1, borrow)
        (w2, borrow) = subBorrow(w2, b.w2, borrow)
        (w3, _) = subBorrow(w3, b.w3, borrow)
    }
}
