import BitcoinWire
import PeerEngine

/// The crawl panel: starting, following and stopping a crawl run from the console.
extension ConsoleModel {
    /// Whether a crawl is running.
    public var isCrawling: Bool { crawl.map { !$0.progress.finished } ?? false }

    /// The keys of the crawl view: Esc or c closes it; nothing in it moves.
    mutating func crawlKey(_ key: Key) -> [ConsoleAction] {
        switch key {
        case .esc, .char("c"): closeDetail()
        case .char("q"), .ctrl("c"): return [.quit]
        case .char(":"): focus = .commandLine
        case .char("?"): showHelp = true
        case .tab: focus = focus.next
        default: break
        }
        return []
    }

    /// `crawl …`: reopens the view while a crawl runs; else asks the host to start one from
    /// the seeds typed, or from the connected outbound peers (none: the host decides).
    mutating func startCrawl(_ request: CrawlRequest) -> [ConsoleAction] {
        if isCrawling {
            detail = .crawl
            showInfo("a crawl is running: crawl stop ends it")
            return []
        }
        var request = request
        var origin: String
        if request.seeds.isEmpty {
            request.seeds = peers.ids.compactMap { id in
                peers[id].flatMap { $0.direction == .outbound && !$0.phase.isEnd ? $0.address : nil }
            }
            origin = "\(request.seeds.count) connected peer\(request.seeds.count == 1 ? "" : "s")"
        } else {
            origin = request.seeds.count == 1 ? request.seeds[0] : "\(request.seeds.count) seeds"
        }
        if request.seeds.isEmpty { origin = "" }
        return [.crawl(request, from: origin)]
    }

    /// The host started the crawl: the view opens on it.
    public mutating func crawlStarted(_ request: CrawlRequest, from origin: String) {
        let empty = CrawlProgress(done: 0, inFlight: 0, queued: request.seeds.count, seconds: 0, summary: CrawlSummary(), finished: false)
        crawl = CrawlStatus(request: request, origin: origin, startedAt: now, progress: empty)
        detail = .crawl
        showInfo("crawling from \(origin)… crawl stop ends it, Esc closes the view, c reopens it")
    }

    /// Where the crawl stands now (the host passes on each of the crawler's reports).
    public mutating func updateCrawl(_ progress: CrawlProgress) {
        guard var c = crawl, !c.progress.finished else { return }
        c.progress = progress
        crawl = c
        guard progress.finished else { return }
        let s = progress.summary
        var text = "crawl \(c.stopping ? "stopped" : "done"): \(s.tried) tried in \(Format.seconds(progress.seconds)): "
        text += "\(s.reachable) reachable, \(s.unreachable) unreachable, \(s.failed) failed"
        text += "; " + TransportKind.allCases.map { "\($0.rawValue) \(s.transports[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        showInfo(text)
    }

    /// `crawl stop`.
    mutating func stopCrawl() -> [ConsoleAction] {
        guard isCrawling else {
            showError("crawl stop: no crawl is running")
            return []
        }
        crawl?.stopping = true
        showInfo("stopping the crawl…")
        return [.crawlStop]
    }
}
