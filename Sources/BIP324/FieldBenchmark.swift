/// For the benchmarks, which cannot see the internal field type: the latency of one field
/// multiplication, measured as a chain of dependent ones.
@_spi(Benchmarks)
public enum FieldBenchmark {
    /// x ← x · y, `count` times, from the 32-byte big-endian values `x` and `y`; returns x.
    public static func multiplyChain(_ x: [UInt8], _ y: [UInt8], count: Int) -> [UInt8] {
        var a = FieldElement(bigEndian: x)
        let b = FieldElement(bigEndian: y)
        for _ in 0..<count { a = a * b }
        return a.bigEndian
    }
}
