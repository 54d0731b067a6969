import CNcurses
import ConsoleUI
#if canImport(Glibc)
import Glibc
#endif

/// The only code that talks to ncurses: starts and restores the terminal, decodes keys, and
/// draws the rows of a ``Screen`` that changed since the last frame. Main queue only.
@MainActor
final class NcursesTerminal {
    private var window: UnsafeMutablePointer<WINDOW>?
    private var previous: Screen?
    private var cursorVisible: Int32 = -1
    private(set) var colors = false
    private var running = false
    private let wantColor: Bool

    /// `color: false` forces the monochrome look (NO_COLOR).
    init(color: Bool) {
        wantColor = color
    }

    /// Puts the terminal in raw, keypad, non-blocking mode on the alternate screen.
    func start() {
        setlocale(LC_ALL, "")
        verack_install_fatal_handlers()
        signal(SIGWINCH, SIG_IGN)
        window = initscr()
        raw()
        noecho()
        nonl()
        keypad(window, true)
        nodelay(window, true)
        set_escdelay(25)
        leaveok(window, false)
        running = true
        if wantColor && has_colors() {
            start_color()
            use_default_colors()
            colors = true
            for role in ColorRole.allCases {
                let (fg, bg) = Self.palette(role)
                init_pair(Int16(role.rawValue) + 1, fg, bg)
            }
        }
        previous = nil
    }

    /// Leaves curses mode and puts back the terminal as it was. Safe to call twice.
    func stop() {
        guard running else { return }
        running = false
        curs_set(1)
        endwin()
        verack_restore_saved_termios()
    }

    /// The current size (rows, columns), asking the kernel after a resize.
    func refreshSize() -> (width: Int, height: Int) {
        var rows: Int32 = 0, cols: Int32 = 0
        if verack_term_size(STDOUT_FILENO, &rows, &cols) == 0 {
            resizeterm(rows, cols)
        } else {
            verack_getmaxyx(window, &rows, &cols)
        }
        previous = nil
        clearok(window, true)
        return (Int(cols), Int(rows))
    }

    var size: (width: Int, height: Int) {
        var rows: Int32 = 0, cols: Int32 = 0
        verack_getmaxyx(window, &rows, &cols)
        return (Int(cols), Int(rows))
    }

    /// Every key waiting on stdin.
    func readKeys() -> [Key] {
        var keys: [Key] = []
        while keys.count < 4096 {
            var ch: wint_t = 0
            let r = wget_wch(window, &ch)
            if r == ERR { break }
            if r == KEY_CODE_YES {
                if let key = Self.functionKey(Int32(ch)) { keys.append(key) }
            } else if let key = Self.characterKey(UInt32(ch)) {
                keys.append(key)
            }
        }
        return keys
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pgUp
        case KEY_NPAGE: return .pgDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case KEY_RESIZE: return .resize
        case verack_key_f(1): return .f1
        default: return nil
        }
    }

    static func characterKey(_ value: UInt32) -> Key? {
        switch value {
        case 13, 10: return .enter
        case 9: return .tab
        case 27: return .esc
        case 127, 8: return .backspace
        case 1...26:
            return .ctrl(Character(Unicode.Scalar(UInt8(value - 1) + UInt8(ascii: "a"))))
        case 0..<32: return nil
        default:
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return .char(Character(scalar))
        }
    }

    /// Draws the rows that differ from the previous frame, then places the cursor.
    func draw(_ screen: Screen) {
        guard running, let window else { return }
        let full = previous.map { $0.width != screen.width || $0.height != screen.height } ?? true
        if full { werase(window) }
        for r in 0..<screen.height {
            let row = screen.row(r)
            if !full, let previous, previous.row(r) == row { continue }
            drawRow(row, at: r, window)
        }
        if let cursor = screen.cursor {
            setCursor(1)
            wmove(window, Int32(cursor.row), Int32(cursor.col))
        } else {
            setCursor(0)
        }
        wrefresh(window)
        previous = screen
    }

    private func setCursor(_ visibility: Int32) {
        guard visibility != cursorVisible else { return }
        curs_set(visibility)
        cursorVisible = visibility
    }

    private func drawRow(_ row: ArraySlice<Cell>, at r: Int, _ window: UnsafeMutablePointer<WINDOW>) {
        var col = 0
        var i = row.startIndex
        var run: [wchar_t] = []
        run.reserveCapacity(row.count + 1)
        while i < row.endIndex {
            let style = row[i].style
            run.removeAll(keepingCapacity: true)
            let start = col
            while i < row.endIndex && row[i].style == style {
                let scalar = row[i].character.unicodeScalars.first ?? " "
                run.append(wchar_t(bitPattern: scalar.value))
                i += 1
                col += 1
            }
            let (attrs, pair) = attributes(style)
            verack_set_style(window, attrs, pair)
            let count = Int32(run.count)
            run.append(0)
            run.withUnsafeBufferPointer { buffer in
                _ = mvwaddnwstr(window, Int32(r), Int32(start), buffer.baseAddress, count)
            }
        }
        verack_set_style(window, verack_a_normal(), 0)
    }

    /// The curses attributes of a style: a colour pair, or, without colour, attributes
    /// that keep each role recognisable.
    private func attributes(_ style: CellStyle) -> (attr_t, Int16) {
        var a = verack_a_normal()
        if style.bold { a |= verack_a_bold() }
        if style.reverse { a |= verack_a_reverse() }
        if style.underline { a |= verack_a_underline() }
        if colors {
            if style.role == .dim { a |= verack_a_dim() }
            return (a, style.role == .plain ? 0 : Int16(style.role.rawValue) + 1)
        }
        switch style.role {
        case .plain: break
        case .accent, .good, .length: a |= verack_a_bold()
        case .dim: a |= verack_a_dim()
        case .warn, .command: a |= verack_a_underline()
        case .bad: a |= verack_a_bold() | verack_a_underline()
        case .corrupt, .magic: a |= verack_a_reverse()
        case .checksum: a |= verack_a_reverse() | verack_a_underline()
        }
        return (a, 0)
    }

    /// Foreground and background of each role (-1: the terminal's default).
    static func palette(_ role: ColorRole) -> (Int16, Int16) {
        let black = Int16(COLOR_BLACK), red = Int16(COLOR_RED), green = Int16(COLOR_GREEN)
        let yellow = Int16(COLOR_YELLOW), blue = Int16(COLOR_BLUE), magenta = Int16(COLOR_MAGENTA)
        let cyan = Int16(COLOR_CYAN)
        switch role {
        case .plain: return (-1, -1)
        case .accent: return (cyan, -1)
        case .dim: return (-1, -1)
        case .good: return (green, -1)
        case .warn: return (yellow, -1)
        case .bad: return (red, -1)
        case .corrupt: return (magenta, -1)
        case .magic: return (black, blue)
        case .command: return (black, cyan)
        case .length: return (black, yellow)
        case .checksum: return (black, magenta)
        }
    }
}
