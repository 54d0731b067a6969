import PeerEngine

/// A command typed on the console's command line, parsed.
public enum UserCommand: Equatable, Sendable {
    case engine(EngineCommand)
    /// `filter TERMS…`, or `filter off` (nil).
    case filter(LogFilter?)
    /// `/TEXT`: search the log; `/` alone clears the search (nil).
    case search(String?)
    /// `save [--pcap] [--force] FILE`: write what the log holds now.
    case save(SaveRequest)
    /// `record [--force] FILE` (a request) or `record off` (nil).
    case record(SaveRequest?)
    /// `addresses`: open the Addresses view.
    case addresses
    case help
    case quit
}

/// Where and how `save` writes the log.
public struct SaveRequest: Equatable, Sendable {
    public var path: String
    /// A pcap for Wireshark; otherwise a recording (JSON Lines).
    public var pcap: Bool
    /// Replace an existing file.
    public var force: Bool

    public init(path: String, pcap: Bool, force: Bool) {
        self.path = path
        self.pcap = pcap
        self.force = force
    }
}
