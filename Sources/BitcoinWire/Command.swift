/// A message type: the command of a v1 header, or of a v2 packet. At most 12 printable
/// ASCII bytes (0x20...0x7e), checked once, where a `Command` is made from outside input.
///
/// Every command verack knows is a constant here, and ``Command/table`` is the one list
/// from which everything that names commands derives: `Message.command`, the known
/// commands, the interned header commands, BIP324's short ids, the console's completion
/// and the fuzz dictionary.
public struct Command: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The command's text, without the NUL padding.
    public let name: String

    /// A command from the table below: its text is known to be valid.
    private init(known name: String) { self.name = name }

    /// A command from outside input: at most 12 printable ASCII bytes (the empty command
    /// is allowed, as a header of 12 NULs carries it).
    public init(_ name: some StringProtocol) throws(WireError) {
        let bytes = Array(name.utf8)
        guard bytes.count <= Self.maxLength else {
            throw .invalidValue(field: "command", offset: 0, reason: "'\(name)' is \(bytes.count) bytes, at most \(Self.maxLength) are allowed")
        }
        if let bad = bytes.first(where: { !Self.isPrintable($0) }) {
            throw .invalidValue(field: "command", offset: 0, reason: "byte 0x\(String(bad, radix: 16)) is not printable ASCII")
        }
        self.name = String(name)
    }

    /// Like ``init(_:)`` but nil for text that is not a command.
    public init?(validating name: some StringProtocol) {
        guard let c = try? Command(name) else { return nil }
        self = c
    }

    /// Bytes that are printable ASCII (the header's first bytes were checked already).
    init(uncheckedBytes bytes: some Collection<UInt8>) {
        name = String(decoding: bytes, as: UTF8.self)
    }

    /// Bytes a command may hold.
    @inline(__always)
    public static func isPrintable(_ byte: UInt8) -> Bool { byte >= 0x20 && byte <= 0x7e }

    /// The command field's width in a v1 header and in a v2 long-form message type.
    public static let maxLength = MessageHeader.commandLength

    public var description: String { name }
    public static func < (a: Command, b: Command) -> Bool { a.name < b.name }

    /// The 12 wire bytes: the name, NUL-padded.
    public var wireBytes: [UInt8] {
        var bytes = Array(name.utf8.prefix(Self.maxLength))
        bytes += [UInt8](repeating: 0, count: Self.maxLength - bytes.count)
        return bytes
    }

    /// What the table knows of this command, nil for one it does not know.
    public var entry: Entry? { Self.entries[self] }
    /// Whether verack decodes this command's payload into typed fields.
    public var isDecoded: Bool { entry?.decoded ?? false }
    /// BIP324's one-byte short id, if the command has one.
    public var v2ShortID: UInt8? { entry?.v2ShortID }

    /// One row of the table.
    public struct Entry: Sendable, Hashable {
        public var command: Command
        /// BIP324's short message type id (1...28).
        public var v2ShortID: UInt8?
        /// Whether ``Message`` decodes it (false for retired commands kept only for names).
        public var decoded: Bool
        /// Where the message is specified.
        public var specification: String
    }

    // MARK: - The table

    public static let version = Command(known: "version")
    public static let verack = Command(known: "verack")
    public static let addr = Command(known: "addr")
    public static let addrv2 = Command(known: "addrv2")
    public static let sendaddrv2 = Command(known: "sendaddrv2")
    public static let inv = Command(known: "inv")
    public static let getdata = Command(known: "getdata")
    public static let merkleblock = Command(known: "merkleblock")
    public static let getblocks = Command(known: "getblocks")
    public static let getheaders = Command(known: "getheaders")
    public static let tx = Command(known: "tx")
    public static let headers = Command(known: "headers")
    public static let block = Command(known: "block")
    public static let getaddr = Command(known: "getaddr")
    public static let mempool = Command(known: "mempool")
    public static let ping = Command(known: "ping")
    public static let pong = Command(known: "pong")
    public static let notfound = Command(known: "notfound")
    public static let filterload = Command(known: "filterload")
    public static let filteradd = Command(known: "filteradd")
    public static let filterclear = Command(known: "filterclear")
    public static let sendheaders = Command(known: "sendheaders")
    public static let feefilter = Command(known: "feefilter")
    public static let sendcmpct = Command(known: "sendcmpct")
    public static let cmpctblock = Command(known: "cmpctblock")
    public static let getblocktxn = Command(known: "getblocktxn")
    public static let blocktxn = Command(known: "blocktxn")
    public static let getcfilters = Command(known: "getcfilters")
    public static let cfilter = Command(known: "cfilter")
    public static let getcfheaders = Command(known: "getcfheaders")
    public static let cfheaders = Command(known: "cfheaders")
    public static let getcfcheckpt = Command(known: "getcfcheckpt")
    public static let cfcheckpt = Command(known: "cfcheckpt")
    public static let wtxidrelay = Command(known: "wtxidrelay")
    public static let sendtxrcncl = Command(known: "sendtxrcncl")
    /// BIP434 (protocol 70017, on Core's master in 2026).
    public static let feature = Command(known: "feature")
    /// BIP61, retired from Core in 0.20 but still sent by old nodes and forks.
    public static let reject = Command(known: "reject")

    /// The command a header shows when its command field cannot be read (the error says
    /// why); not a command any peer sends.
    public static let unreadable = Command(known: "?")

    /// Every known command: Bitcoin Core's `ALL_NET_MESSAGE_TYPES` (src/protocol.h) in its
    /// order, then the retired ones verack still decodes. BIP324's short ids are from the
    /// BIP's own table (1...28).
    public static let table: [Entry] = [
        Entry(command: .version, v2ShortID: nil, decoded: true, specification: "protocol"),
        Entry(command: .verack, v2ShortID: nil, decoded: true, specification: "protocol"),
        Entry(command: .addr, v2ShortID: 1, decoded: true, specification: "protocol"),
        Entry(command: .addrv2, v2ShortID: 28, decoded: true, specification: "BIP155"),
        Entry(command: .sendaddrv2, v2ShortID: nil, decoded: true, specification: "BIP155"),
        Entry(command: .inv, v2ShortID: 14, decoded: true, specification: "protocol"),
        Entry(command: .getdata, v2ShortID: 11, decoded: true, specification: "protocol"),
        Entry(command: .merkleblock, v2ShortID: 16, decoded: true, specification: "BIP37"),
        Entry(command: .getblocks, v2ShortID: 9, decoded: true, specification: "protocol"),
        Entry(command: .getheaders, v2ShortID: 12, decoded: true, specification: "protocol"),
        Entry(command: .tx, v2ShortID: 21, decoded: true, specification: "protocol, BIP144"),
        Entry(command: .headers, v2ShortID: 13, decoded: true, specification: "protocol"),
        Entry(command: .block, v2ShortID: 2, decoded: true, specification: "protocol, BIP144"),
        Entry(command: .getaddr, v2ShortID: nil, decoded: true, specification: "protocol"),
        Entry(command: .mempool, v2ShortID: 15, decoded: true, specification: "BIP35"),
        Entry(command: .ping, v2ShortID: 18, decoded: true, specification: "BIP31"),
        Entry(command: .pong, v2ShortID: 19, decoded: true, specification: "BIP31"),
        Entry(command: .notfound, v2ShortID: 17, decoded: true, specification: "protocol"),
        Entry(command: .filterload, v2ShortID: 8, decoded: true, specification: "BIP37"),
        Entry(command: .filteradd, v2ShortID: 6, decoded: true, specification: "BIP37"),
        Entry(command: .filterclear, v2ShortID: 7, decoded: true, specification: "BIP37"),
        Entry(command: .sendheaders, v2ShortID: nil, decoded: true, specification: "BIP130"),
        Entry(command: .feefilter, v2ShortID: 5, decoded: true, specification: "BIP133"),
        Entry(command: .sendcmpct, v2ShortID: 20, decoded: true, specification: "BIP152"),
        Entry(command: .cmpctblock, v2ShortID: 4, decoded: true, specification: "BIP152"),
        Entry(command: .getblocktxn, v2ShortID: 10, decoded: true, specification: "BIP152"),
        Entry(command: .blocktxn, v2ShortID: 3, decoded: true, specification: "BIP152"),
        Entry(command: .getcfilters, v2ShortID: 22, decoded: true, specification: "BIP157"),
        Entry(command: .cfilter, v2ShortID: 23, decoded: true, specification: "BIP157"),
        Entry(command: .getcfheaders, v2ShortID: 24, decoded: true, specification: "BIP157"),
        Entry(command: .cfheaders, v2ShortID: 25, decoded: true, specification: "BIP157"),
        Entry(command: .getcfcheckpt, v2ShortID: 26, decoded: true, specification: "BIP157"),
        Entry(command: .cfcheckpt, v2ShortID: 27, decoded: true, specification: "BIP157"),
        Entry(command: .wtxidrelay, v2ShortID: nil, decoded: true, specification: "BIP339"),
        Entry(command: .sendtxrcncl, v2ShortID: nil, decoded: true, specification: "BIP330"),
        Entry(command: .feature, v2ShortID: nil, decoded: true, specification: "BIP434"),
        Entry(command: .reject, v2ShortID: nil, decoded: true, specification: "BIP61 (retired)"),
    ]

    /// Every command of the table.
    public static let all: [Command] = table.map(\.command)
    /// The commands ``Message`` decodes into typed fields.
    public static let decodedCommands: [Command] = table.filter(\.decoded).map(\.command)

    private static let entries: [Command: Entry] = Dictionary(table.map { ($0.command, $0) }, uniquingKeysWith: { a, _ in a })

    /// BIP324's short ids: index = id, nil where none is assigned (0 is the long form).
    public static let v2ShortIDs: [Command?] = {
        var ids = [Command?](repeating: nil, count: 29)
        for entry in table { if let id = entry.v2ShortID { ids[Int(id)] = entry.command } }
        return ids
    }()

    /// The command of BIP324 short id `id`, if one is assigned.
    public static func command(v2ShortID id: UInt8) -> Command? {
        Int(id) < v2ShortIDs.count ? v2ShortIDs[Int(id)] : nil
    }

    /// Every command's 12 wire bytes as two little-endian words, so that a header carrying
    /// one is parsed with integer compares and no validation loop, most frequent first.
    static let interned: [(low: UInt64, high: UInt32, command: Command)] = {
        let frequent: [Command] = [.ping, .pong, .inv, .getdata, .tx, .headers, .addr, .addrv2, .block, .cmpctblock]
        let order = frequent + all.filter { !frequent.contains($0) }
        return order.map { command in
            let bytes = command.wireBytes
            let low = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let high = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self) }
            return (low, high, command)
        }
    }()
}
