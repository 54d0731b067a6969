import BitcoinWire
import ConsoleUI
import PeerEngine

/// `command-line`: what a person types. The input is keystrokes (see ``key(_:)``) fed to a
/// ``ConsoleModel`` that knows two peers and a few frames (so ids, the table, the log and the
/// detail views have something to act on), then the screen is drawn once if a resize key
/// (byte 0x0f, followed by width and height) came. Beside it a
/// ``LineEditor`` gets the same editing keys (Tab goes to ``Completion/complete(_:peers:)``),
/// and each line it submits goes to ``CommandParser/parse(_:)``.
///
/// Properties: the cursor stays within the line; the history stays within its limit, holds
/// no empty or untrimmed line and no line twice in a row; submitting empties the editor;
/// parsing ignores extra spaces around the words; an error says something.
enum CommandLineTarget {
    /// Keys for the bytes below 0x20: the special keys, then Ctrl-letters.
    static let controlKeys: [Key] = [
        .enter, .esc, .tab, .backTab, .up, .down, .left, .right,
        .pgUp, .pgDown, .home, .end, .backspace, .delete, .f1, .resize,
        .ctrl("a"), .ctrl("e"), .ctrl("u"), .ctrl("w"), .ctrl("c"), .ctrl("l"), .ctrl("d"), .ctrl("k"),
        .enter, .tab, .ctrl("z"), .char(" "), .char("\t"), .char("\u{1B}"), .char("\n"), .char("\r\n"),
    ]
    /// Characters for the bytes from 0x80: combining marks, wide and zero-width characters,
    /// bidi controls, emoji sequences; then Latin-1.
    static let unusualCharacters: [Character] = [
        "\u{301}", "e\u{301}", "日", "本", "👍", "👍🏽", "\u{200D}", "👩‍👩‍👧", "\u{200B}", "\u{202E}", "\u{FEFF}",
        "\u{3000}", "🇺", "🇸", "\u{0}", "\u{7F}", "\u{85}", "\u{2028}", "ﷺ", "\u{E000}", "\u{FFFD}", "á", "ß", "ｗ",
    ]

    static let peers: [PeerID] = [1, 2]

    /// A model with two peers and three frames, made once and copied per input (libFuzzer
    /// calls the target from one thread only).
    nonisolated(unsafe) static let prototype: ConsoleModel = {
        var model = ConsoleModel(networkName: "regtest", logLimit: 64, width: 80, height: 24)
        for id in peers {
            let info = PeerInfo(id: id, address: "127.0.0.1:1844\(id)", direction: id == 1 ? .outbound : .inbound,
                                phase: .established, startedAt: 0)
            model.handle(PeerEvent(time: 0, .peerAdded(info)))
        }
        let magic = Network.regtest.magic
        let messages: [Message] = [.verack, .ping(nonce: 0x0102_0304_0506_0708), .inv([])]
        for (i, message) in messages.enumerated() {
            var decoder = FrameDecoder(magic: magic)
            decoder.feed(FrameEncoder.encode(message, magic: magic))
            if let frame = try? decoder.next() {
                let unit = WireUnit(transport: .v1, raw: frame.raw, layout: .v1(count: frame.raw.count), command: frame.header.command,
                                    size: Int(frame.header.length), checksumOK: frame.checksumOK, message: frame.message)
                model.handle(PeerEvent(time: Double(i), .frame(FrameEvent(peer: peers[i % 2], direction: i % 2 == 0 ? .sent : .received, time: Double(i), unit: unit))))
            }
        }
        return model
    }()

