/// A row and column on a ``Screen``.
public struct Position: Equatable, Sendable {
    public var row: Int
    public var col: Int
    public init(row: Int, col: Int) {
        self.row = row
        self.col = col
    }
}

/// One cell of a ``Screen``: a single-width character and its style.
public struct Cell: Equatable, Sendable {
    public var character: Character
    public var style: CellStyle

    public init(_ character: Character = " ", _ style: CellStyle = .plain) {
        self.character = character
        self.style = style
    }

    public static let blank = Cell()
}

/// The whole terminal as a grid of cells. The UI paints a fresh `Screen` for every frame;
/// only the terminal adapter compares it with the previous one and draws the difference.
///
/// Every cell holds exactly one single-width character: text is passed through
/// ``Screen/sanitize(_:)`` so that control characters, combining marks and wide characters
/// cannot shift the columns.
public struct Screen: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal should show its cursor; nil hides it.
    public var cursor: Position?

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(row: Int, col: Int) -> Cell {
        get { inBounds(row, col) ? cells[row * width + col] : .blank }
        set { if inBounds(row, col) { cells[row * width + col] = newValue } }
    }

    func inBounds(_ row: Int, _ col: Int) -> Bool { row >= 0 && row < height && col >= 0 && col < width }

    /// The cells of one row.
    public func row(_ r: Int) -> ArraySlice<Cell> {
        guard r >= 0 && r < height else { return [] }
        return cells[(r * width)..<(r * width + width)]
    }

    /// Writes `text` from (`row`, `col`), at most `limit` cells (default: to the right edge),
    /// and returns the number of cells written.
    @discardableResult
    public mutating func put(_ text: String, row: Int, col: Int, style: CellStyle = .plain, limit: Int? = nil) -> Int {
        guard row >= 0 && row < height else { return 0 }
        let end = min(width, limit.map { col + max(0, $0) } ?? width)
        var c = col
        for ch in text {
            if c >= end { break }
            if c >= 0 { cells[row * width + c] = Cell(Self.sanitize(ch), style) }
            c += 1
        }
        return max(0, c - col)
    }

    /// Writes `text` padded with spaces (or cut, ending in `…`) to exactly `width` cells.
    public mutating func putField(_ text: String, row: Int, col: Int, width w: Int, style: CellStyle = .plain, alignRight: Bool = false) {
        guard w > 0 else { return }
        put(Self.fit(text, w, alignRight: alignRight), row: row, col: col, style: style, limit: w)
    }

    /// Fills a rectangle with one character.
    public mutating func fill(_ rect: Rect, _ character: Character = " ", style: CellStyle = .plain) {
        for r in max(0, rect.row)..<min(height, rect.bottom) {
            for c in max(0, rect.col)..<min(width, rect.right) {
                cells[r * width + c] = Cell(character, style)
            }
        }
    }

    /// Sets the style of existing cells in a rectangle (for highlighting a selected row).
    public mutating func restyle(_ rect: Rect, _ transform: (CellStyle) -> CellStyle) {
        for r in max(0, rect.row)..<min(height, rect.bottom) {
            for c in max(0, rect.col)..<min(width, rect.right) {
                cells[r * width + c].style = transform(cells[r * width + c].style)
            }
        }
    }

    /// A box with single-line UTF-8 borders and an optional title on the top edge.
    public mutating func box(_ rect: Rect, title: String = "", style: CellStyle = CellStyle(.dim), titleStyle: CellStyle = CellStyle(.accent, bold: true)) {
        guard rect.width >= 2 && rect.height >= 2 else { return }
        let top = rect.row, bottom = rect.bottom - 1, left = rect.col, right = rect.right - 1
        for c in (left + 1)..<right {
            self[top, c] = Cell("─", style)
            self[bottom, c] = Cell("─", style)
        }
        for r in (top + 1)..<bottom {
            self[r, left] = Cell("│", style)
            self[r, right] = Cell("│", style)
        }
        self[top, left] = Cell("┌", style)
        self[top, right] = Cell("┐", style)
        self[bottom, left] = Cell("└", style)
        self[bottom, right] = Cell("┘", style)
        if !title.isEmpty && rect.width > 6 {
            put(" \(title) ", row: top, col: left + 2, style: titleStyle, limit: rect.width - 4)
        }
    }

    /// The screen as text, one string per row, trailing spaces removed (for tests).
    public var lines: [String] {
        (0..<height).map { r in
            var s = String(row(r).map(\.character))
            while s.last == " " { s.removeLast() }
            return s
        }
    }

    /// A character that occupies exactly one terminal column: control characters, combining
    /// sequences and East Asian wide or emoji characters become `?`.
    public static func sanitize(_ ch: Character) -> Character {
        let scalars = ch.unicodeScalars
        guard scalars.count == 1, let s = scalars.first else { return "?" }
        let v = s.value
        if v < 0x20 || (v >= 0x7f && v < 0xa0) { return "?" }
        if v < 0x300 { return ch }
        if s.properties.generalCategory == .nonspacingMark || s.properties.generalCategory == .enclosingMark
            || s.properties.generalCategory == .format {
            return "?"
        }
        if isWide(v) { return "?" }
        return ch
    }

    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F000...0x1FAFF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// `text` cut or padded to `width` cells; a cut ends in `…`.
    public static func fit(_ text: String, _ width: Int, alignRight: Bool = false) -> String {
        guard width > 0 else { return "" }
        let n = text.count
        if n > width {
            return width == 1 ? "…" : String(text.prefix(width - 1)) + "…"
        }
        let pad = String(repeating: " ", count: width - n)
        return alignRight ? pad + text : text + pad
    }
}
