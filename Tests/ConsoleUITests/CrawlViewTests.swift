import BitcoinWire
import PeerEngine
import Testing
@testable import ConsoleUI

/// The console's `crawl` command and crawl view, in memory: arguments, what the model asks
/// the host, the progress numbers and the bar charts.
struct CrawlViewTests {
    static func reachable(_ agent: String, version: Int32 = 70016, services: ServiceFlags = [.network, .witness], transport: TransportKind = .v1) -> CrawlResult {
        var r = CrawlResult(address: "127.1.0.1:8333", network: "ipv4", state: .reachable, addressesReturned: 9)
        r.userAgent = agent
        r.version = version
        r.services = services
        r.transport = transport
        return r
    }

    /// 6 tried: 3 × Satoshi 27.1 (one over v2), 1 btcd at 70015 with compact filters, one
    /// unreachable, one failed.
    static func summary() -> CrawlSummary {
        var s = CrawlSummary()
        s.add(reachable("/Satoshi:27.1.0/"))
        s.add(reachable("/Satoshi:27.1.0/", transport: .v2))
        s.add(reachable("/Satoshi:27.1.0/", services: [.networkLimited, .witness]))
        s.add(reachable("/btcd:0.24.2/", version: 70015, services: [.network, .witness, .compactFilters]))
        s.add(CrawlResult(address: "127.2.0.1:8333", network: "ipv4", state: .unreachable))
        var failed = CrawlResult(address: "127.1.0.2:8333", network: "ipv4", state: .failed)
        failed.reason = "garbage"
        s.add(failed)
        return s
    }

    @Test(arguments: [
        ("crawl", CrawlRequest()),
        ("crawl --max 5 --concurrency 3", CrawlRequest(maxAddresses: 5, concurrency: 3)),
        ("crawl --seed 127.1.0.1:8333 --seed=[::1]:18444 --max=20", CrawlRequest(seeds: ["127.1.0.1:8333", "[::1]:18444"], maxAddresses: 20)),
    ])
    func crawlArgumentsParse(line: String, request: CrawlRequest) {
        #expect(CommandParser.parse(line) == .success(.crawl(request)))
    }

    @Test(arguments: [
        ("crawl --max 0", "crawl: --max must be a whole number above 0, not '0'"),
        ("crawl --max x", "crawl: --max must be a whole number above 0, not 'x'"),
        ("crawl --max", "crawl: --max needs a number"),
        ("crawl --max 1 --max 2", "crawl: --max given twice"),
        ("crawl --concurrency -3", "crawl: --concurrency must be a whole number above 0, not '-3'"),
        ("crawl --concurrency 5000", "crawl: --concurrency must be at most 1024, not 5000"),
        ("crawl --seed", "crawl: --seed needs an address (HOST[:PORT])"),
        ("crawl --seed 127.0.0.1:99999", "crawl: --seed: bad port '99999' in '127.0.0.1:99999': use 1-65535"),
        ("crawl --fast", "crawl: unknown option '--fast': use --max, --concurrency or --seed"),
        ("crawl everything", "usage: crawl [--max N] [--concurrency C] [--seed ADDRESS]… | crawl stop"),
        ("crawl stop now", "usage: crawl stop"),
    ])
    func badCrawlArgumentsAreOneLineErrors(line: String, message: String) {
        #expect(CommandParser.parse(line) == .failure(CommandError(message)))
        var m = Fixtures.handshake(width: 120, height: 40)
        #expect(m.type(line).isEmpty)
        #expect(m.status == StatusMessage(text: message, isError: true))
        #expect(!message.contains("\n"))
    }

