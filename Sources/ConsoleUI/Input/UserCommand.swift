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
    /// `crawl [--max N] [--concurrency C] [--seed ADDRESS]…`: crawl from the seeds given, or
    /// from the connected peers; reopens the crawl view while one runs.
    case crawl(CrawlRequest)
    /// `crawl stop`: end the running crawl.
    case crawlStop
    /// `probe ID|ADDRESS [GROUP|CASE…]` (a request) or `probe` alone (nil: reopen the view).
    case probe(ProbeRequest?)
    /// `probe stop`: start no more cases of the running probe.
    case probeStop
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

/// What `crawl` asks for.
public struct CrawlRequest: Equatable, Sendable {
    /// Where to start, as typed (`HOST[:PORT]`); empty: the connected peers, else the
    /// network's DNS seeds.
    public var seeds: [String]
    /// Addresses to try at most (nil: until none are left).
    public var maxAddresses: Int?
    /// Connections open at once, at most.
    public var concurrency: Int

    public static let defaultConcurrency = 64
    /// More connections at once than this is no crawl a console should start.
    public static let maxConcurrency = 1024

    public init(seeds: [String] = [], maxAddresses: Int? = nil, concurrency: Int = CrawlRequest.defaultConcurrency) {
        self.seeds = seeds
        self.maxAddresses = maxAddresses
        self.concurrency = concurrency
    }
}
