import BitcoinWire

/// The message type at the start of v2 packet contents (BIP324, "v2 Bitcoin P2P message
/// structure"): one byte, a short id in 1...255, or 0 followed by the 12-byte command,
/// NUL-padded as in v1. The payload follows.
public enum V2MessageType: Equatable, Sendable {
    /// A command, by short id or long form; the payload starts at `payloadOffset` (1 or 13)
    /// from the start of the contents.
    case known(command: Command, payloadOffset: Int)
    /// A short id with no command assigned (Core ignores such a message and keeps the
    /// connection); the payload starts at offset 1.
    case unknownID(UInt8)
    /// Contents that cannot hold a message type.
    case malformed(V2MessageTypeError)

    /// Byte count of the long form: 0 + 12-byte command.
    public static let longFormSize = 13

    /// The message type of `contents`.
    public static func decode(_ contents: some Collection<UInt8>) -> V2MessageType {
        guard let first = contents.first else { return .malformed(.empty) }
        if first != 0 {
            guard let command = Command.command(v2ShortID: first) else { return .unknownID(first) }
            return .known(command: command, payloadOffset: 1)
        }
        guard contents.count >= longFormSize else { return .malformed(.truncatedLongForm(contents.count)) }
        let field = Array(contents.dropFirst().prefix(12))
        let length = field.firstIndex(of: 0) ?? 12
        if length == 0 { return .malformed(.emptyCommand) }
        if let bad = field[..<length].first(where: { !Command.isPrintable($0) }) {
            return .malformed(.nonPrintableCommand(bad))
        }
        if field[length...].contains(where: { $0 != 0 }) { return .malformed(.badPadding) }
        guard let command = Command(validating: String(decoding: field[..<length], as: UTF8.self)) else {
            return .malformed(.badPadding)
        }
        return .known(command: command, payloadOffset: longFormSize)
    }

    /// The bytes that start the contents of a `command` message: its short id when it has
    /// one, else 0 + the command NUL-padded to 12 bytes.
    public static func encode(command: Command) throws(BIP324Error) -> [UInt8] {
        if let id = command.v2ShortID { return [id] }
        guard !command.name.isEmpty else { throw .invalidCommand(command.name) }
        return [0] + command.wireBytes
    }

    /// `command`'s message type followed by `payload`: the contents of one packet.
    public static func contents(command: Command, payload: some Collection<UInt8>) throws(BIP324Error) -> [UInt8] {
        var contents = try encode(command: command)
        contents.append(contentsOf: payload)
        return contents
    }
}

/// Why contents hold no message type.
public enum V2MessageTypeError: Error, Equatable, Sendable {
    /// No bytes at all.
    case empty
    /// A 0 byte followed by fewer than 12 bytes; the contents' byte count.
    case truncatedLongForm(Int)
    /// The 12 bytes are all NUL.
    case emptyCommand
    /// A command byte outside printable ASCII (0x20...0x7e).
    case nonPrintableCommand(UInt8)
    /// A non-NUL byte after the command's first NUL.
    case badPadding
}

/// The case as Swift writes it (`truncatedLongForm(8)`), without the runtime's reflection:
/// the receive path interpolates it for every malformed packet.
extension V2MessageTypeError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .empty: return "empty"
        case let .truncatedLongForm(count): return "truncatedLongForm(\(count))"
        case .emptyCommand: return "emptyCommand"
        case let .nonPrintableCommand(byte): return "nonPrintableCommand(\(byte))"
        case .badPadding: return "badPadding"
        }
    }
}

/// BIP324's table of one-byte message type ids (1...28), from ``Command/table``. Later BIPs
/// propose more (29 and up, in the BIP's message_type_ids.md); those are not assigned here
/// until final.
public enum V2MessageID {
    /// Index = id; index 0 is the long form marker, not a command.
    public static var commands: [Command?] { Command.v2ShortIDs }

    /// The short id of `command`, if it has one.
    public static func id(for command: Command) -> UInt8? { command.v2ShortID }

    /// The command of short id `id`, if one is assigned.
    public static func command(for id: UInt8) -> Command? { Command.command(v2ShortID: id) }
}
