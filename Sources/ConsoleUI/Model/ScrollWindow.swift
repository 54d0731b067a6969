/// A selected row in a list of which a window of rows shows: how the cursor keys move
/// the selection, and which row the window starts at to keep it in view. The peer table,
/// the log and the Addresses view scroll by it.
enum ScrollWindow {
    /// Where ↑ ↓ PgUp PgDn Home End move `position` in a list of `count` rows, `page` of
    /// them visible (kept inside the list); nil for any other key.
    static func moved(_ position: Int, by key: Key, count: Int, page: Int) -> Int? {
        var next = position
        switch key {
        case .up: next -= 1
        case .down: next += 1
        case .pgUp: next -= page
        case .pgDown: next += page
        case .home: next = 0
        case .end: next = count - 1
        default: return nil
        }
        return clamped(next, count: count)
    }

    /// `position` kept inside a list of `count` rows (0 for an empty list).
    static func clamped(_ position: Int, count: Int) -> Int {
        min(max(0, position), max(0, count - 1))
    }

    /// The first row of a window of `rows` rows, from `top`, moved as little as needed to
    /// show `selected`.
    static func top(_ top: Int, showing selected: Int, rows: Int) -> Int {
        if selected < top { return selected }
        if selected >= top + rows { return selected - rows + 1 }
        return top
    }
}
