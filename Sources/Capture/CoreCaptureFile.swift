import BitcoinWire
#if canImport(Glibc)
import Glibc
#endif

/// One record of a Bitcoin Core `-capturemessages` file (src/net.cpp `CaptureMessageToFile`):
/// an int64 LE time in microseconds, the 12-byte NUL-padded message type, a uint32 LE
/// payload length, and the payload. No magic and no checksum: Core writes a message when it
/// processes it, so one with a bad checksum never appears.
public struct CoreCaptureRecord: Sendable, Equatable {
    /// The bytes before the payload.
    public static let headerSize = 8 + MessageHeader.commandLength + 4

    /// Unix time in microseconds.
    public var time: Int64
    /// The message type exactly as written: 12 bytes, NUL-padded.
    public var type: [UInt8]
    public var payload: [UInt8]
    /// Where the record starts in its file.
    public var offset: Int64

    public init(time: Int64, type: [UInt8], payload: [UInt8], offset: Int64 = 0) {
        self.time = time
        self.type = type
        self.payload = payload
        self.offset = offset
    }

    /// The 12 type bytes for `command`, NUL-padded as Core writes them.
    public static func typeBytes(_ command: Command) -> [UInt8] {
        Array(command.name.utf8.prefix(MessageHeader.commandLength))
            + [UInt8](repeating: 0, count: max(0, MessageHeader.commandLength - command.name.utf8.count))
    }

    /// The record's bytes in Core's layout (for tests and the fuzz target's seeds).
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerSize + payload.count)
        let t = UInt64(bitPattern: time)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: t >> (8 * UInt64(i)))) }
        out += type.prefix(MessageHeader.commandLength)
        out += [UInt8](repeating: 0, count: max(0, MessageHeader.commandLength - type.count))
        let n = UInt32(truncatingIfNeeded: payload.count)
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt32(i)))) }
        return out + payload
    }

    /// A v1 frame with this record's message: `magic`, the type bytes as they are, the
    /// length, and the checksum computed here. Core keeps neither magic nor checksum, so
    /// both are rebuilt (and a reader must be told so).
    public func rebuiltFrame(magic: Magic) -> Frame? {
        var raw: [UInt8] = []
        raw.reserveCapacity(MessageHeader.size + payload.count)
        let m = magic.value
        for i in 0..<4 { raw.append(UInt8(truncatingIfNeeded: m >> (8 * UInt32(i)))) }
        raw += type
        let n = UInt32(truncatingIfNeeded: payload.count)
        for i in 0..<4 { raw.append(UInt8(truncatingIfNeeded: n >> (8 * UInt32(i)))) }
        let sum = Checksum(of: payload[...]).value
        for i in 0..<4 { raw.append(UInt8(truncatingIfNeeded: sum >> (8 * UInt32(i)))) }
        raw += payload
        return Frame.inspect(raw, expectedMagic: magic)
    }
}

/// Reads one `msgs_recv.dat` or `msgs_sent.dat` record by record, holding at most one
/// record's header and a 64 KiB buffer (a payload is read only when it is taken).
///
/// The reader peeks a record's header first (``peek()``), so a merge of many files
/// holds 24 bytes per file, not a payload each. A file cut short, or a record that claims
/// more than Core's 4,000,000-byte limit, ends the file with a ``problem``: without a
/// magic there is no next record to look for.
public final class CoreCaptureFile {
    /// The header of the next record.
    public struct Peeked: Sendable, Equatable {
        public var time: Int64
        public var type: [UInt8]
        public var length: UInt32
        public var offset: Int64
    }

    /// The file's name as shown in notices.
    public let name: String
    private var fd: Int32 = -1
    private var memory: [UInt8]?
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private var atEOF = false
    /// Bytes of the file consumed.
    public private(set) var offset: Int64 = 0
    private var peeked: Peeked?
    /// Why the file ended early, once it did.
    public private(set) var problem: String?
    public private(set) var records = 0
    private var done = false

    static let chunk = 64 << 10

