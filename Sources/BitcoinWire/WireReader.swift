/// Collects a ``Field`` tree while a payload is decoded. Only allocated when a caller
/// asks for fields, so plain decoding pays one `nil` check per field.
final class FieldTracer {
    private var stack: [(name: String, start: Int, fields: [Field])] = [("", 0, [])]

    var fields: [Field] { stack[0].fields }
    var depth: Int { stack.count }

    func add(_ field: Field) { stack[stack.count - 1].fields.append(field) }

    func begin(_ name: String, at start: Int) { stack.append((name, start, [])) }

    func end(at end: Int) {
        guard stack.count > 1 else { return }
        let group = stack.removeLast()
        add(Field(name: group.name, value: .group, range: group.start..<end, children: group.fields))
    }
}

/// Reads little-endian integers, CompactSizes and byte strings from a payload. A read that
/// cannot complete throws and leaves the position where it was.
///
/// Every read takes the protocol's field name; when tracing, the reader records a
/// ``Field`` with its byte range, so decoding and the field tree are one piece of code.
public struct WireReader {
    private let storage: ArraySlice<UInt8>
    /// Index into `storage` of the next byte.
    private var index: Int
    /// Added to positions to report offsets from the start of the frame.
    private let offsetBase: Int
    /// A `var` only so that ``untraced(_:)`` can suspend it.
    var tracer: FieldTracer?

    /// A reader over `bytes`, whose first byte is at `offset` in the frame.
    public init(_ bytes: ArraySlice<UInt8>, offset: Int = 0) {
        self.init(bytes, offset: offset, tracer: nil)
    }

    init(_ bytes: ArraySlice<UInt8>, offset: Int, tracer: FieldTracer?) {
        storage = bytes
        index = bytes.startIndex
        offsetBase = offset
        self.tracer = tracer
    }

    /// Offset of the next byte from the start of the frame.
    public var offset: Int { index - storage.startIndex + offsetBase }
    /// Bytes not yet read.
    public var remaining: Int { storage.endIndex - index }
    public var isAtEnd: Bool { index == storage.endIndex }

    /// Records a field read since `start` (a value of ``offset``), when tracing.
    @inline(__always)
    mutating func record(_ name: String, from start: Int, _ value: @autoclosure () -> FieldValue) {
        if let tracer { tracer.add(Field(name: name, value: value(), range: start..<offset)) }
    }

    /// Opens a group field; fields recorded until ``endGroup()`` become its children. The
    /// name is only made when tracing (list elements name themselves `inv[3]`, and plain
    /// decoding should not format a string per element).
    @inline(__always)
    func beginGroup(_ name: @autoclosure () -> String) { tracer?.begin(name(), at: offset) }
    @inline(__always)
    func endGroup() { tracer?.end(at: offset) }

