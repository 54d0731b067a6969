import BitcoinWire

/// How trying one address ended.
public enum CrawlState: String, Sendable, Equatable {
    /// Handshake done and `getaddr` answered (or at least one `addr` before the timeout).
    case reachable
    /// No TCP connection (refused, timed out, no route).
    case unreachable
    /// Connected, but the handshake or the answer failed: garbage, a hostile `addr`, a
    /// flood, silence after `getaddr`.
    case failed
}

/// One address tried by the ``Crawler``.
public struct CrawlResult: Sendable, Equatable {
    /// `host:port` as dialled.
    public var address: String
    /// `ipv4`, `ipv6`, or `name` for a seed given by name.
    public var network: String
    public var state: CrawlState
    /// Why it is not reachable (nil when reachable).
    public var reason: String?
    public var userAgent: String?
    public var version: Int32?
    public var services: ServiceFlags?
    public var startHeight: Int32?
    /// From the start of the connection to the handshake's end.
    public var handshakeMs: Double?
    public var transport: TransportKind?
    /// Entries in the `addr`/`addrv2` messages it sent us.
    public var addressesReturned: Int

    public init(address: String, network: String, state: CrawlState, addressesReturned: Int = 0) {
        self.address = address
        self.network = network
        self.state = state
        self.addressesReturned = addressesReturned
    }
}

/// Counts over a whole crawl.
public struct CrawlSummary: Sendable, Equatable {
    public var tried = 0
    public var reachable = 0
    public var unreachable = 0
    public var failed = 0
    /// Addresses heard of but not dialled (other networks, outside loopback, over `max`,
    /// past ``CrawlConfiguration/maxTracked``).
    public var notDialled = 0
    /// Reachable peers by user agent, protocol version, service bit name.
    public var userAgents: [String: Int] = [:]
    public var versions: [Int32: Int] = [:]
    public var serviceBits: [String: Int] = [:]
    /// Addresses tried, by network.
    public var networks: [String: Int] = [:]
    /// Addresses that connected, by the transport they spoke at the end (`v1`, `v2`).
    public var transports: [String: Int] = [:]
    /// Most connections open at once.
    public var peakConnections = 0
    public var seconds = 0.0

    public init() {}

    public mutating func add(_ r: CrawlResult) {
        tried += 1
        networks[r.network, default: 0] += 1
        if let t = r.transport { transports[t.rawValue, default: 0] += 1 }
        switch r.state {
        case .reachable:
            reachable += 1
            if let ua = r.userAgent { userAgents[ua, default: 0] += 1 }
            if let v = r.version { versions[v, default: 0] += 1 }
            for name in r.services?.names ?? [] { serviceBits[name, default: 0] += 1 }
        case .unreachable: unreachable += 1
        case .failed: failed += 1
        }
    }
}

/// Where a crawl stands: what the console's crawl view draws.
public struct CrawlProgress: Sendable, Equatable {
    /// Addresses tried to the end (reachable, unreachable or failed).
    public var done: Int
    /// Connections open now.
    public var inFlight: Int
    /// Addresses waiting for a connection (within `max`, when it is set).
    public var queued: Int
    /// Since the crawl started.
    public var seconds: Double
    /// The counts so far.
    public var summary: CrawlSummary
    /// The crawl is over (done, or stopped).
    public var finished: Bool

    public init(done: Int, inFlight: Int, queued: Int, seconds: Double, summary: CrawlSummary, finished: Bool) {
        self.done = done
        self.inFlight = inFlight
        self.queued = queued
        self.seconds = seconds
        self.summary = summary
        self.finished = finished
    }
}
