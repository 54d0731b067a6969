/// The words after the command, read left to right, with errors that name them.
struct ComposerArguments {
    let command: String
    let words: [String]
    /// Index in `words` of the next unread word.
    var index = 1
    /// Indexes consumed out of order (by an option).
    var taken: Set<Int> = []

    init(command: String, words: [String]) {
        self.command = command
        self.words = words
    }

    private var usageNote: String { MessageComposer.usage(of: command).map { " (usage: \($0))" } ?? "" }

    func error(_ argument: Int?, _ word: String, _ reason: String) -> ComposeError {
        ComposeError(command: command, argument: argument, word: word, reason: reason)
    }

    func error(_ argument: Int?, _ reason: String) -> ComposeError {
        ComposeError(command: command, argument: argument, reason: reason)
    }

    private mutating func skipTaken() {
        while taken.contains(index) { index += 1 }
    }

    /// The next required argument, called `name` in the usage.
    mutating func next<T>(_ name: String, _ parse: (Int, String) throws(ComposeError) -> T) throws(ComposeError) -> T {
        skipTaken()
        guard index < words.count else {
            throw error(index, "\(name) is missing\(usageNote)")
        }
        let i = index
        index += 1
        return try parse(i, words[i])
    }

    /// The next argument if there is one.
    mutating func optional<T>(_ name: String, _ parse: (Int, String) throws(ComposeError) -> T) throws(ComposeError) -> T? {
        skipTaken()
        guard index < words.count else { return nil }
        return try next(name, parse)
    }

    /// Every remaining argument, at least `atLeast` of them.
    mutating func rest<T>(atLeast: Int, what: String, _ parse: (Int, String) throws(ComposeError) -> T) throws(ComposeError) -> [T] {
        var out: [T] = []
        while true {
            skipTaken()
            guard index < words.count else { break }
            let i = index
            index += 1
            out.append(try parse(i, words[i]))
        }
        if out.count < atLeast {
            throw error(index, "\(what) is missing: at least \(atLeast) needed\(usageNote)")
        }
        return out
    }

    /// `flag VALUE` anywhere among the arguments, at most once.
    mutating func option<T>(_ flag: String, _ parse: (Int, String) throws(ComposeError) -> T) throws(ComposeError) -> T? {
        let positions = words.indices.dropFirst().filter { words[$0] == flag && !taken.contains($0) }
        guard let at = positions.first else { return nil }
        if positions.count > 1 { throw error(positions[1], flag, "\(flag) is given twice") }
        guard at + 1 < words.count else { throw error(at + 1, "the value of \(flag) is missing\(usageNote)") }
        taken.insert(at)
        taken.insert(at + 1)
        return try parse(at + 1, words[at + 1])
    }

    /// Throws when words are left over.
    mutating func end() throws(ComposeError) {
        skipTaken()
        if index < words.count {
            throw error(index, words[index], "unexpected extra argument\(usageNote)")
        }
    }

}

/// Parsers of single arguments; their errors name the argument.
struct ComposerParser {
    let command: String

    func error(_ argument: Int?, _ word: String, _ reason: String) -> ComposeError {
        ComposeError(command: command, argument: argument, word: word, reason: reason)
    }

    func number<T: FixedWidthInteger & UnsignedInteger>(_ i: Int, _ word: String, _ type: T.Type) throws(ComposeError) -> T {
        guard let n = MessageComposer.parseNumber(word, type) else {
            throw error(i, word, "a number from 0 to \(T.max), decimal or 0x-hex")
        }
        return n
    }

    /// 64 hex digits in display order, returned in wire order.
    func hash(_ i: Int, _ word: String) throws(ComposeError) -> [UInt8] {
        guard let bytes = Self.hash(word) else { throw error(i, word, "a hash is 64 hex digits") }
        return bytes
    }

    static func hash(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 64, utf8.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
              let bytes = try? Hex.decode(text)
        else { return nil }
        return bytes.reversed()
    }

    func hex(_ i: Int, _ word: String, allowEmpty: Bool = false) throws(ComposeError) -> [UInt8] {
        if allowEmpty && (word == "-" || word.isEmpty) { return [] }
        let result = Result { () throws(WireError) -> [UInt8] in try Hex.decode(word) }
        switch result {
        case let .success(bytes):
            if bytes.isEmpty && !allowEmpty { throw error(i, word, "no bytes given") }
            return bytes
        case let .failure(e):
            let reason: String
            if case let .invalidHex(text) = e { reason = "not hex: \(text)" } else { reason = "not hex" }
            throw error(i, word, reason)
        }
    }

    /// `TYPE:HASH`, where TYPE is a name or a number.
    func item(_ i: Int, _ word: String) throws(ComposeError) -> InventoryItem {
        guard let colon = word.firstIndex(of: ":") else {
            throw error(i, word, "an item is TYPE:HASH, TYPE one of \(MessageComposer.itemTypes.map(\.name).joined(separator: "|")) or a number")
        }
        let name = String(word[..<colon]).lowercased()
        let type: UInt32
        if let known = MessageComposer.itemTypes.first(where: { $0.name == name }) {
            type = known.type
        } else if let n = MessageComposer.parseNumber(name, UInt32.self) {
            type = n
        } else {
            throw error(i, word, "unknown item type '\(ComposeError.shown(name, limit: 16))' (\(MessageComposer.itemTypes.map(\.name).joined(separator: "|")) or a number)")
        }
        guard let hash = Self.hash(String(word[word.index(after: colon)...])) else {
            throw error(i, word, "a hash is 64 hex digits")
        }
        return InventoryItem(type: type, hash: hash)
    }

    func filterType(_ i: Int, _ word: String) throws(ComposeError) -> UInt8 {
        if word.lowercased() == "basic" { return CompactFilterType.basic }
        guard let n = MessageComposer.parseNumber(word, UInt8.self) else {
            throw error(i, word, "a filter type is basic or a number 0-255")
        }
        return n
    }
}