    static func key(_ reader: inout InputReader) -> Key {
        let b = reader.byte()
        switch b {
        case 0..<0x20: return controlKeys[Int(b)]
        case 0x7f: return .backspace
        case 0x80...: return .char(unusualCharacters.indices.contains(Int(b - 0x80)) ? unusualCharacters[Int(b - 0x80)] : Character(Unicode.Scalar(b)))
        default: return .char(Character(Unicode.Scalar(b)))
        }
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        var reader = InputReader(input)
        var model = prototype
        var editor = LineEditor()
        var resized = false
        var enters = 0
        while !reader.isAtEnd {
            let key = key(&reader)
            // A third Enter in a row is skipped: a refused line stays in the editor, so each
            // further Enter parsed the same line again (the corpus held runs of 200; with them
            // parsing was a third of the time). Two show whether the second does what the first did.
            if key == .enter {
                enters += 1
                if enters > 2 { continue }
            } else {
                enters = 0
            }
            if key == .resize {
                // The adapter resizes the model before passing the key on.
                model.resize(width: Int(reader.byte()), height: Int(reader.byte() & 63))
                resized = true
            }
            // Where the model completes the very line the editor below holds, the editor takes
            // the model's result instead of completing it a second time (a tenth of the time).
            let modelCompletes = key == .tab && !model.showHelp && model.focus == .commandLine && !model.editor.isEmpty
            let sameLine = modelCompletes && model.editor.characters == editor.characters
            _ = model.handle(key: key)
            // Only Enter changes the history (submit); checking it after every key took 7% of
            // the time.
            checkEditor(model.editor, history: key == .enter)
            edit(&editor, key, completed: sameLine ? model.editor.text : nil)
            checkEditor(editor, history: key == .enter)
        }
        // Drawing costs more than all the keys: only inputs that resized the screen draw it,
        // and of those one in 4, chosen by a hash of the input (so a crash replays). Resize
        // inputs add coverage, so the corpus fills with them: with every one drawing, drawing
        // was a fifth of the time and the target ran at 6,000 exec/s.
        var hash = ChunkSizes(input, salt: 1)
        let sample = hash.next64()
        if resized && sample & 3 == 0 { _ = model.render() }

        // The whole input as one typed line, and as the text `verack decode` takes: for one
        // input in 2 (these were an eighth of the time).
        guard sample & 4 == 0 else { return }
        let text = String(decoding: input, as: UTF8.self)
        checkParse(text)
        // `verack decode` takes hex and a magic as text.
        if let bytes = try? Hex.decode(text) { check(Hex.encode(bytes).count == 2 * bytes.count, "hex round trip") }
        _ = try? Magic(hex: text)
        _ = DisplayText.sanitize(text)
    }

    /// The line editing part of the console's command-line keys.
    static func edit(_ editor: inout LineEditor, _ key: Key, completed: String? = nil) {
        if editor.edit(key) { return }
        switch key {
        case .ctrl("c"): editor.clear()
        case .tab:
            if !editor.isEmpty { editor.set(completed ?? Completion.complete(editor.text, peers: peers).line) }
        case .enter:
            let line = editor.submit()
            check(editor.isEmpty && editor.cursor == 0, "submit left text in the editor")
            checkParse(line)
        default:
            break
        }
    }

    static func checkEditor(_ editor: LineEditor, history: Bool) {
        check(0 <= editor.cursor && editor.cursor <= editor.characters.count,
              "cursor \(editor.cursor) outside a line of \(editor.characters.count)")
        guard history else { return }
        check(editor.history.count <= LineEditor.historyLimit, "history over its limit")
        if let last = editor.history.last {
            check(!last.isEmpty && last.first != " " && last.last != " ", "history holds an empty or untrimmed line")
        }
        if editor.history.count >= 2 {
            check(editor.history[editor.history.count - 1] != editor.history[editor.history.count - 2], "history repeats a line")
        }
    }

    static func checkParse(_ line: String) {
        let result = CommandParser.parse(line)
        // Unless a combining mark at the start joins the added space into one character (or
        // a prepended mark at the end the space after it). Whether a scalar joins a space
        // depends on that pair alone, so two tiny strings tell it without counting the
        // characters of the line and of the padded line.
        let scalars = line.unicodeScalars
        if let first = scalars.first, let last = scalars.last {
            if (" " + String(first)).count == 2 && (String(last) + " ").count == 2 {
                check(CommandParser.parse("  " + line + " \t") == result, "extra spaces changed the parse of \(line.debugDescription)")
            }
        }
        if case let .failure(error) = result {
            check(!error.message.isEmpty, "an empty error")
        }
        // Completion runs on Tab (in the model and in the editor above), on whatever the line
        // holds then; running it again on every submitted line cost a fifth of the time.
    }
}
