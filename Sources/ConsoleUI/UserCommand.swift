import PeerEngine

/// A command typed on the console's command line, parsed.
public enum UserCommand: Equatable, Sendable {
    case engine(EngineCommand)
    /// `filter TERMS…`, or `filter off` (nil).
    case filter(LogFilter?)
    /// `/TEXT`: search the log; `/` alone clears the search (nil).
    case search(String?)
    case help
    case quit
}