    @inline(__always)
    private mutating func take(_ count: Int, _ field: String) throws(WireError) -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw .truncated(field: field, offset: offset, needed: count, available: remaining)
        }
        let slice = storage[index..<index + count]
        index += count
        return slice
    }

    @inline(__always)
    private mutating func readLE<T: FixedWidthInteger>(_: T.Type, _ field: String) throws(WireError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else {
            throw .truncated(field: field, offset: offset, needed: size, available: remaining)
        }
        let at = index - storage.startIndex
        let v = storage.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: T.self)) }
        index += size
        return v
    }

    /// One byte, without building a slice.
    @inline(__always)
    private mutating func takeByte(_ field: String) throws(WireError) -> UInt8 {
        guard index < storage.endIndex else {
            throw .truncated(field: field, offset: offset, needed: 1, available: 0)
        }
        let b = storage[index]
        index += 1
        return b
    }

    public mutating func readUInt8(_ field: String) throws(WireError) -> UInt8 {
        let start = offset
        let v = try takeByte(field)
        record(field, from: start, .uint(UInt64(v)))
        return v
    }

    public mutating func readUInt8Quiet(_ field: String) throws(WireError) -> UInt8 {
        try takeByte(field)
    }

    public mutating func readUInt32Quiet(_ field: String) throws(WireError) -> UInt32 {
        try readLE(UInt32.self, field)
    }

    public mutating func readBool(_ field: String) throws(WireError) -> Bool {
        let start = offset
        let v = try takeByte(field) != 0
        record(field, from: start, .bool(v))
        return v
    }

    public mutating func readUInt32(_ field: String) throws(WireError) -> UInt32 {
        let start = offset
        let v = try readLE(UInt32.self, field)
        record(field, from: start, .uint(UInt64(v)))
        return v
    }

    public mutating func readInt32(_ field: String) throws(WireError) -> Int32 {
        let start = offset
        let v = try readLE(Int32.self, field)
        record(field, from: start, .int(Int64(v)))
        return v
    }

    public mutating func readUInt64(_ field: String) throws(WireError) -> UInt64 {
        let start = offset
        let v = try readLE(UInt64.self, field)
        record(field, from: start, .uint(v))
        return v
    }

    public mutating func readInt64(_ field: String) throws(WireError) -> Int64 {
        let start = offset
        let v = try readLE(Int64.self, field)
        record(field, from: start, .int(v))
        return v
    }

    /// Unix time as 4 bytes (addresses) or 8 bytes (version).
    public mutating func readTime32(_ field: String) throws(WireError) -> UInt32 {
        let start = offset
        let v = try readLE(UInt32.self, field)
        record(field, from: start, .time(Int64(v)))
        return v
    }

    public mutating func readTime64(_ field: String) throws(WireError) -> Int64 {
        let start = offset
        let v = try readLE(Int64.self, field)
        record(field, from: start, .time(v))
        return v
    }

    public mutating func readServices(_ field: String) throws(WireError) -> ServiceFlags {
        let start = offset
        let v = ServiceFlags(rawValue: try readLE(UInt64.self, field))
        record(field, from: start, .services(v))
        return v
    }

    /// The port of a network address: the one big-endian integer of the protocol.
    public mutating func readPort(_ field: String) throws(WireError) -> UInt16 {
        let start = offset
        let bytes = try take(2, field)
        let v = UInt16(bytes[bytes.startIndex]) << 8 | UInt16(bytes[bytes.startIndex + 1])
        record(field, from: start, .uint(UInt64(v)))
        return v
    }

    /// A canonical CompactSize.
    public mutating func readCompactSize(_ field: String) throws(WireError) -> UInt64 {
        let start = offset
        let value = try readCompactSizeValue(field)
        record(field, from: start, .uint(value))
        return value
    }

    private mutating func readCompactSizeValue(_ field: String) throws(WireError) -> UInt64 {
        let start = offset
        let saved = index
        let first = try takeByte(field)
        let value: UInt64
        let minimum: UInt64
        do {
            switch first {
            case 0xfd: value = UInt64(try readLE(UInt16.self, field)); minimum = 0xfd
            case 0xfe: value = UInt64(try readLE(UInt32.self, field)); minimum = 0x1_0000
            case 0xff: value = try readLE(UInt64.self, field); minimum = 0x1_0000_0000
            default: value = UInt64(first); minimum = 0
            }
        } catch {
            index = saved
            throw error
        }
        if value < minimum {
            index = saved
            throw .nonCanonicalCompactSize(offset: start, value: value)
        }
        return value
    }

    /// A canonical CompactSize, not recorded (the caller records a better value).
    public mutating func readCompactSizeQuiet(_ field: String) throws(WireError) -> UInt64 {
        try readCompactSizeValue(field)
    }

    /// A CompactSize count, refused above `limit`, or when `count × minimumElementSize`
    /// bytes cannot be left: nothing is allocated for a lying count.
    public mutating func readCount(_ field: String, limit: Int, minimumElementSize: Int) throws(WireError) -> Int {
        let start = offset
        let saved = index
        let count = try readCompactSizeValue(field)
        guard count <= UInt64(limit) else {
            index = saved
            throw .countTooLarge(field: field, count: count, limit: limit, offset: start)
        }
        let needed = Int(count) * minimumElementSize
        guard needed <= remaining else {
            let error = WireError.truncated(field: field, offset: offset, needed: needed, available: remaining)
            index = saved
            throw error
        }
        record(field, from: start, .uint(count))
        return Int(count)
    }

    /// Exactly `count` bytes, recorded as `.bytes`.
    public mutating func readBytes(_ count: Int, _ field: String) throws(WireError) -> [UInt8] {
        let start = offset
        let v = Array(try take(count, field))
        record(field, from: start, .bytes(v))
        return v
    }

    /// Exactly `count` bytes, not recorded (the caller records a better value).
    public mutating func readBytesUntraced(_ count: Int, _ field: String) throws(WireError) -> [UInt8] {
        Array(try take(count, field))
    }

    /// A 32-byte hash, recorded in display (reversed) order.
    public mutating func readHash(_ field: String) throws(WireError) -> [UInt8] {
        let start = offset
        let v = Array(try take(32, field))
        record(field, from: start, .hash(Hex.encode(v.reversed())))
        return v
    }

    /// A CompactSize-prefixed byte string, not recorded.
    public mutating func readVarBytesQuiet(_ field: String, limit: Int) throws(WireError) -> [UInt8] {
        try readVarBytesUntraced(field, limit: limit)
    }

    private mutating func readVarBytesUntraced(_ field: String, limit: Int) throws(WireError) -> [UInt8] {
        Array(try readVarBytesSharing(field, limit: limit))
    }

    /// A CompactSize-prefixed byte string of at most `limit` bytes.
    public mutating func readVarBytes(_ field: String, limit: Int) throws(WireError) -> [UInt8] {
        let start = offset
        let v = try readVarBytesUntraced(field, limit: limit)
        record(field, from: start, .bytes(v))
        return v
    }

    /// A CompactSize-prefixed string of at most `limit` bytes (bytes that are not UTF-8
    /// are replaced for display).
    public mutating func readVarString(_ field: String, limit: Int) throws(WireError) -> String {
        let start = offset
        let text = String(decoding: try readVarBytesUntraced(field, limit: limit), as: UTF8.self)
        record(field, from: start, .text(text))
        return text
    }

    /// Everything left.
    public mutating func readRest(_ field: String) -> [UInt8] {
        Array(readRestSharing(field))
    }

    /// Everything left, sharing the payload's storage (no copy: a 4 MB unknown message
    /// keeps the one copy of its bytes that its frame holds).
    public mutating func readRestSharing(_ field: String) -> ArraySlice<UInt8> {
        let start = offset
        let v = storage[index...]
        index = storage.endIndex
        record(field, from: start, .bytes(Array(v)))
        return v
    }

    // MARK: Transactions and blocks

    /// Whether fields are being recorded.
    var isTracing: Bool { tracer != nil }

    /// The next byte, without reading it; nil at the end.
    public func peekUInt8() -> UInt8? {
        index < storage.endIndex ? storage[index] : nil
    }

    /// The bytes between two offsets (from the start of the frame, as ``offset`` gives
    /// them) already read, sharing the payload's storage: a decoder hashes what it read.
    func consumed(from start: Int, to end: Int) -> ArraySlice<UInt8> {
        let base = storage.startIndex - offsetBase
        return storage[(start + base)..<(end + base)]
    }

    /// Records a field with children made by the caller (a script and its opcodes), or a
    /// field whose children are decoded only when asked for (``DeferredFields``).
    @inline(__always)
    mutating func record(
        _ name: String, from start: Int, _ value: @autoclosure () -> FieldValue,
        children: @autoclosure () -> [Field], deferred: @autoclosure () -> DeferredFields? = nil
    ) {
        if let tracer {
            var field = Field(name: name, value: value(), range: start..<offset, children: children())
            field.deferred = deferred()
            tracer.add(field)
        }
    }

    /// Runs `body` with tracing suspended: a block records one field per transaction, not
    /// every field of every transaction.
    mutating func untraced<T>(_ body: (inout WireReader) throws(WireError) -> T) throws(WireError) -> T {
        let saved = tracer
        tracer = nil
        defer { tracer = saved }
        return try body(&self)
    }

    /// Exactly `count` bytes, not recorded, sharing the payload's storage.
    public mutating func readBytesSharing(_ count: Int, _ field: String) throws(WireError) -> ArraySlice<UInt8> {
        try take(count, field)
    }

    /// A CompactSize-prefixed byte string of at most `limit` bytes, not recorded, sharing
    /// the payload's storage (scripts and witness items of a block are not copied).
    public mutating func readVarBytesSharing(_ field: String, limit: Int) throws(WireError) -> ArraySlice<UInt8> {
        let start = offset
        let saved = index
        let length = try readCompactSizeValue(field)
        guard length <= UInt64(limit) else {
            index = saved
            throw .lengthTooLarge(field: field, length: length, limit: limit, offset: start)
        }
        do {
            return try take(Int(length), field)
        } catch {
            index = saved
            throw error
        }
    }

    /// Throws unless every byte was read.
    public func expectEnd() throws(WireError) {
        if remaining > 0 { throw .trailingBytes(offset: offset, count: remaining) }
    }
}
