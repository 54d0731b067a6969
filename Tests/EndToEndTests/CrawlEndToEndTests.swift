import Foundation
import NodeHarness
import Testing

/// `verack crawl --json` over a small simulated network on 127.1.0.x: one line per address
/// tried with the fields, then a summary.
@Suite struct CrawlEndToEndTests {
    @Test(.timeLimit(.minutes(2))) func crawlPrintsOneLinePerAddressAndASummary() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        let net = try SimulatedNetwork(listening: 20, unreachable: 5, hostile: [.oversizedAddr, .garbage], seed: 3)
        net.start()
        defer { net.stop() }
        let out = try Shell.run(verack, ["crawl", "--magic", "dab5bffa", "--seed", net.entry, "--timeout", "5", "--concurrency", "8", "--json"], timeout: 60)
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.count == net.nodes.count + net.unreachable.count + 1)
        let results = lines.dropLast()
        let fields = ["address", "network", "state", "reason", "user_agent", "version", "services", "start_height", "handshake_ms", "transport", "addresses_returned"]
        for r in results { #expect(Set(r.keys) == Set(fields), "\(r)") }
        let states = Dictionary(results.compactMap { r in (r["address"] as? String).map { ($0, r["state"] as? String ?? "") } }, uniquingKeysWith: { a, _ in a })
        for node in net.nodes { #expect(states[node.address] == (node.behaviour == .honest ? "reachable" : "failed"), "\(node.address)") }
        for address in net.unreachable { #expect(states[address] == "unreachable") }
        let summary = try #require(lines.last?["summary"] as? [String: Any])
        #expect(summary["reachable"] as? Int == net.nodes.count - 2)
        #expect(summary["failed"] as? Int == 2)
        #expect(summary["unreachable"] as? Int == net.unreachable.count)
        #expect((summary["user_agents"] as? [String: Int])?.values.reduce(0, +) == net.nodes.count - 2)

        let text = try Shell.run(verack, ["crawl", "--magic", "dab5bffa", "--seed", net.unreachable[0]], timeout: 30)
        #expect(text.status == 1)
        #expect(text.stdout.contains("\(net.unreachable[0])  unreachable  connection refused"))
        #expect(text.stdout.contains("1 tried in"))
    }

    /// `--transport auto` crawls the nodes that offer v2 over v2 and counts both in the
    /// summary; `--transport v1` crawls them all over v1.
    @Test(.timeLimit(.minutes(2))) func transportAutoCrawlsV2NodesOverV2AndCountsBoth() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        let net = try SimulatedNetwork(listening: 12, unreachable: 2, hostile: [], seed: 7, v2: 4)
        net.start()
        defer { net.stop() }
        let v2 = Set(net.nodes.filter(\.speaksV2).map(\.address))
        let out = try Shell.run(verack, ["crawl", "--magic", "dab5bffa", "--seed", net.entry, "--transport", "auto", "--timeout", "5", "--json"], timeout: 60)
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        for r in lines.dropLast() where r["state"] as? String == "reachable" {
            let address = r["address"] as? String ?? ""
            #expect(r["transport"] as? String == (v2.contains(address) ? "v2" : "v1"), "\(r)")
        }
        let summary = try #require(lines.last?["summary"] as? [String: Any])
        #expect(summary["transports"] as? [String: Int] == ["v1": net.nodes.count - 4, "v2": 4], "\(summary)")

        let text = try Shell.run(verack, ["crawl", "--magic", "dab5bffa", "--seed", net.entry, "--transport", "v1", "--timeout", "5"], timeout: 60)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("transports: v1 \(net.nodes.count), v2 0"), "\(text.stdout)")

        let bad = try Shell.run(verack, ["crawl", "--magic", "dab5bffa", "--seed", net.entry, "--transport", "v3"], timeout: 30)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--transport"), "\(bad.stderr)")
    }
}
