/// The message type at the start of v2 packet contents (BIP324, "v2 Bitcoin P2P message
/// structure"): one byte, a short id in 1...255, or 0 followed by the 12-byte command,
/// NUL-padded as in v1. The payload follows.
public enum V2MessageType: Equatable, Sendable {
    /// A command, by short id or long form; the payload starts at `payloadOffset` (1 or 13)
    /// from the start of the contents.
    case known(command: String, payloadOffset: Int)
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
            guard let command = V2MessageID.command(for: first) else { return .unknownID(first) }
            return .known(command: command, payloadOffset: 1)
        }
        guard contents.count >= longFormSize else { return .malformed(.truncatedLongForm(contents.count)) }
        let field = Array(contents.dropFirst().prefix(12))
        let length = field.firstIndex(of: 0) ?? 12
        if length == 0 { return .malformed(.emptyCommand) }
        if let bad = field[..<length].first(where: { $0 < 0x20 || $0 > 0x7e }) {
            return .malformed(.nonPrintableCommand(bad))
        }
        if field[length...].contains(where: { $0 != 0 }) { return .malformed(.badPadding) }
        return .known(command: String(decoding: field[..<length], as: UTF8.self), payloadOffset: longFormSize)
    }

    /// The bytes that start the contents of a `command` message: its short id when it has
    /// one, else 0 + the command NUL-padded to 12 bytes.
    public static func encode(command: String) throws(BIP324Error) -> [UInt8] {
        if let id = V2MessageID.id(for: command) { return [id] }
        let bytes = Array(command.utf8)
        guard !bytes.isEmpty, bytes.count <= 12, bytes.allSatisfy({ $0 >= 0x20 && $0 <= 0x7e }) else {
            throw .invalidCommand(command)
        }
        return [0] + bytes + [UInt8](repeating: 0, count: 12 - bytes.count)
    }

    /// `command`'s message type followed by `payload`: the contents of one packet.
    public static func contents(command: String, payload: some Collection<UInt8>) throws(BIP324Error) -> [UInt8] {
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

/// BIP324's table of one-byte message type ids (1...28). Later BIPs propose more (29 and up,
/// in the BIP's message_type_ids.md); those are not assigned here until final.
public enum V2MessageID {
    /// Index = id; index 0 is the long form marker, not a command.
    public static let commands: [String] = [
        "",
        "addr", "block", "blocktxn", "cmpctblock", "feefilter", "filteradd", "filterclear",
        "filterload", "getblocks", "getblocktxn", "getdata", "getheaders", "headers", "inv",
        "mempool", "merkleblock", "notfound", "ping", "pong", "sendcmpct", "tx", "getcfilters",
        "cfilter", "getcfheaders", "cfheaders", "getcfcheckpt", "cfcheckpt", "addrv2",
    ]

    private static let ids: [String: UInt8] = {
        var ids: [String: UInt8] = [:]
        for (id, command) in commands.enumerated().dropFirst() { ids[command] = UInt8(id) }
        return ids
    }()

    /// The short id of `command`, if it has one.
    public static func id(for command: String) -> UInt8? { ids[command] }

    /// The command of short id `id`, if one is assigned.
    public static func command(for id: UInt8) -> String? {
        id != 0 && Int(id) < commands.count ? commands[Int(id)] : nil
    }
}
