import PeerEngine
@testable import ConsoleUI

/// The screens the render tests pin down, by name.
enum RenderScenarios {
    static func established() -> Screen { Fixtures.handshake().render() }

    static func silentAfterCorruptPing() -> ConsoleModel {
        var m = Fixtures.handshake()
        _ = m.type("resend 1 ping --corrupt checksum")
        m.handle(.frame(Fixtures.frame(.ping(nonce: 7), time: 2.5, corruption: .checksum)))
        var p = Fixtures.peer(1)
        p.silence = Silence(awaiting: "pong", since: 2.5)
        m.handle(.peerUpdated(p))
        m.tick(now: 9.9)
        return m
    }

    static func silent() -> Screen { silentAfterCorruptPing().render() }

    static func pausedLog() -> Screen {
        var m = silentAfterCorruptPing()
        _ = m.press(.tab, .tab, .up, .up)
        return m.render()
    }

    static func messageDetail() -> Screen {
        var m = Fixtures.handshake()
        _ = m.press(.tab, .tab, .up, .enter)
        return m.render()
    }

    static func wideMessageDetail() -> Screen {
        var m = Fixtures.handshake(width: 120, height: 30)
        _ = m.press(.tab, .tab, .home, .enter)
        return m.render()
    }

    static func ladder() -> Screen {
        var m = silentAfterCorruptPing()
        _ = m.press(.tab, .enter)
        return m.render()
    }

    static func tooSmall() -> Screen {
        var m = Fixtures.handshake()
        m.resize(width: 79, height: 24)
        return m.render()
    }

    /// A crawl half way: 6 of 10 done, bars of what answered.
    static func crawl() -> Screen {
        var m = Fixtures.handshake(width: 120, height: 40)
        m.crawlStarted(CrawlRequest(seeds: ["127.0.0.1:18444"], maxAddresses: 10, concurrency: 4), from: "1 connected peer")
        m.updateCrawl(CrawlProgress(done: 6, inFlight: 2, queued: 2, seconds: 1.5, summary: CrawlViewTests.summary(), finished: false))
        m.tick(now: 5)
        return m.render()
    }

    /// A finished crawl of 30 user agents on the smallest terminal: charts cut short.
    static func smallCrawl() -> Screen {
        var m = ConsoleModel(networkName: "mainnet", width: 80, height: 24)
        var s = CrawlSummary()
        for i in 0..<30 {
            for _ in 0...(i % 4) { s.add(CrawlViewTests.reachable("/agent:\(i)/")) }
        }
        m.crawlStarted(CrawlRequest(seeds: ["127.0.0.1:8333"]), from: "127.0.0.1:8333")
        m.updateCrawl(CrawlProgress(done: s.tried, inFlight: 0, queued: 0, seconds: 3, summary: s, finished: true))
        return m.render()
    }

    static let all: [(String, @Sendable () -> Screen)] = [
        ("established", established), ("silent", silent), ("pausedLog", pausedLog),
        ("messageDetail", messageDetail), ("wideMessageDetail", wideMessageDetail), ("ladder", ladder),
        ("tooSmall", tooSmall), ("crawl", crawl), ("smallCrawl", smallCrawl),
    ]
}
