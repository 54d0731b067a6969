import ArgumentParser
import BitcoinWire
import Dispatch
import Foundation
import PeerEngine

/// `verack crawl`: walks the network with `getaddr` from seeds, one line per address tried.
struct CrawlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crawl",
        abstract: "Crawl the network: handshake with each address, ask it for addresses, and go on to those.",
        discussion: """
            Without --seed, starts from the network's DNS seeds (or built-in fallback nodes). Every address is dialled at most once. When every seed is on loopback (127.0.0.0/8 or ::1), the crawl stays on loopback. With --transport auto (the default), addresses gossiped with NODE_P2P_V2 are crawled over v2 (with one v1 retry); the summary counts the peers that spoke v1 and v2.
            """
    )

    @OptionGroup var net: NetworkOptions
    @OptionGroup var proxyOptions: ProxyOptions
    @OptionGroup var transportOptions: TransportOptions

    @Option(name: .customLong("seed"), help: ArgumentHelp("Where to start (repeatable).", valueName: "address"))
    var seeds: [String] = []

    @Option(parsing: .unconditional, help: "Connections open at once, at most.")
    var concurrency: Int = 64

    @Option(name: .customLong("max"), parsing: .unconditional, help: "Addresses to try, at most.")
    var maxAddresses: Int?

    @Option(parsing: .unconditional, help: "Seconds per address: connect, handshake and the answer to getaddr.")
    var timeout: Double = 10

    @Flag(help: "One JSON object per line.")
    var json = false

    func validate() throws {
        guard concurrency > 0 else { throw ValidationError("--concurrency must be above 0") }
        guard timeout > 0 else { throw ValidationError("--timeout must be above 0") }
        if let maxAddresses, maxAddresses <= 0 { throw ValidationError("--max must be above 0") }
        let network = net.resolved
        for s in seeds {
            if case let .failure(e) = Endpoint.parse(s, defaultPort: network.defaultPort) { throw ValidationError(e.message) }
        }
        if seeds.isEmpty && network.dnsSeeds.isEmpty && network.magic != Network.mainnet.magic {
            throw ValidationError("\(network.name) has no DNS seeds: give --seed")
        }
    }

    func run() throws {
        let network = net.resolved
        var settings = CrawlConfiguration()
        settings.seeds = seeds.compactMap {
            if case let .success(e) = Endpoint.parse($0, defaultPort: network.defaultPort) { return e.description }
            return nil
        }
        settings.concurrency = concurrency
        settings.maxAddresses = maxAddresses
        settings.timeout = timeout
        let json = json
        var engineConfiguration = EngineConfiguration(network: network, userAgent: "/verack:\(Verack.version)/")
        engineConfiguration.proxy = try proxyOptions.settings()
        engineConfiguration.transport = transportOptions.transport
        let ready = engineConfiguration, crawl = settings
        MainQueue.start {
            let crawler = Self.makeCrawler(engineConfiguration: ready, settings: crawl, json: json)
            SignalExit.install { crawler.stop() }
            crawler.start()
        }
    }

    /// The crawler, its callbacks made outside the main actor (they run on its queue).
    private static func makeCrawler(engineConfiguration: EngineConfiguration, settings: CrawlConfiguration, json: Bool) -> Crawler {
        Crawler(
            engineConfiguration: engineConfiguration,
            settings: settings,
            onResult: { Output.line(json ? CrawlOutput.json($0).serialized : CrawlOutput.text($0)) },
            onFinish: { summary in
                if json {
                    Output.line(CrawlOutput.json(summary).serialized)
                } else {
                    for line in CrawlOutput.text(summary) { Output.line(line) }
                }
                Foundation.exit(summary.reachable > 0 ? 0 : 1)
            })
    }
}

/// The lines `verack crawl` prints.
enum CrawlOutput {
    static func json(_ r: CrawlResult) -> JSONValue {
        func opt<T>(_ v: T?, _ f: (T) -> JSONValue) -> JSONValue { v.map(f) ?? .null }
        return .object([
            ("address", .string(r.address)),
            ("network", .string(r.network)),
            ("state", .string(r.state.rawValue)),
            ("reason", opt(r.reason) { .string($0) }),
            ("user_agent", opt(r.userAgent) { .string($0) }),
            ("version", opt(r.version) { .int(Int64($0)) }),
            ("services", opt(r.services) { .uint($0.rawValue) }),
            ("start_height", opt(r.startHeight) { .int(Int64($0)) }),
            ("handshake_ms", opt(r.handshakeMs) { .double(($0 * 10).rounded() / 10) }),
            ("transport", opt(r.transport) { .string($0.rawValue) }),
            ("addresses_returned", .int(Int64(r.addressesReturned))),
        ])
    }

    static func text(_ r: CrawlResult) -> String {
        switch r.state {
        case .reachable:
            let ms = r.handshakeMs.map { String(format: "%.1f ms", $0) } ?? "?"
            return "\(r.address)  reachable  \(r.userAgent ?? "?") \(r.version.map(String.init) ?? "?") height \(r.startHeight.map(String.init) ?? "?")  "
                + "\(r.services?.shortNames ?? "-")  \(r.transport?.rawValue ?? "?")  \(ms)  \(r.addressesReturned) addresses"
        case .unreachable, .failed:
            return "\(r.address)  \(r.state.rawValue)  \(r.reason ?? "")"
        }
    }

    private static func counts<K>(_ d: [K: Int], _ key: (K) -> String) -> JSONValue {
        .object(d.sorted { $0.value != $1.value ? $0.value > $1.value : key($0.key) < key($1.key) }.map { (key($0.key), .int(Int64($0.value))) })
    }

    static func json(_ s: CrawlSummary) -> JSONValue {
        .object([("summary", .object([
            ("tried", .int(Int64(s.tried))),
            ("reachable", .int(Int64(s.reachable))),
            ("unreachable", .int(Int64(s.unreachable))),
            ("failed", .int(Int64(s.failed))),
            ("not_dialled", .int(Int64(s.notDialled))),
            ("peak_connections", .int(Int64(s.peakConnections))),
            ("seconds", .double((s.seconds * 100).rounded() / 100)),
            ("user_agents", counts(s.userAgents) { $0 }),
            ("versions", counts(s.versions) { String($0) }),
            ("services", counts(s.serviceBits) { $0 }),
            ("networks", counts(s.networks) { $0 }),
            ("transports", .object(TransportKind.allCases.map { ($0.rawValue, .int(Int64(s.transports[$0.rawValue] ?? 0))) })),
        ]))])
    }

    static func text(_ s: CrawlSummary) -> [String] {
        func list<K>(_ d: [K: Int], _ key: (K) -> String) -> String {
            d.isEmpty ? "none"
                : d.sorted { $0.value != $1.value ? $0.value > $1.value : key($0.key) < key($1.key) }.map { "\(key($0.key)) \($0.value)" }.joined(separator: ", ")
        }
        return [
            String(format: "%d tried in %.1f s: %d reachable, %d unreachable, %d failed; %d heard of but not dialled; at most %d open at once",
                   s.tried, s.seconds, s.reachable, s.unreachable, s.failed, s.notDialled, s.peakConnections),
            "user agents: " + list(s.userAgents) { $0 },
            "versions: " + list(s.versions) { String($0) },
            "services: " + list(s.serviceBits) { $0 },
            "networks: " + list(s.networks) { $0 },
            "transports: " + TransportKind.allCases.map { "\($0.rawValue) \(s.transports[$0.rawValue] ?? 0)" }.joined(separator: ", "),
        ]
    }
}
