/// Where each part of the console goes for a given terminal size.
public struct Layout: Equatable, Sendable {
    /// The smallest terminal the console draws in.
    public static let minWidth = 80
    public static let minHeight = 24

    public var width: Int
    public var height: Int
    public var titleRow: Int { 0 }
    public var table: Rect
    public var log: Rect
    /// Table and log together: where detail views go.
    public var body: Rect
    public var commandRow: Int
    public var statusRow: Int

    public init(width: Int, height: Int, peerCount: Int) {
        self.width = width
        self.height = height
        commandRow = height - 2
        statusRow = height - 1
        let bodyHeight = max(0, height - 3)
        body = Rect(row: 1, col: 0, width: width, height: bodyHeight)
        let cap = max(5, bodyHeight * 2 / 5)
        let tableHeight = min(cap, max(5, peerCount + 3))
        table = Rect(row: 1, col: 0, width: width, height: tableHeight)
        log = Rect(row: 1 + tableHeight, col: 0, width: width, height: bodyHeight - tableHeight)
    }

    public var isTooSmall: Bool { width < Self.minWidth || height < Self.minHeight }

    /// Rows of peers the table shows.
    public var tableRows: Int { max(1, table.height - 3) }
    /// Rows of frames the log shows.
    public var logRows: Int { max(1, log.height - 2) }
    /// Rows of content a detail view shows.
    public var detailRows: Int { max(1, body.height - 3) }
}
