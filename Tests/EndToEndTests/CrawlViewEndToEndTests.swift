import Foundation
import NodeHarness
import Testing

/// The console's `crawl` in tmux, against a simulated network on 127.1.0.x: connected to
/// the entry node, `crawl` walks every node from it (over v2 to the nodes gossiped with
/// NODE_P2P_V2: the console's transport policy is `auto`), the crawl view's progress
/// reaches every address, its bars show the nodes' user agents, the title counts the
/// address book, and the crawled connections stay out of the peer table.
@Suite(.serialized) struct CrawlViewEndToEndTests {
    @Test(.timeLimit(.minutes(2))) func crawlFromTheConnectedPeerFillsTheView() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let net = try SimulatedNetwork(listening: 12, unreachable: 3, hostile: [.garbage], seed: 21, v2: 3)
        net.start()
        defer { net.stop() }
        let session = try simulatedNetworkConsole(connectedTo: net.entry, verack: verack, tmux: tmux)
        defer { session.kill() }

        try session.type("crawl --concurrency 4")
        let expected = net.nodes.count + net.unreachable.count
        let honest = net.nodes.filter { $0.behaviour == .honest }
        var step = try session.wait(timeout: 60) { $0.contains("Crawl done") && $0.contains("│█ done \(expected) · ▓ in flight 0 · ░ queued 0 · ") }
        #expect(step.matched, "the crawl did not reach all \(expected) addresses:\n\(step.screen)")
        #expect(step.screen.contains("│reachable \(honest.count) · unreachable \(net.unreachable.count) · failed 1 · v1 \(net.nodes.count - 3) · v2 3"), "\(step.screen)")
        #expect(step.screen.contains("] \(expected)/\(expected) 100%"), "\(step.screen)")

        // One bar per user agent, with the count of the nodes that have it.
        let agents = Dictionary(honest.map { ($0.userAgent, 1) }, uniquingKeysWith: +)
        let countWidth = String(agents.values.max() ?? 0).count
        let lines = step.screen.split(separator: "\n").map(String.init)
        for (agent, count) in agents {
            let percent = count * 100 / honest.count
            let tail = String(repeating: " ", count: countWidth - String(count).count) + "\(count)"
                + String(repeating: " ", count: 5 - "\(percent)%".count) + "\(percent)%│"
            let bar = lines.first { $0.hasPrefix("│\(agent) ") }
            #expect(bar?.contains("█") == true && bar?.hasSuffix(tail) == true, "no bar of \(count) for \(agent):\n\(step.screen)")
        }
        #expect(step.screen.contains("│Protocol versions") && step.screen.contains("│Service bits"))

        // The crawl fed the console's address book; the peer table still has one peer.
        step = try session.wait(timeout: 10) { $0.split(separator: "\n").first?.contains("\(honest.count) reachable") == true }
        #expect(step.matched, "the title bar does not count the crawled nodes:\n\(step.screen)")
        #expect(step.screen.split(separator: "\n")[0].contains("peers 1 (1 established)"), "\(step.screen)")

        // Esc closes the view, c (from the panes) reopens it, crawl stop says nothing runs.
        try session.press("Escape")
        step = try session.wait(timeout: 10) { !$0.contains("Crawl done") && $0.contains("│  1 \(net.entry)") }
        #expect(step.matched, "Esc did not close the crawl view:\n\(step.screen)")
        try session.press("Tab")
        try session.press("c")
        step = try session.wait(timeout: 10) { $0.contains("Crawl done") }
        #expect(step.matched, "c did not reopen the crawl view:\n\(step.screen)")
        try session.press(":")
        try session.type("crawl stop")
        step = try session.wait(timeout: 10) { $0.contains("crawl stop: no crawl is running") }
        #expect(step.matched, "\(step.screen)")

        try expectCleanQuit(session)
    }

    /// Nodes that take 30 s to answer `getaddr` keep the crawl in flight: `crawl` again says
    /// one is running, `crawl stop` ends it at once and the view keeps its numbers; a bad
    /// argument is one line; `--seed` crawls from an address with no peer connected.
    @Test(.timeLimit(.minutes(2))) func crawlStopEndsACrawlInFlight() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let net = try SimulatedNetwork(listening: 4, unreachable: 1, hostile: [], seed: 5)
        net.answerDelay = 30
        net.start()
        defer { net.stop() }
        let session = try simulatedNetworkConsole(connectedTo: nil, verack: verack, tmux: tmux)
        defer { session.kill() }

        try session.type("crawl")
        var step = try session.wait(timeout: 10) { $0.contains("crawl: no peer to start from") }
        #expect(step.matched, "crawl without peers or seeds under --no-seeds:\n\(step.screen)")
        try session.type("crawl --max 0")
        step = try session.wait(timeout: 10) { $0.contains("crawl: --max must be a whole number above 0, not '0'") }
        #expect(step.matched, "\(step.screen)")
        try session.press("C-u")

        try session.type("crawl --seed \(net.entry)")
        step = try session.wait(timeout: 20) { $0.contains("Crawl running") && $0.contains("│█ done 0 · ▓ in flight 1 · ░ queued 0") }
        #expect(step.matched, "the crawl did not start:\n\(step.screen)")
        try session.type("crawl")
        step = try session.wait(timeout: 10) { $0.contains("a crawl is running: crawl stop ends it") }
        #expect(step.matched, "\(step.screen)")
        try session.type("crawl stop")
        step = try session.wait(timeout: 10) { $0.contains("Crawl stopped") && $0.contains("crawl stopped: 0 tried") }
        #expect(step.matched, "crawl stop did not end the crawl:\n\(step.screen)")
        #expect(step.screen.split(separator: "\n")[0].contains("peers 0"), "\(step.screen)")

        try expectCleanQuit(session)
    }
}
