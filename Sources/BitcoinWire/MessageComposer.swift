/// A message the user typed that cannot be composed: one line naming the command, the
/// argument (counted from 1 after the command) and what is wrong with it, as
/// `getdata: argument 2 'wblock:zz': a hash is 64 hex digits`.
public struct ComposeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var command: String
    /// The position of the argument (1 is the word after the command); nil when the
    /// message concerns the command itself.
    public var argument: Int?
    /// The argument as typed; nil when it is missing.
    public var word: String?
    public var reason: String

    public init(command: String, argument: Int? = nil, word: String? = nil, reason: String) {
        self.command = command
        self.argument = argument
        self.word = word
        self.reason = reason
    }

    public var description: String {
        var text = Self.shown(command, limit: 16)
        if let argument {
            text += ": argument \(argument)"
            if let word { text += " '\(Self.shown(word, limit: 40))'" }
        }
        return text + ": " + reason
    }

    /// The word on one line, control characters replaced, long words cut.
    static func shown(_ word: String, limit: Int) -> String {
        let clean = DisplayText.sanitize(word).replacingNewlines()
        return clean.count > limit ? String(clean.prefix(limit)) + "…" : clean
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(unicodeScalars.map { $0 == "\n" ? "\u{FFFD}" : Character($0) })
    }
}

/// Turns a short text form, as typed in the console, into a command name and payload
/// bytes, without the ``Message`` enum: `getdata wtx:HASH`, `ping 0x2a`, `raw foo 0102`.
///
/// Hashes are typed in display order (as explorers show them) and reversed onto the
/// wire. The forms compose well-formed messages only: Core's limits (101 locator hashes,
/// 50 hash functions, 36,000 filter bytes, …) are refused here; `raw` sends anything.
public enum MessageComposer {
    /// Every form with its usage line, for help text and completion.
    public static let forms: [(command: String, usage: String)] = [
        (Command.inv.name, "\(Command.inv) ITEM… (ITEM: \(itemUsage):HASH)"),
        (Command.getdata.name, "\(Command.getdata) ITEM… (ITEM: \(itemUsage):HASH)"),
        (Command.notfound.name, "\(Command.notfound) ITEM… (ITEM: \(itemUsage):HASH)"),
        (Command.getheaders.name, "\(Command.getheaders) [--stop HASH] HASH… (0 to 101 locator hashes, newest first)"),
        (Command.getblocks.name, "\(Command.getblocks) [--stop HASH] HASH… (0 to 101 locator hashes, newest first)"),
        (Command.ping.name, "\(Command.ping) [NONCE] (decimal or 0x-hex; random when absent)"),
        (Command.pong.name, "\(Command.pong) NONCE"),
        (Command.feefilter.name, "\(Command.feefilter) SAT_PER_KVB"),
        (Command.sendcmpct.name, "\(Command.sendcmpct) 0|1 VERSION"),
        (Command.sendtxrcncl.name, "\(Command.sendtxrcncl) VERSION SALT"),
        (Command.tx.name, "\(Command.tx) HEX (a serialized transaction)"),
        (Command.block.name, "\(Command.block) HEX (a serialized block)"),
        (Command.headers.name, "\(Command.headers) HEX (80-byte headers concatenated, or - for none)"),
        (Command.getblocktxn.name, "\(Command.getblocktxn) HASH INDEX… (absolute, increasing)"),
        (Command.filterload.name, "\(Command.filterload) HEX NHASHFUNCS TWEAK FLAGS (FLAGS: none|all|p2pubkeyonly|0-255)"),
        (Command.filteradd.name, "\(Command.filteradd) HEX (at most 520 bytes)"),
        (Command.getcfilters.name, "\(Command.getcfilters) TYPE START STOPHASH (TYPE: basic|0-255)"),
        (Command.getcfheaders.name, "\(Command.getcfheaders) TYPE START STOPHASH (TYPE: basic|0-255)"),
        (Command.getcfcheckpt.name, "\(Command.getcfcheckpt) TYPE STOPHASH (TYPE: basic|0-255)"),
        (Command.feature.name, "\(Command.feature) FEATUREID [HEX] (BIP434: 4 to 80 characters, at most 512 data bytes)"),
        (Command.verack.name, "\(Command.verack)"),
        (Command.sendheaders.name, "\(Command.sendheaders)"),
        (Command.wtxidrelay.name, "\(Command.wtxidrelay)"),
        (Command.sendaddrv2.name, "\(Command.sendaddrv2)"),
        (Command.getaddr.name, "\(Command.getaddr)"),
        (Command.mempool.name, "\(Command.mempool)"),
        (Command.filterclear.name, "\(Command.filterclear)"),
        ("raw", "raw COMMAND HEX (any command of 1 to \(MessageHeader.commandLength) printable characters; HEX may be - for none)"),
    ]

