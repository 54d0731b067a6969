/// The pane that receives keys.
public enum Focus: Equatable, Sendable, CaseIterable {
    case table, log, commandLine

    /// The next pane for Tab: table → log → command line → table.
    public var next: Focus {
        switch self {
        case .table: return .log
        case .log: return .commandLine
        case .commandLine: return .table
        }
    }

    public var previous: Focus {
        switch self {
        case .table: return .commandLine
        case .log: return .table
        case .commandLine: return .log
        }
    }
}
