import BitcoinWire
import PeerEngine

/// Why a capture file cannot be written: one line each.
public struct CaptureError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Writes a classic pcap file of link type 252, `LINKTYPE_WIRESHARK_UPPER_PDU` ("exported
/// PDU"), that Wireshark and tshark dissect as Bitcoin: each record names the dissector
/// (`bitcoin`), the IP addresses and TCP ports, then holds one frame.
///
/// v1 frames are written exactly as they crossed the wire, corrupted ones included. A v2
/// message is re-framed as a v1 frame of the same network with a correct checksum (the
/// encrypted bytes are not in the file); the v2 handshake's steps are left out. Each record
/// is written with one `write(2)` as it happens, so a crash loses at most that record.
public final class PcapWriter {
    /// Wireshark's largest record for this link type; a longer frame is cut, its original
    /// length kept, as a capture with a snaplen would.
    public static let snapLength = 262_144
    static let linkType: UInt32 = 252

    private let file: OutputFile
    public var path: String { file.path }
    public private(set) var records = 0

    /// Creates `path`, refusing to replace an existing file unless `force`.
    public init(path: String, force: Bool) throws(CaptureError) {
        file = try OutputFile(path: path, force: force)
        var header = ByteWriter()
        header.u32le(0xa1b2_c3d4)  // microsecond timestamps
        header.u16le(2)
        header.u16le(4)
        header.u32le(0)  // thiszone
        header.u32le(0)  // sigfigs
        header.u32le(UInt32(Self.snapLength))
        header.u32le(Self.linkType)
        try file.write(header.bytes)
    }

    public func close() { file.close() }

    /// Writes one frame seen at `time` (seconds since 1970) between `local` and `remote`
    /// (`ip:port`, `[v6]:port`); `magic` re-frames v2 messages. Steps of the v2 handshake
    /// are skipped (they are not Bitcoin frames).
    public func write(_ frame: FrameEvent, at time: Double, local: String?, remote: String, magic: Magic) throws(CaptureError) {
        guard let bytes = Self.frameBytes(frame, magic: magic) else { return }
        let ours = Self.endpoint(local)
        let theirs = Self.endpoint(remote)
        let (source, destination) = frame.direction == .sent ? (ours, theirs) : (theirs, ours)
        var pdu = ByteWriter()
        pdu.tag(12, Array("bitcoin".utf8))
        // Both IPv4, or both IPv6 (an IPv4 address then in its mapped form).
        if let s4 = source.ip.ipv4, let d4 = destination.ip.ipv4 {
            pdu.tag(20, s4)
            pdu.tag(21, d4)
        } else {
            pdu.tag(22, source.ip.bytes)
            pdu.tag(23, destination.ip.bytes)
        }
        pdu.tag(24, u32be(2))  // port type: TCP
        pdu.tag(25, u32be(UInt32(source.port)))
        pdu.tag(26, u32be(UInt32(destination.port)))
        pdu.tag(0, [])
        // A frame the log trimmed keeps its length on the wire: tshark then says the
        // packet was cut short rather than malformed.
        let original = pdu.bytes.count + max(bytes.count, frame.trimmed?.originalLength ?? 0)
        let kept = min(original, Self.snapLength)
        var record = ByteWriter()
        let seconds = max(0, time)
        let whole = UInt32(clamping: Int64(seconds))
        record.u32le(whole)
        record.u32le(UInt32(clamping: Int64((seconds - Double(whole)) * 1e6)))
        record.u32le(UInt32(kept))
        record.u32le(UInt32(original))
        record.bytes += pdu.bytes
        record.bytes += bytes.prefix(kept - pdu.bytes.count)
        let captured = record.bytes.count - 16
        if captured < kept {  // a trimmed frame: the record holds what there is
            let n = UInt32(captured)
            record.bytes.replaceSubrange(8..<12, with: [UInt8(n & 0xff), UInt8(n >> 8 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 24)])
        }
        try file.write(record.bytes)
        records += 1
    }

    /// The bytes a frame contributes: v1 as on the wire, v2 messages as a v1 frame.
    public static func frameBytes(_ frame: FrameEvent, magic: Magic) -> [UInt8]? {
        switch (frame.transport, frame.kind) {
        case (.v1, .message):
            return frame.raw
        case (.v2, .message):
            // A v2 message the log trimmed cannot be re-framed faithfully: left out.
            guard frame.trimmed == nil, let payload = frame.plaintext, let command = frame.command else { return nil }
            return FrameEncoder.frame(command: command, payload: payload, magic: magic)
        default:
            return nil
        }
    }

    static func endpoint(_ text: String?) -> (ip: IPAddress, port: UInt16) {
        guard let text, case let .success(e) = Endpoint.parse(text, defaultPort: 0, allowPortZero: true),
              let ip = IPAddress(e.host) else { return (.unspecified, 0) }
        return (ip, e.port)
    }

    private func u32be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
}

/// Little- and big-endian appends for file formats.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u16le(_ v: UInt16) { bytes += [UInt8(v & 0xff), UInt8(v >> 8)] }
    mutating func u32le(_ v: UInt32) { bytes += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
    mutating func u16be(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xff)] }

    /// An exported-PDU tag: type and length big-endian, the value NUL-padded to 4 bytes.
    /// Wireshark skips exactly `length` bytes to the next tag, so the length counts the
    /// padding (as its own exporter writes it).
    mutating func tag(_ type: UInt16, _ value: [UInt8]) {
        let padding = (4 - value.count % 4) % 4
        u16be(type)
        u16be(UInt16(value.count + padding))
        bytes += value
        bytes += [UInt8](repeating: 0, count: padding)
    }
}
