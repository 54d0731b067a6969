import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// One record of a capture file, as libpcap hands it over.
public struct PacketRecord {
    /// When it was captured, in seconds since 1970.
    public var time: Double
    /// The packet's length on the wire; `bytes` may hold less (a snaplen cut it).
    public var originalLength: Int
    /// The captured bytes, starting with the link-layer header. Valid only until the next
    /// ``PcapFile/next()``.
    public var bytes: UnsafeRawBufferPointer
}

/// A pcap or pcapng file read through libpcap (`pcap_open_offline` knows both formats).
///
/// Every libpcap call is here, and libpcap's error buffer becomes a one-line
/// ``CaptureError``: a file that is not a capture, one cut short, a record with an absurd
/// length.
public final class PcapFile {
    public let name: String
    /// The link type as `pcap_datalink` reports it (a DLT_ value).
    public let linkType: Int32
    private var handle: OpaquePointer?
    /// The bytes of an in-memory capture, kept alive while libpcap reads them.
    private var memory: UnsafeMutableRawBufferPointer?

    /// Opens the capture at `path`.
    public init(path: String) throws(CaptureError) {
        name = path
        var errors = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        let opened = pcap_open_offline(path, &errors)
        guard let opened else { throw Self.openError(path, errors) }
        handle = opened
        linkType = pcap_datalink(opened)
    }

    /// Reads a capture held in memory (for tests and the fuzz target).
    public init(bytes: [UInt8], name: String = "capture") throws(CaptureError) {
        self.name = name
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        copy.copyBytes(from: bytes)
        memory = copy
        guard !bytes.isEmpty, let stream = fmemopen(copy.baseAddress, bytes.count, "r") else {
            copy.deallocate()
            memory = nil
            throw CaptureError("\(name) is empty: not a pcap or pcapng capture")
        }
        var errors = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let opened = pcap_fopen_offline(stream, &errors) else {
            fclose(stream)
            copy.deallocate()
            memory = nil
            throw Self.openError(name, errors)
        }
        handle = opened
        linkType = pcap_datalink(opened)
    }

    deinit {
        if let handle { pcap_close(handle) }
        memory?.deallocate()
    }

    /// The next record, nil at the end of the file; an error when the file is cut short or
    /// corrupt (the records before it remain good).
    public func next() throws(CaptureError) -> PacketRecord? {
        guard let handle else { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        switch pcap_next_ex(handle, &header, &data) {
        case 1:
            guard let header, let data else { return nil }
            let h = header.pointee
            let time = Double(h.ts.tv_sec) + Double(h.ts.tv_usec) / 1e6
            return PacketRecord(
                time: time, originalLength: Int(h.len),
                bytes: UnsafeRawBufferPointer(start: data, count: Int(h.caplen)))
        case PCAP_ERROR_BREAK:  // -2: the end of the file
            return nil
        default:
            let message = Self.oneLine(String(cString: pcap_geterr(handle)))
            throw CaptureError("\(name): \(message)")
        }
    }

    private static func openError(_ name: String, _ buffer: [CChar]) -> CaptureError {
        let text = oneLine(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        if text.contains("unknown file format") || text.contains("not a pcap") {
            return CaptureError("\(name) is not a pcap or pcapng capture (libpcap: \(text))")
        }
        if text.hasPrefix(name) { return CaptureError("cannot read \(text)") }
        return CaptureError("cannot read \(name): \(text)")
    }

    /// libpcap's messages sometimes end in a newline or hold several lines.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingSpaces
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

extension PcapFile {
    /// The first four bytes of pcap (both byte orders, micro- and nanosecond) and pcapng.
    static let fileMagics: [[UInt8]] = [
        [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d],
        [0x0a, 0x0d, 0x0d, 0x0a],
    ]

    /// Whether the file at `path` starts as a pcap or pcapng does (false if unreadable).
    public static func looksLikeCapture(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 4)
        let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4) }
        return n == 4 && fileMagics.contains(head)
    }
}
