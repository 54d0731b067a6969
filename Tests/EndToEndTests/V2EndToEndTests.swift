import Foundation
import NodeHarness
import Testing

/// BIP324 between two real consoles in tmux, and the headless `handshake --json` against
/// one of them: the v2 handshake shows step by step on both sides.
@Suite(.serialized) struct V2EndToEndTests {

    func row(_ screen: String, id: Int) -> String {
        screen.split(separator: "\n").first { $0.hasPrefix("│  \(id) ") }.map(String.init) ?? ""
    }

    /// The 64 hex digits after "session id" on a ladder screen.
    func sessionID(_ screen: String) -> String? {
        guard let range = screen.range(of: "session id ") else { return nil }
        let hex = screen[range.upperBound...].prefix(64)
        return hex.count == 64 && hex.allSatisfy(\.isHexDigit) ? String(hex) : nil
    }

    @Test(.timeLimit(.minutes(3))) func v2HandshakeStepByStepInTwoConsoles() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let address = try FakePeer.closedAddress()  // a free loopback port
        let root = RealNode.repositoryRoot.path
        let server = try TmuxSession(tmux: tmux, width: 120, height: 40, directory: root)
        defer { server.kill() }
        let client = try TmuxSession(tmux: tmux, width: 120, height: 40, directory: root)
        defer { client.kill() }

        try server.type("'\(verack)' --magic dab5bffa --no-seeds --listen \(address); echo \"verack exited $?\"")
        var step = try server.wait(timeout: 20) { $0.contains("Peers 0") }
        #expect(step.matched, "the listening console did not start:\n\(step.screen)")
        try client.type("'\(verack)' --magic dab5bffa --no-seeds; echo \"verack exited $?\"")
        step = try client.wait(timeout: 20) { $0.contains("Peers 0") }
        #expect(step.matched, "the client console did not start:\n\(step.screen)")

        // 1. Both consoles show the peer established over v2.
        try client.type("connect --v2 \(address)")
        step = try client.wait(timeout: 20) { row($0, id: 1).contains(" v2  established") }
        #expect(step.matched, "the client never showed peer 1 established over v2:\n\(step.screen)")
        step = try server.wait(timeout: 20) { row($0, id: 1).contains("in  v2  established") }
        #expect(step.matched, "the listener never showed its inbound v2 peer:\n\(step.screen)")
        // The log marks v2 messages and shows every step.
        step = try client.wait(timeout: 5) { $0.contains("v2:key") && $0.contains("v2:garbage") && $0.contains("v2 version 70016") }
        #expect(step.matched, "the client's log lacks the v2 steps:\n\(step.screen)")

        // 2. Each ladder shows the steps as rows, the transport and the same session id.
        var ids: [String] = []
        for console in [client, server] {
            try console.press("Tab")
            try console.press("Enter")
            step = try console.wait(timeout: 10) { screen in
                screen.contains("transport v2 · session id") && ["v2:key", "v2:garbage", "v2:term", "v2:version", "verack"].allSatisfy { screen.contains($0) }
            }
            #expect(step.matched, "no v2 ladder:\n\(step.screen)")
            let lines = step.screen.split(separator: "\n")
            #expect(lines.contains { $0.contains("──▶") && $0.contains("v2:key") }, "our key is not an arrow to the peer")
            #expect(lines.contains { $0.contains("◀──") && $0.contains("v2:key") }, "their key is not an arrow from the peer")
            if let sid = sessionID(step.screen) { ids.append(sid) }
            try console.press("Escape")
        }
        #expect(ids.count == 2 && ids[0] == ids[1], "the two consoles show different session ids: \(ids)")

        // 3. Headless, against the same listener: the v2 steps as JSON events of their own.
        let r = try Shell.run(verack, ["handshake", "--magic", "dab5bffa", "--transport", "v2", "--json", "--timeout", "20", address])
        #expect(r.status == 0, "handshake failed: \(r.stdout)\(r.stderr)")
        let events = r.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        let names = events.compactMap { $0["event"] as? String }
        for expected in ["v2-key-sent", "v2-garbage", "v2-key-received", "v2-terminator", "v2-version", "established"] {
            #expect(names.contains(expected), "no \(expected) event in:\n\(r.stdout)")
        }
        let established = try #require(events.first { $0["event"] as? String == "established" })
        #expect(established["transport"] as? String == "v2")
        #expect((established["session_id"] as? String)?.count == 64)

        // 4. The client's log as a pcap: the v2 messages re-framed as v1, read by tshark.
        let pcap = NSTemporaryDirectory() + "verack-e2e-v2-\(getpid()).pcap"
        unlink(pcap)
        defer { unlink(pcap) }
        try client.press(":")
        try client.type("save --pcap \(pcap)")
        step = try client.wait(timeout: 10) { $0.contains("saved ") && $0.contains(" frames to ") }
        #expect(step.matched, "save --pcap did not report:\n\(step.screen)")
        if let tshark = Shell.which("tshark") {
            let listing = try Shell.run(tshark, ["-r", pcap, "-T", "fields", "-e", "bitcoin.command"])
            let commands = listing.stdout.split(separator: "\n").map(String.init)
            #expect(Array(commands.prefix(2)) == ["version", "version"], "\(commands)")
            #expect(commands.contains("verack") && commands.contains("pong"))
            let all = try Shell.run(tshark, ["-r", pcap])
            #expect(!all.stdout.contains("Malformed"), "\(all.stdout)")
        } else if ConsoleEndToEndTests.inCI {
            Issue.record("tshark is not installed")
        }

        // 5. A flipped tag bit: the listener hangs up, saying why; the client sees it closed.
        try client.type("resend 1 ping --corrupt tag")
        step = try client.wait(timeout: 10) { row($0, id: 1).contains("closed") }
        #expect(step.matched, "the client never saw the hang-up:\n\(step.screen)")
        #expect(step.screen.contains("!corrupt:tag"), "the corrupted packet is not marked:\n\(step.screen)")
        step = try server.wait(timeout: 10) { row($0, id: 1).contains("failed") }
        #expect(step.matched, "the listener did not fail the peer:\n\(step.screen)")

        // The client's focus is still on its command line; the listener's is on its table.
        try server.press(":")
        for console in [client, server] {
            try console.type("quit")
            step = try console.wait(timeout: 10) { $0.contains("verack exited 0") }
            #expect(step.matched, "verack did not exit with 0 after quit:\n\(step.screen)")
        }
    }
}
