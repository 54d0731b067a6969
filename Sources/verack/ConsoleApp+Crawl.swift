import BitcoinWire
import Capture
import ConsoleUI
import Dispatch
import Foundation
import PeerEngine

/// A crawl run from the console, on an engine of its own.
extension ConsoleApp {
    /// `crawl`: a ``Crawler`` with an engine of its own (its connections stay out of the
    /// peer table and the log), configured as the console's (network, transport policy,
    /// proxies), feeding the console's address book. Its reports reach the model on the
    /// main queue.
    func startCrawl(_ request: CrawlRequest, from origin: String, engine: PeerEngine) {
        let network = options.network
        var settings = CrawlConfiguration()
        var origin = origin
        var seeds: [String] = []
        for s in request.seeds {
            switch Endpoint.parse(s, defaultPort: network.defaultPort) {
            case let .success(e): seeds.append(e.description)
            case let .failure(e): return model.showError("crawl: \(e.message)")
            }
        }
        if seeds.isEmpty {
            guard options.seeds else {
                return model.showError("crawl: no peer to start from: connect ADDRESS first, or crawl --seed ADDRESS (the console runs with --no-seeds)")
            }
            guard !network.dnsSeeds.isEmpty || network.magic == Network.mainnet.magic else {
                return model.showError("crawl: no peer to start from and \(network.name) has no DNS seeds: connect ADDRESS first, or crawl --seed ADDRESS")
            }
            origin = "the DNS seeds"
        }
        settings.seeds = seeds
        settings.concurrency = request.concurrency
        settings.maxAddresses = request.maxAddresses
        crawls += 1
        var config = engine.configuration
        // Ids apart from the console's peers and from earlier crawls: the book bounds what
        // each peer id may add.
        config.firstPeerID = crawls << 32
        let crawler = Self.makeCrawler(configuration: config, settings: settings, addressBook: engine.addressBook, crawl: crawls)
        self.crawler = crawler
        model.crawlStarted(request, from: origin)
        crawler.start()
    }

    func crawlProgressed(_ progress: CrawlProgress, crawl: Int) {
        guard crawl == crawls else { return }
        model.updateCrawl(progress)
        if progress.finished {
            crawler = nil
            refreshAddresses()
        }
        setNeedsDraw()
    }
}