    private static let itemUsage = "tx|block|wtx|wblock|witnesstx|filteredblock|cmpctblock|NUMBER"

    /// Inventory type names accepted before `:HASH`.
    public static let itemTypes: [(name: String, type: UInt32)] = [
        ("tx", InventoryItem.tx),
        ("block", InventoryItem.block),
        ("filteredblock", InventoryItem.filteredBlock),
        ("cmpctblock", InventoryItem.compactBlock),
        ("wtx", InventoryItem.wtx),
        ("wtxid", InventoryItem.wtx),
        ("witnesstx", InventoryItem.tx | InventoryItem.witnessFlag),
        ("wblock", InventoryItem.block | InventoryItem.witnessFlag),
    ]

    private static let payloadless: Set<String> = Set([Command.verack, .sendheaders, .wtxidrelay, .sendaddrv2, .getaddr, .mempool, .filterclear].map(\.name))

    /// The usage line of `command`, if it has a form.
    public static func usage(of command: String) -> String? {
        forms.first { $0.command == command }?.usage
    }

    /// Composes `words` (`words[0]` is the command). `network` is not needed by any form
    /// today; it is taken so that forms that depend on it (a version's port) can come.
    public static func compose(_ words: [String], network: Network) throws(ComposeError) -> (command: String, payload: [UInt8]) {
        guard let command = words.first, !command.isEmpty else {
            throw ComposeError(command: "compose", reason: "no command given")
        }
        var a = ComposerArguments(command: command, words: words)
        let p = ComposerParser(command: command)
        var w = WireWriter()
        switch command {
        case Command.inv.name, Command.getdata.name, Command.notfound.name:
            let items = try a.rest(atLeast: 1, what: "ITEM") { (i, word) throws(ComposeError) -> InventoryItem in try p.item(i, word) }
            guard items.count <= InventoryItem.maxCount else {
                throw p.error(InventoryItem.maxCount + 1, words[InventoryItem.maxCount + 1], "more than \(InventoryItem.maxCount) items (Core's MAX_INV_SZ)")
            }
            InventoryItem.encodeList(items, &w)
        case Command.getheaders.name, Command.getblocks.name:
            let stop = try a.option("--stop") { (i, word) throws(ComposeError) -> [UInt8] in try p.hash(i, word) }
            let hashes = try a.rest(atLeast: 0, what: "HASH") { (i, word) throws(ComposeError) -> [UInt8] in try p.hash(i, word) }
            guard hashes.count <= BlockLocator.maxHashes else {
                throw a.error(nil, "\(hashes.count) locator hashes, at most \(BlockLocator.maxHashes) (Core's MAX_LOCATOR_SZ)")
            }
            BlockLocator(hashes: hashes, hashStop: stop ?? [UInt8](repeating: 0, count: 32)).encode(&w)
        case Command.ping.name:
            let nonce = try a.optional("NONCE") { (i, word) throws(ComposeError) -> UInt64 in try p.number(i, word, UInt64.self) }
            try a.end()
            w.write(nonce ?? UInt64.random(in: .min ... .max))
        case Command.pong.name:
            w.write(try a.next("NONCE") { (i, word) throws(ComposeError) -> UInt64 in try p.number(i, word, UInt64.self) })
            try a.end()
        case Command.feefilter.name:
            let rate = try a.next("SAT_PER_KVB") { (i, word) throws(ComposeError) -> UInt64 in
                let n = try p.number(i, word, UInt64.self)
                guard n <= UInt64(Int64.max) else { throw p.error(i, word, "a fee rate is at most \(Int64.max)") }
                return n
            }
            try a.end()
            w.write(Int64(rate))
        case Command.sendcmpct.name:
            let announce = try a.next("0|1") { (i, word) throws(ComposeError) -> Bool in
                switch word {
                case "0": return false
                case "1": return true
                default: throw p.error(i, word, "announce is 0 or 1")
                }
            }
            let version = try a.next("VERSION") { (i, word) throws(ComposeError) -> UInt64 in try p.number(i, word, UInt64.self) }
            try a.end()
            w.write(announce)
            w.write(version)
        case Command.sendtxrcncl.name:
            let version = try a.next("VERSION") { (i, word) throws(ComposeError) -> UInt32 in try p.number(i, word, UInt32.self) }
            let salt = try a.next("SALT") { (i, word) throws(ComposeError) -> UInt64 in try p.number(i, word, UInt64.self) }
            try a.end()
            SendTxRcnclMessage(version: version, salt: salt).encode(&w)
        case Command.tx.name, Command.block.name:
            let minimum = command == Command.tx.name ? 10 : 81
            let bytes = try a.next("HEX") { (i, word) throws(ComposeError) -> [UInt8] in
                let bytes = try p.hex(i, word)
                guard bytes.count >= minimum else {
                    throw p.error(i, word, "\(MessageComposer.byteCount(bytes.count)) is too short for a \(command == Command.tx.name ? "transaction" : "block") (at least \(minimum))")
                }
                return bytes
            }
            try a.end()
            w.write(bytes: bytes)
        case Command.headers.name:
            let bytes = try a.next("HEX") { (i, word) throws(ComposeError) -> [UInt8] in
                let bytes = try p.hex(i, word, allowEmpty: true)
                guard bytes.count % 80 == 0 else {
                    throw p.error(i, word, "\(MessageComposer.byteCount(bytes.count)) is not a whole number of 80-byte headers")
                }
                guard bytes.count / 80 <= BlockHeader.maxPerMessage else {
                    throw p.error(i, word, "\(bytes.count / 80) headers, at most \(BlockHeader.maxPerMessage)")
                }
                return bytes
            }
            try a.end()
            w.writeCompactSize(UInt64(bytes.count / 80))
            for start in stride(from: 0, to: bytes.count, by: 80) {
                w.write(bytes: bytes[start..<start + 80])
                w.writeCompactSize(0)
            }
        case Command.getblocktxn.name:
            let block = try a.next("HASH") { (i, word) throws(ComposeError) -> [UInt8] in try p.hash(i, word) }
            var previous: UInt64?
            let indexes = try a.rest(atLeast: 1, what: "INDEX") { (i, word) throws(ComposeError) -> UInt64 in
                let index = try p.number(i, word, UInt16.self)
                if let previous, UInt64(index) <= previous {
                    throw p.error(i, word, "indexes must increase (the previous is \(previous))")
                }
                previous = UInt64(index)
                return UInt64(index)
            }
            w.write(bytes: block)
            w.writeCompactSize(UInt64(indexes.count))
            var next: UInt64 = 0
            for index in indexes {
                w.writeCompactSize(index - next)
                next = index + 1
            }
        case Command.filterload.name:
            let filter = try a.next("HEX") { (i, word) throws(ComposeError) -> [UInt8] in
                let bytes = try p.hex(i, word, allowEmpty: true)
                guard bytes.count <= FilterLoadMessage.maxFilterLength else {
                    throw p.error(i, word, "\(MessageComposer.byteCount(bytes.count)), at most \(FilterLoadMessage.maxFilterLength) (Core's MAX_BLOOM_FILTER_SIZE)")
                }
                return bytes
            }
            let funcs = try a.next("NHASHFUNCS") { (i, word) throws(ComposeError) -> UInt32 in
                let n = try p.number(i, word, UInt32.self)
                guard n <= FilterLoadMessage.maxHashFunctions else {
                    throw p.error(i, word, "at most \(FilterLoadMessage.maxHashFunctions) hash functions (Core's MAX_HASH_FUNCS)")
                }
                return n
            }
            let tweak = try a.next("TWEAK") { (i, word) throws(ComposeError) -> UInt32 in try p.number(i, word, UInt32.self) }
            let flags = try a.next("FLAGS") { (i, word) throws(ComposeError) -> UInt8 in
                switch word.lowercased() {
                case "none": return 0
                case "all": return 1
                case "p2pubkeyonly": return 2
                default:
                    guard let n = parseNumber(word, UInt8.self) else {
                        throw p.error(i, word, "flags are none, all, p2pubkeyonly or a number 0-255")
                    }
                    return n
                }
            }
            try a.end()
            FilterLoadMessage(filter: filter, hashFunctions: funcs, tweak: tweak, flags: flags).encode(&w)
        case Command.filteradd.name:
            let element = try a.next("HEX") { (i, word) throws(ComposeError) -> [UInt8] in
                let bytes = try p.hex(i, word, allowEmpty: true)
                guard bytes.count <= FilterAddMessage.maxElementLength else {
                    throw p.error(i, word, "\(MessageComposer.byteCount(bytes.count)), at most \(FilterAddMessage.maxElementLength)")
                }
                return bytes
            }
            try a.end()
            FilterAddMessage(element: element).encode(&w)
        case Command.getcfilters.name, Command.getcfheaders.name:
            let type = try a.next("TYPE") { (i, word) throws(ComposeError) -> UInt8 in try p.filterType(i, word) }
            let start = try a.next("START") { (i, word) throws(ComposeError) -> UInt32 in try p.number(i, word, UInt32.self) }
            let stop = try a.next("STOPHASH") { (i, word) throws(ComposeError) -> [UInt8] in try p.hash(i, word) }
            try a.end()
            GetCFiltersMessage(filterType: type, startHeight: start, stopHash: stop).encode(&w)
        case Command.getcfcheckpt.name:
            let type = try a.next("TYPE") { (i, word) throws(ComposeError) -> UInt8 in try p.filterType(i, word) }
            let stop = try a.next("STOPHASH") { (i, word) throws(ComposeError) -> [UInt8] in try p.hash(i, word) }
            try a.end()
            GetCFCheckptMessage(filterType: type, stopHash: stop).encode(&w)
        case Command.feature.name:
            let id = try a.next("FEATUREID") { (i, word) throws(ComposeError) -> [UInt8] in
                let bytes = Array(word.utf8)
                guard FeatureMessage.featureIDLength.contains(bytes.count) else {
                    throw p.error(i, word, "a feature id is 4 to 80 bytes, got \(bytes.count)")
                }
                return bytes
            }
            let data = try a.optional("HEX") { (i, word) throws(ComposeError) -> [UInt8] in
                let bytes = try p.hex(i, word, allowEmpty: true)
                guard bytes.count <= FeatureMessage.maxDataLength else {
                    throw p.error(i, word, "\(MessageComposer.byteCount(bytes.count)), at most \(FeatureMessage.maxDataLength)")
                }
                return bytes
            }
            try a.end()
            FeatureMessage(featureID: id, data: data ?? []).encode(&w)
        case "raw":
            let name = try a.next("COMMAND") { (i, word) throws(ComposeError) -> String in
                let bytes = Array(word.utf8)
                guard (1...MessageHeader.commandLength).contains(bytes.count) else {
                    throw p.error(i, word, "a command is 1 to \(MessageHeader.commandLength) bytes, got \(bytes.count)")
                }
                guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else {
                    throw p.error(i, word, "a command is printable ASCII")
                }
                return word
            }
            let payload = try a.next("HEX") { (i, word) throws(ComposeError) -> [UInt8] in try p.hex(i, word, allowEmpty: true) }
            try a.end()
            return (name, payload)
        default:
            guard payloadless.contains(command) else {
                throw ComposeError(command: command, reason: "unknown command (commands: \(forms.map(\.command).joined(separator: " ")); raw COMMAND HEX sends any other)")
            }
            try a.end()
        }
        return (command, w.bytes)
    }

