/// The editable command line: cursor movement, Ctrl-A/E/U/W, and a history walked with ↑/↓.
public struct LineEditor: Equatable, Sendable {
    public private(set) var characters: [Character] = []
    /// Index in `characters` before which typing inserts.
    public private(set) var cursor = 0
    public private(set) var history: [String] = []
    /// Position while walking the history; `history.count` means the line being typed.
    private var historyPosition = 0
    private var draft: [Character] = []
    public static let historyLimit = 500

    public init() {}

    public var text: String {
        // Room for one byte a character up front: appending character by character grew
        // the string several times over for every line submitted.
        var text = ""
        text.reserveCapacity(characters.count)
        for ch in characters { text.append(ch) }
        return text
    }
    public var isEmpty: Bool { characters.isEmpty }

    public mutating func insert(_ ch: Character) {
        // Typing happens at the end: append, not the general insert (a replaceSubrange);
        // room for a usual command line at the first key, not growing 1, 2, 4, … 32.
        if characters.capacity == 0 { characters.reserveCapacity(32) }
        if cursor == characters.count {
            characters.append(ch)
        } else {
            characters.insert(ch, at: cursor)
        }
        cursor += 1
    }

    public mutating func insert(_ s: String) { for ch in s { insert(ch) } }

    /// The editing keys of a command line: characters, Backspace, Delete, ← →, Home End
    /// (^A ^E), ^U ^W, and ↑ ↓ through the history. Returns false for any other key.
    public mutating func edit(_ key: Key) -> Bool {
        switch key {
        case let .char(ch): insert(ch)
        case .backspace: backspace()
        case .delete: deleteForward()
        case .left: left()
        case .right: right()
        case .home, .ctrl("a"): home()
        case .end, .ctrl("e"): end()
        case .ctrl("u"): killToStart()
        case .ctrl("w"): killWord()
        case .up: historyUp()
        case .down: historyDown()
        default: return false
        }
        return true
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    public mutating func left() { cursor = max(0, cursor - 1) }
    public mutating func right() { cursor = min(characters.count, cursor + 1) }
    public mutating func home() { cursor = 0 }
    public mutating func end() { cursor = characters.count }

    /// Ctrl-U: deletes from the start of the line to the cursor.
    public mutating func killToStart() {
        characters.removeFirst(cursor)
        cursor = 0
    }

    /// Ctrl-W: deletes the word before the cursor (and the spaces after it).
    public mutating func killWord() {
        var start = cursor
        while start > 0 && characters[start - 1] == " " { start -= 1 }
        while start > 0 && characters[start - 1] != " " { start -= 1 }
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    public mutating func clear() {
        characters.removeAll(keepingCapacity: true)
        cursor = 0
        historyPosition = history.count
    }

    /// Replaces the whole line and puts the cursor at the end.
    public mutating func set(_ text: String) {
        characters = Array(text)
        cursor = characters.count
    }

    /// Takes the line for running: records it in the history and empties the editor.
    public mutating func submit() -> String {
        let line = text
        let trimmed = line.trimmingSpaces
        if !trimmed.isEmpty && history.last != trimmed {
            history.append(trimmed)
            if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
        }
        clear()
        return line
    }

    /// ↑: the previous history entry (the typed line is kept as a draft).
    public mutating func historyUp() {
        guard historyPosition > 0 else { return }
        if historyPosition == history.count { draft = characters }
        historyPosition -= 1
        set(history[historyPosition])
    }

    /// ↓: the next history entry, then back to the draft.
    public mutating func historyDown() {
        guard historyPosition < history.count else { return }
        historyPosition += 1
        if historyPosition == history.count {
            characters = draft
            cursor = characters.count
        } else {
            set(history[historyPosition])
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
