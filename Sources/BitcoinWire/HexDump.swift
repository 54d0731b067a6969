/// The part of a frame or packet a byte belongs to, for marking dumps.
public enum FrameRegion: String, Sendable, CaseIterable {
    // v1: the 24-byte header and the payload.
    case magic, command, length, checksum, payload
    // v2 (BIP324): a packet's encrypted 3-byte length, encrypted header byte, encrypted
    // contents and 16-byte tag; the handshake's key, garbage and garbage terminator.
    case encryptedLength = "enc-length"
    case headerByte = "header"
    case contents
    case tag
    case key
    case garbage
    case terminator

    /// The region of `offset` in a v1 frame.
    public init(offset: Int) {
        switch offset {
        case MessageHeader.magicRange: self = .magic
        case MessageHeader.commandRange: self = .command
        case MessageHeader.lengthRange: self = .length
        case MessageHeader.checksumRange: self = .checksum
        default: self = .payload
        }
    }
}

/// Where each region lies in a unit's wire bytes: a v1 header and payload, a v2 packet's
/// length, header byte, contents and tag, or one handshake step. The UI marks dumps by it
/// and never assumes that a frame starts with a 24-byte header.
public struct FrameLayout: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public var region: FrameRegion
        public var range: Range<Int>
        public init(_ region: FrameRegion, _ range: Range<Int>) {
            self.region = region
            self.range = range
        }
    }

    public var parts: [Part]

    public init(_ parts: [Part]) { self.parts = parts }

    /// A v1 frame of `count` bytes (shorter than a header: what is there).
    public static func v1(count: Int) -> FrameLayout {
        // The usual case, a whole header: its four parts are always the same (one array,
        // copied only when a payload part is added).
        if count >= MessageHeader.size {
            var parts = v1HeaderParts
            if count > MessageHeader.size { parts.append(Part(.payload, MessageHeader.size..<count)) }
            return FrameLayout(parts)
        }
        // A frame cut inside its header: the parts that began, clipped.
        return FrameLayout(v1HeaderParts.compactMap { part in
            part.range.lowerBound < count ? Part(part.region, part.range.lowerBound..<min(part.range.upperBound, count)) : nil
        })
    }

    private static let v1HeaderParts = [
        Part(.magic, MessageHeader.magicRange), Part(.command, MessageHeader.commandRange),
        Part(.length, MessageHeader.lengthRange), Part(.checksum, MessageHeader.checksumRange),
    ]

    /// A v2 packet of `count` bytes: 3 length bytes, 1 header byte, contents, 16 tag bytes.
    public static func v2Packet(count: Int) -> FrameLayout {
        guard count >= 20 else { return FrameLayout([Part(.contents, 0..<count)]) }
        return FrameLayout([
            Part(.encryptedLength, 0..<3), Part(.headerByte, 3..<4),
            Part(.contents, 4..<(count - 16)), Part(.tag, (count - 16)..<count),
        ])
    }

    /// One region over all `count` bytes (a v2 key, garbage or terminator).
    public static func whole(_ region: FrameRegion, count: Int) -> FrameLayout {
        FrameLayout([Part(region, 0..<count)])
    }

    /// The region of the byte at `offset` (nil outside every part).
    public func region(at offset: Int) -> FrameRegion? {
        parts.first { $0.range.contains(offset) }?.region
    }

    /// The regions present, in order, once each.
    public var regions: [FrameRegion] {
        var seen: [FrameRegion] = []
        for p in parts where !seen.contains(p.region) { seen.append(p.region) }
        return seen
    }

    /// Where the message's plaintext payload lies in the wire bytes (v1 only: a v2
    /// packet's contents are encrypted).
    public var payloadRange: Range<Int>? {
        parts.first { $0.region == .payload }?.range
    }
}

/// Classic hex dumps: offset, 16 bytes of hex, and the bytes as ASCII.
public enum HexDump {
    public static let bytesPerLine = 16

    /// One row of a dump.
    public struct Line: Equatable, Sendable {
        public var offset: Int
        public var bytes: ArraySlice<UInt8>

        /// `0000  f9 be b4 d9 76 65 72 73  69 6f 6e 00 00 00 00 00  |....version.....|`
        public var text: String {
            var hex = ""
            for i in 0..<HexDump.bytesPerLine {
                if i == 8 { hex += " " }
                if i < bytes.count {
                    hex += Hex.encode([bytes[bytes.startIndex + i]]) + " "
                } else {
                    hex += "   "
                }
            }
            let ascii = String(bytes.map { $0 >= 0x20 && $0 < 0x7f ? Character(Unicode.Scalar($0)) : "." })
            return "\(HexDump.offsetText(offset))  \(hex) |\(ascii)|"
        }
    }

    public static func offsetText(_ offset: Int) -> String {
        let h = String(offset, radix: 16)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    /// Characters in a line of 16 bytes at an offset below 0x10000.
    static let fullLineWidth = Line(offset: 0, bytes: ArraySlice(repeating: 0, count: bytesPerLine)).text.count

    public static func lines(_ bytes: [UInt8]) -> [Line] {
        stride(from: 0, to: bytes.count, by: bytesPerLine).map {
            Line(offset: $0, bytes: bytes[$0..<min(bytes.count, $0 + bytesPerLine)])
        }
    }

    /// The dump of a frame, with the header fields named at the end of the lines that hold
    /// them.
    public static func frameDump(_ bytes: [UInt8]) -> [String] {
        lines(bytes).map { line in
            let text = line.text
            // A short last line is padded so the notes stay in their column.
            let padded = text + String(repeating: " ", count: max(0, fullLineWidth - text.count))
            switch line.offset {
            case 0: return padded + "  magic 0-3, command 4-15"
            case 16: return padded + "  length 16-19, checksum 20-23, payload 24-"
            default: return text
            }
        }
    }
}
