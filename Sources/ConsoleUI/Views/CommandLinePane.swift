/// The command line: a prompt, the text (scrolled so the cursor stays visible), the cursor.
enum CommandLinePane {
    static let prompt = "> "

    static func draw(_ model: ConsoleModel, row: Int, into screen: inout Screen) {
        let focused = model.focus == .commandLine
        screen.put(prompt, row: row, col: 0, style: focused ? CellStyle(.accent, bold: true) : CellStyle(.dim))
        let room = max(1, screen.width - prompt.count - 1)
        let chars = model.editor.characters
        let cursor = model.editor.cursor
        let start = max(0, cursor - room + 1)
        let visible = String(chars[min(start, chars.count)..<min(chars.count, start + room)])
        if chars.isEmpty && !focused {
            screen.put(": to type a command", row: row, col: prompt.count, style: CellStyle(.dim))
        } else {
            screen.put(visible, row: row, col: prompt.count)
        }
        if focused && !model.showHelp {
            screen.cursor = Position(row: row, col: prompt.count + cursor - start)
        }
    }
}

/// The bottom line: the last error or notice, or hints for the focused pane.
enum StatusBar {
    static func hint(_ model: ConsoleModel) -> String {
        if model.detail != nil { return "↑↓ PgUp PgDn scroll · Esc close · Tab focus · ? help" }
        switch model.focus {
        case .table: return "↑↓ select · Enter ladder · Tab focus · : command · ? help · q quit"
        case .log: return "↑↓ PgUp PgDn scroll · End/F follow · Enter detail · Tab focus · : command · ? help · q quit"
        case .commandLine: return "Enter run · Tab complete/focus · ↑↓ history · Ctrl-C clear/quit · F1 help"
        }
    }

    static func draw(_ model: ConsoleModel, row: Int, into screen: inout Screen) {
        // The relay's part sits on the right: `relay · intercept ping A>B · held 2`.
        // On a narrow terminal a status line keeps its room and the relay's part shrinks to
        // the held count.
        var limit = screen.width
        let statusLength = model.status.map { $0.text.count + ($0.isError ? 7 : 0) } ?? 0
        var relay = model.relay.summary
        if let full = relay, statusLength + 1 + full.count > screen.width {
            relay = model.relay.held.isEmpty ? nil : "held \(model.relay.held.count)"
        }
        if let relay, relay.count + 20 < screen.width {
            let col = screen.width - relay.count
            screen.put(relay, row: row, col: col, style: model.relay.held.isEmpty ? CellStyle(.accent) : CellStyle(.warn, bold: true))
            limit = col - 1
        }
        if let status = model.status {
            let style = status.isError ? CellStyle(.bad, bold: true) : CellStyle(.plain)
            screen.put(status.isError ? "error: \(status.text)" : status.text, row: row, col: 0, style: style, limit: limit)
        } else {
            screen.put(hint(model), row: row, col: 0, style: CellStyle(.dim), limit: limit)
        }
    }
}
