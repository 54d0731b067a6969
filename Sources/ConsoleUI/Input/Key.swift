/// A key press, as the terminal adapter decodes it.
public enum Key: Equatable, Sendable {
    /// A printable character.
    case char(Character)
    case enter, esc, tab, backTab
    case up, down, left, right
    case pgUp, pgDown, home, end
    case backspace, delete
    /// Ctrl plus a letter, lower case: `.ctrl("c")`.
    case ctrl(Character)
    case f1
    /// The terminal changed size (the adapter also calls ``ConsoleModel/resize(width:height:)``).
    case resize
}
