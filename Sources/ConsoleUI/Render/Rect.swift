/// A rectangle of cells on a ``Screen``.
public struct Rect: Equatable, Sendable {
    public var row: Int
    public var col: Int
    public var width: Int
    public var height: Int

    public init(row: Int, col: Int, width: Int, height: Int) {
        self.row = row
        self.col = col
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The rectangle inside a one-cell border.
    public var inner: Rect { Rect(row: row + 1, col: col + 1, width: width - 2, height: height - 2) }

    public var bottom: Int { row + height }
    public var right: Int { col + width }
}
