/// The part of a frame a byte belongs to, for marking dumps.
public enum FrameRegion: String, Sendable, CaseIterable {
    case magic, command, length, checksum, payload

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
