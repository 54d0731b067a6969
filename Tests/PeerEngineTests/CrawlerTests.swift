import BitcoinWire
import Foundation
import NodeHarness
import Testing
@testable import PeerEngine

/// Runs a crawl to its end and hands back every result and the summary (waiting on a
/// condition signalled by the crawler, not on a clock).
final class CrawlRun: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [CrawlResult] = []
    private var summary: CrawlSummary?

    func run(seeds: [String], concurrency: Int = 64, timeout: Double = 3, deadline: Double = 60, transport: TransportPolicy = .auto, maxTracked: Int? = nil) -> ([CrawlResult], CrawlSummary?, AddressBookSnapshot) {
        var settings = CrawlConfiguration()
        settings.seeds = seeds
        settings.concurrency = concurrency
        settings.timeout = timeout * Sanitizer.slowdown
        settings.loopbackOnly = true
        if let maxTracked { settings.maxTracked = maxTracked }
        var engineConfiguration = EngineConfiguration(network: .custom(magic: SimulatedNetwork.magic), userAgent: "/verack:test/")
        engineConfiguration.transport = transport
        let crawler = Crawler(
            engineConfiguration: engineConfiguration,
            settings: settings,
            onResult: { [self] r in
                condition.lock()
                results.append(r)
                condition.unlock()
            },
            onFinish: { [self] s in
                condition.lock()
                summary = s
                condition.broadcast()
                condition.unlock()
            })
        crawler.start()
        let end = Date().addingTimeInterval(deadline * Sanitizer.slowdown)
        condition.lock()
        defer { condition.unlock() }
        while summary == nil && condition.wait(until: end) {}
        if summary == nil { crawler.stop() }
        return (results, summary, crawler.engine.addressBook.snapshot(limit: 0))
    }
}

@Suite("Crawler")
struct CrawlerTests {
    /// Under `auto`, the nodes gossiped with NODE_P2P_V2 are crawled over v2 and the others
    /// over v1; under `v1`, all over v1 (the v2 nodes answer both); the summary counts both.
    @Test func autoCrawlsTheNodesThatOfferV2OverV2() throws {
        let net = try SimulatedNetwork(listening: 14, unreachable: 2, hostile: [], seed: 5, v2: 5)
        net.start()
        defer { net.stop() }
        let v2 = Set(net.nodes.filter(\.speaksV2).map(\.address))
        #expect(v2.count == 5 && !v2.contains(net.entry))

        let (results, summary, _) = CrawlRun().run(seeds: [net.entry], concurrency: 8)
        let s = try #require(summary)
        #expect(s.reachable == net.nodes.count)
        for r in results where r.state == .reachable {
            #expect(r.transport == (v2.contains(r.address) ? .v2 : .v1), "\(r.address)")
            #expect(r.services?.contains(.p2pV2) == v2.contains(r.address))
        }
        #expect(s.transports == ["v1": net.nodes.count - 5, "v2": 5])

        let (_, v1Summary, _) = CrawlRun().run(seeds: [net.entry], concurrency: 8, transport: .v1)
        #expect(v1Summary?.reachable == net.nodes.count)
        #expect(v1Summary?.transports == ["v1": net.nodes.count])
    }

    /// The crawler's own memory is bounded: past `maxTracked` addresses, no more are
    /// queued, and they count as not dialled.
    @Test func tracksAtMostMaxTrackedAddresses() throws {
        let net = try SimulatedNetwork(listening: 40, unreachable: 10, hostile: [], seed: 4)
        net.start()
        defer { net.stop() }
        let (results, summary, _) = CrawlRun().run(seeds: [net.entry], concurrency: 4, maxTracked: 5)
        let s = try #require(summary)
        #expect(results.count == 5)
        #expect(s.tried == results.count)
        #expect(s.notDialled > 0)
        #expect(Set(results.map(\.address)).count == results.count)
    }

    @Test func crawlsTheSimulatedNetworkFromOneNode() throws {
        let hostile: [SimulatedNetwork.Behaviour] = [.oversizedAddr, .garbage, .addrFlood, .silentOnGetaddr]
        let net = try SimulatedNetwork(listening: 80, unreachable: 20, hostile: hostile, seed: 9)
        net.start()
        defer { net.stop() }
        let (results, summary, book) = CrawlRun().run(seeds: [net.entry], concurrency: 16)
        let s = try #require(summary)

        // Every address at most once.
        #expect(Set(results.map(\.address)).count == results.count)
        let byAddress = Dictionary(results.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        let honest = net.nodes.filter { $0.behaviour == .honest }
        #expect(Set(results.filter { $0.state == .reachable }.map(\.address)) == Set(honest.map(\.address)))
        #expect(Set(results.filter { $0.state == .unreachable }.map(\.address)) == Set(net.unreachable))
        #expect(results.count == net.nodes.count + net.unreachable.count)

        for node in honest {
            let r = try #require(byAddress[node.address])
            #expect(r.userAgent == node.userAgent)
            #expect(r.version == node.version)
            #expect(r.services == node.services)
            #expect(r.startHeight == node.height)
            #expect(r.transport == .v1)
            #expect(r.handshakeMs != nil)
            #expect(r.addressesReturned >= 2)
        }
        func reason(_ b: SimulatedNetwork.Behaviour) -> String {
            let node = net.nodes.first { $0.behaviour == b }
            let r = node.flatMap { byAddress[$0.address] }
            #expect(r?.state == .failed, "\(b)")
            return r?.reason ?? ""
        }
        #expect(reason(.oversizedAddr).contains("addr with 1001 entries"))
        #expect(reason(.addrFlood).contains("address flood"))
        #expect(reason(.silentOnGetaddr).contains("no answer to getaddr"))
        #expect(!reason(.garbage).isEmpty)

        // Polite: never two connections to one node at once, never one node twice.
        #expect(net.peakConnectionsPerNode == 1)
        #expect(net.acceptedCounts.values.allSatisfy { $0 == 1 })
        #expect(s.tried == results.count)
        #expect(s.reachable == honest.count)
        #expect(s.unreachable == net.unreachable.count)
        #expect(s.failed == hostile.count)
        #expect(s.peakConnections <= 16)
        #expect(s.notDialled > 0)
        #expect(s.userAgents.values.reduce(0, +) == honest.count)
        #expect(s.networks == ["ipv4": results.count])

        // The engine's address book has every address gossiped, of every network, and
        // what the crawl found.
        #expect(book.reachable == honest.count)
        #expect(book.tried == results.count)
        for network in ["ipv4", "ipv6", "torv3", "i2p", "cjdns", "unknown"] { #expect(book.byNetwork[network, default: 0] > 0, "\(network)") }
    }

    @Test func aSeedWhereNothingListensIsUnreachableAndTheCrawlEnds() throws {
        let closed = try FakePeer.closedAddress()
        let (results, summary, _) = CrawlRun().run(seeds: [closed])
        #expect(results.count == 1)
        #expect(results.first?.state == .unreachable)
        #expect(results.first?.reason?.isEmpty == false)
        #expect(summary?.unreachable == 1)
    }
}
