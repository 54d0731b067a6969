import BitcoinWire
import Foundation
import NodeHarness
import Testing
@testable import PeerEngine

/// The whole probe battery against the real node of PROTOCOL.md (Bitcoin SV, a fork of
/// Core). Its cases that break the stream run last, as the runner orders them, so the node's
/// habit of banning loopback after a bad magic cannot spoil the others.
@Suite(.serialized) struct ProbeRealNodeTests {
    @Test func fullBatteryGetsAReactionForEveryCase() throws {
        guard let node = try RealNode.startIfAvailable() else { try Test.cancel("skipped: no real node can start here") }
        defer { node.stop() }
        var settings = ProbeSettings(network: .custom(magic: try Magic(hex: RealNode.magicHex)), userAgent: "/verack-test:1/")
        settings.window = 3
        let runner = ProbeRunner(target: try Endpoint.parse(node.address, defaultPort: 0).get(), settings: settings)
        try runner.checkReachable().get()
        let cases = try ProbeCatalog.select([]).get()
        let started = Date()
        let results = runner.run(cases)
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds < 60, "the battery took \(seconds) s")
        #expect(results.map(\.name) == cases.map(\.name))
        for r in results {
            #expect(r.observation.notRun == nil, "\(r.name) did not run: \(r.verdict)")
            #expect(r.observation.actionAt != nil, "\(r.name) never acted")
        }
        func reaction(_ name: String) -> ProbeReaction? { results.first { $0.name == name }?.reaction }
        // What PROTOCOL.md records of this node, measured again.
        #expect(reaction("bad-checksum-ping") == .ignored)
        #expect(reaction("bad-checksum-version") == .ignored)
        #expect(reaction("unknown-command") == .ignored)
        #expect(reaction("ping-rtt") == .answered)
        #expect(reaction("bad-magic") == .disconnected || reaction("bad-magic") == .refusedLater)
        let table = results.map { "\($0.name): \($0.reaction.rawValue) (\($0.detail)) \($0.verdict)" }.joined(separator: "\n")
        FileHandle.standardError.write(Data("probe of the real node in \(String(format: "%.1f", seconds)) s:\n\(table)\n".utf8))
    }
}