    /// Completions for the last word of `words` (an empty last word completes from
    /// nothing, as after a space): command names for the first word, then inventory
    /// prefixes, `--stop`, filter types and bloom flags where the form takes them.
    public static func completions(for words: [String]) -> [String] {
        guard let last = words.last else { return forms.map(\.command) }
        if words.count == 1 {
            return forms.map(\.command).filter { $0.hasPrefix(last) }
        }
        let command = words[0]
        let position = words.count - 1
        var candidates: [String] = []
        switch command {
        case Command.inv.name, Command.getdata.name, Command.notfound.name:
            if !last.contains(":") { candidates = itemTypes.map { $0.name + ":" } }
        case Command.getheaders.name, Command.getblocks.name:
            if !words.dropLast().contains("--stop") && words[words.count - 2] != "--stop" { candidates = ["--stop"] }
        case Command.getcfilters.name, Command.getcfheaders.name, Command.getcfcheckpt.name:
            if position == 1 { candidates = ["basic"] }
        case Command.filterload.name:
            if position == 4 { candidates = ["none", "all", "p2pubkeyonly"] }
        case Command.sendcmpct.name:
            if position == 1 { candidates = ["0", "1"] }
        case "raw":
            if position == 1 { candidates = Command.all.map(\.name) + forms.map(\.command).filter { $0 != "raw" } }
        default:
            break
        }
        var seen = Set<String>()
        return candidates.filter { $0.hasPrefix(last) && seen.insert($0).inserted }
    }

    static func byteCount(_ n: Int) -> String { n == 1 ? "1 byte" : "\(n) bytes" }

    /// A decimal or `0x` hexadecimal number that fits `T`.
    static func parseNumber<T: FixedWidthInteger & UnsignedInteger>(_ word: String, _: T.Type) -> T? {
        let lower = word.lowercased()
        if lower.hasPrefix("0x") {
            let digits = lower.dropFirst(2)
            guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return nil }
            return T(digits, radix: 16)
        }
        guard !lower.isEmpty, lower.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return T(lower, radix: 10)
    }
}
