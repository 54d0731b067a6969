/// The 24-byte v1 frame header: magic, command, payload length, checksum.
public struct MessageHeader: Hashable, Sendable {
    public static let size = 24
    public static let commandLength = 12
    /// Bitcoin Core's `MAX_PROTOCOL_MESSAGE_LENGTH`.
    public static let maxPayloadLength = 4_000_000

    public var magic: Magic
    public var command: Command
    public var length: UInt32
    public var checksum: Checksum

    public init(magic: Magic, command: Command, length: UInt32, checksum: Checksum) {
        self.magic = magic
        self.command = command
        self.length = length
        self.checksum = checksum
    }

    /// Byte ranges of the header fields, for marking hex dumps.
    public static let magicRange = 0..<4
    public static let commandRange = 4..<16
    public static let lengthRange = 16..<20
    public static let checksumRange = 20..<24

    /// Reads a header from the first 24 bytes of `bytes` without judging the magic or the
    /// length. The command must be printable ASCII padded with NULs.
    public static func parse(_ bytes: ArraySlice<UInt8>, streamOffset: Int = 0) throws(WireError) -> MessageHeader {
        let (header, commandError) = try parseKeepingBadCommand(bytes, streamOffset: streamOffset)
        if let commandError { throw commandError }
        return header
    }

    /// Like ``parse(_:streamOffset:)``, but an unreadable command becomes `?` and its error
    /// comes back beside the header, so the rest of the header can still be used (Core
    /// skips such a message by its length; a dump still shows it).
    public static func parseKeepingBadCommand(
        _ bytes: ArraySlice<UInt8>, streamOffset: Int = 0
    ) throws(WireError) -> (header: MessageHeader, commandError: WireError?) {
        guard bytes.count >= size else {
            throw .truncated(field: "header", offset: streamOffset, needed: size, available: bytes.count)
        }
        let s = bytes.startIndex
        var command = Command.unreadable
        var commandError: WireError?
        do {
            command = try parseCommand(bytes[(s + 4)..<(s + 16)], streamOffset: streamOffset + 4)
        } catch {
            commandError = error
        }
        let header = MessageHeader(
            magic: Magic(value: uint32(bytes, at: 0)), command: command, length: uint32(bytes, at: 16),
            checksum: Checksum(value: uint32(bytes, at: checksumRange.lowerBound)))
        return (header, commandError)
    }

    /// The little-endian 32-bit word at `offset` from the start of `bytes` (a header field:
    /// magic 0, length 16, checksum 20). The caller makes sure the 4 bytes are there.
    @inline(__always)
    public static func uint32(_ bytes: ArraySlice<UInt8>, at offset: Int) -> UInt32 {
        let i = bytes.startIndex + offset
        return UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }

    /// Printable ASCII, then only NULs.
    static func parseCommand(_ field: ArraySlice<UInt8>, streamOffset: Int) throws(WireError) -> Command {
        if field.count == commandLength {
            let (low, high) = field.withUnsafeBytes {
                ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            }
            for entry in Command.interned where entry.low == low && entry.high == high { return entry.command }
        }
        var end = field.startIndex
        while end < field.endIndex, field[end] != 0 { end += 1 }
        let name = field[field.startIndex..<end]
        guard name.count <= Command.maxLength, name.allSatisfy(Command.isPrintable), field[end...].allSatisfy({ $0 == 0 }) else {
            throw .invalidCommand(bytes: Array(field), offset: streamOffset)
        }
        return Command(uncheckedBytes: name)
    }

    /// The header as fields, with byte ranges.
    public var fields: [Field] {
        [
            Field(name: "magic", value: .bytes(magic.bytes), range: Self.magicRange),
            Field(name: "command", value: .text(command.name), range: Self.commandRange),
            Field(name: "length", value: .uint(UInt64(length)), range: Self.lengthRange),
            Field(name: "checksum", value: .bytes(checksum.bytes), range: Self.checksumRange),
        ]
    }

    /// The 24 bytes.
    public func encode() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        write(into: &bytes)
        return bytes
    }

    /// Writes the 24 bytes over the start of `frame` (which holds at least that many).
    func write(into frame: inout [UInt8]) {
        frame.withUnsafeMutableBytes { out in
            out.storeBytes(of: magic.value.littleEndian, toByteOffset: Self.magicRange.lowerBound, as: UInt32.self)
            var i = Self.commandRange.lowerBound
            for byte in command.name.utf8.prefix(Self.commandLength) {
                out[i] = byte
                i += 1
            }
            while i < Self.commandRange.upperBound {
                out[i] = 0
                i += 1
            }
            out.storeBytes(of: length.littleEndian, toByteOffset: Self.lengthRange.lowerBound, as: UInt32.self)
            out.storeBytes(of: checksum.value.littleEndian, toByteOffset: Self.checksumRange.lowerBound, as: UInt32.self)
        }
    }
}