    /// Opens `path` (`name` is how notices call it); a file that cannot be opened is a
    /// one-line error.
    public init(path: String, name: String) throws(CaptureError) {
        self.name = name
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CaptureError("cannot read \(path): \(String(cString: strerror(errno)))") }
    }

    /// Reads a file held in memory (tests, the fuzz target).
    public init(bytes: [UInt8], name: String = "capture") {
        self.name = name
        memory = bytes
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The next record's header, reading it if needed; nil at the end of the file or after
    /// a ``problem``.
    public func peek() -> Peeked? {
        if let peeked { return peeked }
        guard !done else { return nil }
        let start = offset
        let head = read(CoreCaptureRecord.headerSize)
        if head.isEmpty { return finish(nil) }
        guard head.count == CoreCaptureRecord.headerSize else {
            return finish("the last record is cut short: \(head.count) of its \(CoreCaptureRecord.headerSize) header bytes at offset \(start)")
        }
        var time: UInt64 = 0
        for i in 0..<8 { time |= UInt64(head[i]) << (8 * UInt64(i)) }
        var length: UInt32 = 0
        for i in 0..<4 { length |= UInt32(head[20 + i]) << (8 * UInt32(i)) }
        let type = Array(head[8..<20])
        guard length <= MessageHeader.maxPayloadLength else {
            return finish("the record at offset \(start) claims \(length) payload bytes, more than Core's limit of \(MessageHeader.maxPayloadLength): the rest of the file is not read")
        }
        peeked = Peeked(time: Int64(bitPattern: time), type: type, length: length, offset: start)
        return peeked
    }

    /// The next record whole; nil at the end of the file or when it is cut short (see
    /// ``problem``).
    public func next() -> CoreCaptureRecord? {
        guard let head = peek() else { return nil }
        peeked = nil
        let payload = read(Int(head.length))
        guard payload.count == Int(head.length) else {
            let type = CoreCaptureFile.typeName(head.type)
            return finish("the last record (\(type) at offset \(head.offset)) is cut short: \(payload.count) of its \(head.length) payload bytes")
        }
        records += 1
        return CoreCaptureRecord(time: head.time, type: head.type, payload: payload, offset: head.offset)
    }

    /// The type bytes as text for notices: printable ASCII up to the first NUL, else hex.
    static func typeName(_ bytes: [UInt8]) -> String {
        let name = bytes.prefix { $0 != 0 }
        if !name.isEmpty, name.allSatisfy(Command.isPrintable) { return String(decoding: name, as: UTF8.self) }
        return "type " + Hex.encode(bytes)
    }

    private func finish<T>(_ problem: String?) -> T? {
        done = true
        peeked = nil
        self.problem = problem
        buffer = []
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        return nil
    }

    /// Up to `count` bytes; fewer only at the end of the file.
    private func read(_ count: Int) -> [UInt8] {
        if let memory {
            let start = Int(clamping: offset)
            let end = min(memory.count, start + count)
            offset = Int64(end)
            return start < end ? Array(memory[start..<end]) : []
        }
        var out: [UInt8] = []
        out.reserveCapacity(min(count, Self.chunk))
        while out.count < count {
            if bufferStart == buffer.count {
                guard !atEOF else { break }
                let want = count - out.count
                if want >= Self.chunk {
                    // A big payload: read it straight into place.
                    let before = out.count
                    out += [UInt8](repeating: 0, count: want)
                    let n = out.withUnsafeMutableBytes { raw in raw.baseAddress.map { readFully($0 + before, want) } ?? 0 }
                    out.removeLast(want - n)
                    if n < want { atEOF = true }
                    continue
                }
                buffer = [UInt8](repeating: 0, count: Self.chunk)
                let n = buffer.withUnsafeMutableBytes { raw in raw.baseAddress.map { readFully($0, Self.chunk) } ?? 0 }
                buffer.removeLast(Self.chunk - n)
                bufferStart = 0
                if n < Self.chunk { atEOF = true }
                continue
            }
            let take = min(count - out.count, buffer.count - bufferStart)
            out += buffer[bufferStart..<(bufferStart + take)]
            bufferStart += take
        }
        offset += Int64(out.count)
        return out
    }

    /// Reads until `count` bytes or the end of the file (retrying EINTR); returns the count.
    private func readFully(_ into: UnsafeMutableRawPointer, _ count: Int) -> Int {
        var got = 0
        while got < count {
            let n = Glibc.read(fd, into + got, count - got)
            if n > 0 {
                got += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break  // end of file, or an error: treated as the end
            }
        }
        return got
    }
}