    @Test func crawlStartsFromTheConnectedPeersAndTheViewShowsProgressAndBars() throws {
        var m = Fixtures.handshake(width: 120, height: 40)
        let actions = m.type("crawl --max 10 --concurrency 4")
        #expect(actions == [.crawl(CrawlRequest(seeds: ["127.0.0.1:18444"], maxAddresses: 10, concurrency: 4), from: "1 connected peer")])
        guard case let .crawl(request, origin) = actions.first else { return }

        m.crawlStarted(request, from: origin)
        #expect(m.detail == .crawl && m.isCrawling)
        var text = m.render().text
        #expect(text.contains("Crawl running · 0.0 s · from 1 connected peer · max 10 · concurrency 4 · crawl stop ends it"), "\(text)")
        #expect(text.contains("│█ done 0 · ▓ in flight 0 · ░ queued 1 · 0.0 nodes/s"), "\(text)")
        #expect(text.contains("│reachable 0 · unreachable 0 · failed 0 · v1 0 · v2 0"))
        #expect(text.contains("no reachable peer yet"))

        // 6 done in 2 s, 2 in flight, 2 queued: 3.0 nodes/s, 60 % of the bar.
        m.updateCrawl(CrawlProgress(done: 6, inFlight: 2, queued: 2, seconds: 1.5, summary: Self.summary(), finished: false))
        m.tick(now: 5)
        let screen = m.render()
        text = screen.text
        #expect(text.contains("│█ done 6 · ▓ in flight 2 · ░ queued 2 · 3.0 nodes/s"), "\(text)")
        #expect(text.contains("│reachable 4 · unreachable 1 · failed 1 · v1 3 · v2 1"), "\(text)")
        let lines = screen.lines
        #expect(lines[0].contains("frames 6 · crawl 6/10"), "the title bar shows a running crawl: \(lines[0])")
        // Beside the crawl's count the book's count keeps to the known addresses (room).
        m.updateAddresses(AddressesViewTests.book().counts())
        #expect(m.render().lines[0].contains("crawl 6/10 · addresses 4 known") && !m.render().lines[0].contains("tried"), "\(m.render().lines[0])")
        let bar = try #require(lines.first { $0.contains("[█") })
        #expect(bar.contains("6/10 60%"))
        let inner = bar.drop { $0 != "[" }.dropFirst().prefix { $0 != "]" }
        #expect(abs(Double(inner.filter { $0 == "█" }.count) / Double(inner.count) - 0.6) < 0.02, "done is 60 %: \(bar)")
        #expect(abs(Double(inner.filter { $0 == "▓" }.count) / Double(inner.count) - 0.2) < 0.02, "in flight is 20 %: \(bar)")
        #expect(abs(Double(inner.filter { $0 == "░" }.count) / Double(inner.count) - 0.2) < 0.02, "queued is 20 %: \(bar)")

        // The charts: user agents, versions, service bits, largest first, bars scaled to the largest.
        for heading in ["User agents", "Protocol versions", "Service bits"] { #expect(text.contains("│\(heading)"), "\(heading)") }
        let satoshi = try #require(lines.first { $0.contains("/Satoshi:27.1.0/") && $0.contains("█") })
        let btcd = try #require(lines.first { $0.contains("/btcd:0.24.2/") })
        #expect(satoshi.hasSuffix("3  75%│"), "\(satoshi)")
        #expect(btcd.hasSuffix("1  25%│"), "\(btcd)")
        let full = satoshi.filter { $0 == "█" }.count
        let third = btcd.filter { "█▏▎▍▌▋▊▉".contains($0) }.count
        #expect(full > 60 && abs(third - (full + 2) / 3) <= 1, "btcd's bar is a third of Satoshi's: \(full) and \(third)")
        #expect(lines.firstIndex(of: satoshi)! < lines.firstIndex(of: btcd)!)
        #expect(lines.contains { $0.contains("70016") && $0.hasSuffix("3  75%│") })
        #expect(lines.contains { $0.contains("WITNESS") && $0.hasSuffix("4 100%│") })
        #expect(lines.contains { $0.contains("COMPACT_FILTERS") && $0.hasSuffix("1  25%│") })

        // A second crawl waits for this one; crawl stop ends it.
        #expect(m.type("crawl").isEmpty)
        #expect(m.status?.text == "a crawl is running: crawl stop ends it")
        #expect(m.type("crawl stop") == [.crawlStop])
        #expect(m.render().text.contains("Crawl stopping"))
        var end = Self.summary()
        end.seconds = 2.5
        m.updateCrawl(CrawlProgress(done: 6, inFlight: 0, queued: 0, seconds: 2.5, summary: end, finished: true))
        #expect(!m.isCrawling)
        #expect(!m.render().lines[0].contains("crawl") && m.render().lines[0].contains("addresses 4 known, 1 tried, 1 reachable"))
        #expect(m.status?.text == "crawl stopped: 6 tried in 2.5 s: 4 reachable, 1 unreachable, 1 failed; v1 3, v2 1")
        text = m.render().text
        #expect(text.contains("Crawl stopped · 2.5 s") && text.contains("2.4 nodes/s"), "\(text)")
        #expect(m.type("crawl stop").isEmpty)
        #expect(m.status == StatusMessage(text: "crawl stop: no crawl is running", isError: true))

        // Esc closes the view; c reopens it from the panes; Esc again closes it.
        _ = m.press(.esc)
        #expect(m.detail == nil)
        _ = m.press(.tab)
        #expect(m.focus == .table)
        _ = m.press(.char("c"))
        #expect(m.detail == .crawl)
        _ = m.press(.char("c"))
        #expect(m.detail == nil)
        _ = m.press(.char("c"), .esc)
        #expect(m.detail == nil)
    }

    @Test func withoutPeersTheHostChoosesAndTheEmptyViewSaysHow() {
        var m = ConsoleModel(networkName: "mainnet", width: 100, height: 30)
        #expect(m.type("crawl") == [.crawl(CrawlRequest(), from: "")])
        _ = m.press(.tab)
        _ = m.press(.char("c"))
        #expect(m.render().text.contains("no crawl yet: type crawl"))
    }

    @Test func chartsCutShortSayHowManyTheyLeaveOut() {
        let text = RenderScenarios.smallCrawl().text
        let tried = (0..<30).reduce(0) { $0 + $1 % 4 + 1 }
        #expect(text.contains("Crawl done"))
        #expect(text.contains(" more ("), "\(text)")
        #expect(text.contains("Protocol versions") && text.contains("Service bits"), "every chart keeps a place: \(text)")
        #expect(text.contains("[████"))
        #expect(text.contains("\(tried)/\(tried) 100%"))
    }

    @Test func barsAreScaledInEighths() {
        #expect(CrawlView.bar(8, of: 8, width: 10) == String(repeating: "█", count: 10))
        #expect(CrawlView.bar(1, of: 2, width: 3) == "█▌")
        #expect(CrawlView.bar(1, of: 1000, width: 10) == "▏")
        #expect(CrawlView.bar(0, of: 10, width: 10) == "")
        #expect(CrawlView.share(10, needs: [5, 5, 5]) == [4, 3, 3])
        #expect(CrawlView.share(30, needs: [20, 4, 5]) == [20, 4, 5])
        #expect(CrawlView.share(5, needs: [20, 4, 5]) == [5, 0, 0])
    }

    @Test func helpAndCompletionKnowCrawl() {
        #expect(HelpView.lines.contains { $0.contains("crawl [--max N] [--concurrency C]") })
        #expect(Completion.complete("cr", peers: []).line == "crawl ")
        #expect(Completion.complete("crawl --m", peers: []).line == "crawl --max ")
        #expect(Completion.complete("crawl --max 5 --", peers: []).candidates == ["--concurrency", "--seed"])
        #expect(Completion.complete("crawl s", peers: []).line == "crawl stop ")
    }
}