/// Builds frames to send: each in one buffer, the header written in front of the payload
/// once the payload is there (no separate header, payload and joined arrays).
public enum FrameEncoder {
    /// Header and payload of `message` for a network with `magic`.
    public static func encode(_ message: Message, magic: Magic) -> [UInt8] {
        var w = WireWriter(capacity: MessageHeader.size + 128)
        w.write(bytes: headerSpace)
        message.encodePayload(into: &w)
        var frame = w.take()
        finish(&frame, command: message.command, magic: magic)
        return frame
    }

    public static func frame(command: Command, payload: [UInt8], magic: Magic) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(MessageHeader.size + payload.count)
        bytes.append(contentsOf: headerSpace)
        bytes.append(contentsOf: payload)
        finish(&bytes, command: command, magic: magic)
        return bytes
    }

    private static let headerSpace = [UInt8](repeating: 0, count: MessageHeader.size)

    /// `frame`: room for the header, then the payload; the header filled in.
    private static func finish(_ frame: inout [UInt8], command: Command, magic: Magic) {
        let payloadCount = frame.count - MessageHeader.size
        let checksum = frame.withUnsafeBytes { Checksum(of: UnsafeRawBufferPointer(rebasing: $0[MessageHeader.size...])) }
        MessageHeader(magic: magic, command: command, length: UInt32(payloadCount), checksum: checksum).write(into: &frame)
    }
}

/// Ways to break a frame on purpose, to watch how a peer reacts.
public enum Corruption: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The checksum field is inverted: Core drops the message and stays connected.
    case checksum
    /// The magic is inverted: Core disconnects at once.
    case magic
    /// The length claims one byte more than is sent: the peer waits for it.
    case length
    /// The length claims one byte less: the rest is read as the next header.
    case lengthShort = "length-short"
    /// The length is above the 4,000,000-byte limit: Core disconnects on the header.
    case lengthOversized = "length-oversized"
    /// The header is honest but only half of the payload is sent.
    case truncate
    /// v2: one bit of the packet's ciphertext (its tag) flipped: a correct peer hangs up.
    case tag
    /// v2 handshake: our 64-byte key is altered, so the two sides derive different keys.
    case key
    /// v2 handshake: our garbage terminator is altered, so the peer never finds it.
    case terminator

    public var description: String { rawValue }

    /// The kinds that break a v1 frame.
    public static let v1Kinds: [Corruption] = [.checksum, .magic, .length, .lengthShort, .lengthOversized, .truncate]
    /// The kinds that break a v2 packet (`length`: the encrypted length is altered).
    public static let v2PacketKinds: [Corruption] = [.tag, .length]
    /// The kinds `resend --corrupt` takes: a v1 frame's, and v2's tag (`length` serves both).
    public static let resendKinds: [Corruption] = v1Kinds + [.tag]
    /// The kinds that break the v2 handshake itself (for `handshake --corrupt`).
    public static let v2HandshakeKinds: [Corruption] = [.key, .terminator]

    /// The corrupted bytes of a well-formed `frame`.
    public func apply(to frame: [UInt8]) throws(WireError) -> [UInt8] {
        guard frame.count >= MessageHeader.size else {
            throw .truncated(field: "header", offset: 0, needed: MessageHeader.size, available: frame.count)
        }
        var out = frame
        let payloadLength = frame.count - MessageHeader.size
        func setLength(_ v: UInt32) {
            withUnsafeBytes(of: v.littleEndian) { for i in 0..<4 { out[16 + i] = $0[i] } }
        }
        switch self {
        case .checksum:
            for i in MessageHeader.checksumRange { out[i] ^= 0xff }
        case .magic:
            for i in MessageHeader.magicRange { out[i] ^= 0xff }
        case .length:
            setLength(UInt32(payloadLength + 1))
        case .lengthShort:
            guard payloadLength > 0 else {
                throw .invalidValue(field: "length", offset: 16, reason: "the payload is empty, so the length cannot be shortened")
            }
            setLength(UInt32(payloadLength - 1))
        case .lengthOversized:
            setLength(UInt32(MessageHeader.maxPayloadLength + 1))
        case .truncate:
            guard payloadLength > 0 else {
                throw .invalidValue(field: "payload", offset: 24, reason: "the payload is empty, so it cannot be truncated")
            }
            out.removeLast(payloadLength - payloadLength / 2)
        case .tag, .key, .terminator:
            throw .invalidValue(field: "frame", offset: 0, reason: "'\(self)' breaks the v2 transport, not a v1 frame")
        }
        return out
    }
}
