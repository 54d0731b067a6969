/// k·G for a secret k from a table of multiples of G: for each of the scalar's 64 4-bit
/// windows i, the points d·16^i·G (d in 1...15) in affine coordinates, so k·G is 64 mixed
/// additions and no doublings. The table (960 points, 60 KiB) is built once, on first use.
///
/// Constant time as ``PointMultiplication`` is: every entry of a window's row is read, and
/// a zero window or a still-infinite accumulator is resolved by masked selection. Before
/// adding d·16^i·G the accumulator is m·G with m < 16^i and m + d·16^i <= k < n, so it is
/// never ±d·16^i·G.
enum GeneratorTable {
    /// Row i holds d·16^i·G for d = 1...15 at index 15·i + d - 1.
    static let table: [AffinePoint] = {
        var points: [JacobianPoint] = []
        points.reserveCapacity(64 * 15)
        var base = JacobianPoint(.generator)
        for _ in 0..<64 {
            var multiple = base
            points.append(multiple)
            for _ in 2...15 {
                multiple = multiple + base
                points.append(multiple)
            }
            base = base.doubled().doubled().doubled().doubled()
        }
        return JacobianPoint.batchAffine(points)
    }()

    static func multiply(_ k: Scalar) -> JacobianPoint {
        table.withUnsafeBufferPointer { table in
            var acc = JacobianPoint.infinity
            var accIsInfinity: UInt64 = ~0
            for index in 0..<64 {
                let d = k.window(index)
                let row = 15 * index
                var addend = table[row]
                for candidate in 2...15 {
                    let mask = equalMask(UInt64(candidate), d)
                    let entry = table[row + candidate - 1]
                    addend = AffinePoint(x: .select(mask, entry.x, addend.x), y: .select(mask, entry.y, addend.y))
                }
                let sum = acc.addingDistinct(addend)
                let dIsZero = equalMask(d, 0)
                acc = .select(dIsZero, acc, .select(accIsInfinity, JacobianPoint(addend), sum))
                accIsInfinity &= dIsZero
            }
            return acc
        }
    }
}
