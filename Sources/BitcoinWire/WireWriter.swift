/// Appends little-endian integers, CompactSizes and byte strings to a byte array.
public struct WireWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    private mutating func writeLE<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// The bytes written, handed over (the writer is left empty): no copy on a later write.
    public mutating func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }

    public mutating func write(_ v: UInt8) { bytes.append(v) }
    public mutating func write(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func write(_ v: UInt32) { writeLE(v) }
    public mutating func write(_ v: Int32) { writeLE(v) }
    public mutating func write(_ v: UInt64) { writeLE(v) }
    public mutating func write(_ v: Int64) { writeLE(v) }
    /// The port: big-endian.
    public mutating func writePort(_ v: UInt16) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    public mutating func write<C: Collection>(bytes other: C) where C.Element == UInt8 { bytes.append(contentsOf: other) }

    /// Canonical CompactSize.
    public mutating func writeCompactSize(_ v: UInt64) {
        switch v {
        case 0..<0xfd: bytes.append(UInt8(v))
        case 0xfd...0xffff: bytes.append(0xfd); writeLE(UInt16(v))
        case 0x1_0000...0xffff_ffff: bytes.append(0xfe); writeLE(UInt32(v))
        default: bytes.append(0xff); writeLE(v)
        }
    }

    public mutating func writeVarBytes<C: Collection>(_ b: C) where C.Element == UInt8 {
        writeCompactSize(UInt64(b.count))
        bytes.append(contentsOf: b)
    }

    public mutating func writeVarString(_ s: String) { writeVarBytes(Array(s.utf8)) }
}
