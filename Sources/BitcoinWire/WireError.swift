/// Everything that can be wrong with bytes claimed to be Bitcoin P2P messages.
///
/// Offsets are byte offsets from the start of the frame (or of the stream, for errors the
/// ``FrameDecoder`` reports), so a user can find the bad byte in a hex dump.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended inside `field`, which needed `needed` bytes at `offset`.
    case truncated(field: String, offset: Int, needed: Int, available: Int)
    /// A CompactSize used more bytes than its value needs.
    case nonCanonicalCompactSize(offset: Int, value: UInt64)
    /// A count (of addresses, inventory items, ...) is above the protocol's limit.
    case countTooLarge(field: String, count: UInt64, limit: Int, offset: Int)
    /// A length-prefixed string or byte field is longer than the protocol allows.
    case lengthTooLarge(field: String, length: UInt64, limit: Int, offset: Int)
    /// A field holds a value the protocol does not allow.
    case invalidValue(field: String, offset: Int, reason: String)
    /// The payload has bytes after the last field of its message.
    case trailingBytes(offset: Int, count: Int)
    /// The frame does not start with the network's magic. Ends the stream.
    case badMagic(expected: Magic, actual: Magic, offset: Int)
    /// The header announces a payload above the limit. Ends the stream.
    case payloadTooLarge(length: UInt32, limit: Int, offset: Int)
    /// The command field is not NUL-padded printable ASCII.
    case invalidCommand(bytes: [UInt8], offset: Int)
    /// The checksum in the header is not the double SHA-256 of the payload.
    case checksumMismatch(expected: Checksum, actual: Checksum, offset: Int)
    /// Text given as hex is not hex.
    case invalidHex(reason: String)

    public var description: String {
        switch self {
        case let .truncated(field, offset, needed, available):
            return "truncated at offset \(offset): \(field) needs \(needed) bytes, \(available) left"
        case let .nonCanonicalCompactSize(offset, value):
            return "non-canonical CompactSize at offset \(offset): value \(value) uses more bytes than needed"
        case let .countTooLarge(field, count, limit, offset):
            return "\(field) count \(count) at offset \(offset) is above the limit of \(limit)"
        case let .lengthTooLarge(field, length, limit, offset):
            return "\(field) length \(length) at offset \(offset) is above the limit of \(limit)"
        case let .invalidValue(field, offset, reason):
            return "invalid \(field) at offset \(offset): \(reason)"
        case let .trailingBytes(offset, count):
            return "\(count) unexpected trailing bytes at offset \(offset)"
        case let .badMagic(expected, actual, offset):
            // Text where a frame should start usually means another protocol ("HTTP").
            let bytes = actual.bytes
            let text = bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) ? " (\"\(String(decoding: bytes, as: UTF8.self))\")" : ""
            return "wrong magic at offset \(offset): expected \(expected), got \(actual)\(text)"
        case let .payloadTooLarge(length, limit, offset):
            return "payload length \(length) at offset \(offset) is above the limit of \(limit) bytes"
        case let .invalidCommand(bytes, offset):
            return "invalid command at offset \(offset): \(Hex.encode(bytes))"
        case let .checksumMismatch(expected, actual, offset):
            return "checksum mismatch in frame at offset \(offset): header says \(actual), payload hashes to \(expected)"
        case let .invalidHex(reason):
            return "invalid hex: \(reason)"
        }
    }

    /// Whether the error ends a stream (the peer is unusable after it) rather than one frame.
    public var isFatalToStream: Bool {
        switch self {
        case .badMagic, .payloadTooLarge: return true
        default: return false
        }
    }
}
