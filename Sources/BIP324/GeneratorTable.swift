/// k·G for a secret k from a table of multiples of G, with signed 6-bit digits: k is
/// rewritten as the sum of d_i·64^i for i in 0..<43 with every d_i in -31...32 (the last in
/// 0...16), and for each i the table holds j·64^i·G for j = 1...32 in affine coordinates, so
/// k·G is 43 mixed additions of ±table entries and no doublings. The table (1376 points,
/// 86 KiB) is built once, on first use.
///
/// The digits come from the 6-bit windows w_i of k plus the carry c_i out of the window below:
/// v = w_i + c_i (0...64); above 32 it becomes the digit v - 64 with a carry of 1 into the next
/// window, else the digit v with none. All of it with masks, no branch on k.
///
/// Constant time as ``PointMultiplication`` is: every entry of a window's row is read, the
/// sign is applied with a mask, and a zero digit or a still-infinite accumulator is resolved by
/// masked selection. The general addition cannot meet its exceptions: before digit i the
/// accumulator is m·G with m = (k mod 64^i) - c_i·64^i, so |m| < 64^i·32/63 is below the
/// addend's |d_i|·64^i, and m ± d_i·64^i is a nonzero integer of magnitude below n for
/// i < 42; for the last digit, m + d·2^252 = k is not 0 modulo n, and m - d·2^252 =
/// k - 2d·2^252 would be 0 modulo n only for k = (2d - 16)·2^252 + (2^256 - n), whose last
/// digit is 2d - 16, not d (d <= 16; d = 16 gives k >= n). m is zero (infinity) exactly while
/// all digits so far are zero, which the accumulator's infinity mask tracks.
enum GeneratorTable {
    static let windows = 43
    static let rowSize = 32

    /// Row i holds j·64^i·G for j = 1...32 at index 32·i + j - 1.
    static let table: [AffinePoint] = {
        var points: [JacobianPoint] = []
        points.reserveCapacity(windows * rowSize)
        var base = JacobianPoint(.generator)
        for _ in 0..<windows {
            var multiple = base
            points.append(multiple)
            for _ in 2...rowSize {
                multiple = multiple + base
                points.append(multiple)
            }
            for _ in 0..<6 { base = base.doubled() }
        }
        return JacobianPoint.batchAffine(points)
    }()

    static func multiply(_ k: Scalar) -> JacobianPoint {
        table.withUnsafeBufferPointer { table in
            var acc = JacobianPoint.infinity
            var accIsInfinity: UInt64 = ~0
            var carry: UInt64 = 0
            for index in 0..<windows {
                // v in 0...64; above 32: digit v - 64 (negative), carry 1.
                let v = k.bits(at: 6 * index, count: 6) &+ carry
                carry = (32 &- v) >> 63
                let negative = 0 &- carry
                // |digit|: v, or 64 - v when negative.
                let magnitude = (v ^ (negative & (v ^ (64 &- v))))
                let row = rowSize * index
                var addend = table[row]
                for candidate in 2...rowSize {
                    let mask = equalMask(UInt64(candidate), magnitude)
                    let entry = table[row + candidate - 1]
                    addend = AffinePoint(x: .select(mask, entry.x, addend.x), y: .select(mask, entry.y, addend.y))
                }
                addend.y = .select(negative, -addend.y, addend.y)
                let sum = acc.addingDistinct(addend)
                let dIsZero = equalMask(magnitude, 0)
                acc = .select(dIsZero, acc, .select(accIsInfinity, JacobianPoint(addend), sum))
                accIsInfinity &= dIsZero
            }
            return acc
        }
    }
}
