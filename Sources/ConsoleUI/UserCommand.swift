import PeerEngine

/// A command typed on the console's command line, parsed.
public enum UserCommand: Equatable, Sendable {
    case engine(EngineCommand)
    /// `filter peer ID`, `filter command NAME`, or `filter off` (nil).
    case filter(LogFilter?)
    case help
    case quit
}
