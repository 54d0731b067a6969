import Foundation
import NodeHarness
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The relay in the real console, driven by keystrokes in tmux: `verack serve` is the target
/// (B), `verack handshake --send ping` the node that connects to the relay (A). The pair
/// shows as two linked rows, `intercept ping A>B` holds A's two pings (its own after the
/// handshake, and the one sent), no pong reaches A, and `forward h1`, `forward h2` release
/// them: the pongs come back. A ping injected B>A reaches A, whose pong is held and dropped
/// by `drop h3`; the ladder has three columns, and quit is clean.
@Suite(.serialized) struct RelayConsoleEndToEndTests {
    @Test(.timeLimit(.minutes(3)), arguments: ["v1", "v2"])
    func heldPingIsReleasedByKeystrokes(transport: String) throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let target = try ProbeEndToEndTests.serve(verack)
        defer { ProbeEndToEndTests.stop(target.pid) }
        let session = try TmuxSession(tmux: tmux, width: 140, height: 40, directory: RealNode.repositoryRoot.path)
        defer { session.kill() }

        try session.type(
            "'\(verack)' --network regtest --no-seeds --relay 127.0.0.1:0=127.0.0.1:\(target.port) --relay-out \(transport); echo \"verack exited $?\"")
        // The relay's bound port, from the status bar.
        var step = try session.wait(timeout: 20) { $0.range(of: #"\(port \d+\)"#, options: .regularExpression) != nil }
        #expect(step.matched, "the relay never said where it listens:\n\(step.screen)")
        guard step.matched, let found = step.screen.range(of: #"\(port \d+\)"#, options: .regularExpression),
              let relayPort = Int(step.screen[found].dropFirst(6).dropLast()) else { return }

        try session.type("intercept ping A>B")
        step = try session.wait(timeout: 10) { $0.contains("intercept: holding ping A>B") && $0.contains("relay · intercept ping A>B") }
        #expect(step.matched, "intercept ping was not taken:\n\(step.screen)")

        // A: a node that connects to the relay, pings after its handshake, and listens for 60 s.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verack-relay-console-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("a.out").path
        let a = try Shell.spawn(
            verack, ["handshake", "--network", "regtest", "--transport", transport, "--send", "ping", "--wait", "60", "--timeout", "20",
                     "127.0.0.1:\(relayPort)"],
            stdout: out, stderr: dir.appendingPathComponent("a.err").path)
        defer { ProbeEndToEndTests.stop(a) }

        // The pair: two linked rows, both established, each marked with its leg.
        func rows(_ screen: String) -> [String] { screen.split(separator: "\n").map(String.init) }
        func legRow(_ screen: String, _ leg: String) -> String { rows(screen).first { $0.contains("⇄\(leg)1 \(transport)") } ?? "" }
        step = try session.wait(timeout: 30) { screen in
            legRow(screen, "A").contains("established") && legRow(screen, "B").contains("established")
                && screen.contains("held h1") && screen.contains("held h2")
        }
        #expect(step.matched, "no established pair with a held ping:\n\(step.screen)")
        guard step.matched else { return }
        let tableRows = rows(step.screen)
        if let aRow = tableRows.firstIndex(where: { $0.contains("⇄A1") }) {
            #expect(tableRows[aRow + 1].contains("⇄B1"), "the pair's rows are not adjacent:\n\(step.screen)")
            #expect(tableRows[aRow].range(of: #"│ *(\d+)⇄(\d+) "#, options: .regularExpression) != nil, "\(tableRows[aRow])")
        }
        // The pings are held: one row each, A→B, tagged; the status bar counts them; B's
        // ping to A is not held; A hears no pong.
        let pingRows = tableRows.filter { $0.contains(" ping ") && $0.contains("A→B") }
        #expect(pingRows.count == 2 && pingRows.allSatisfy { $0.contains("held h") }, "\(step.screen)")
        #expect(step.screen.contains("relay · intercept ping A>B · held 2"), "\(step.screen)")
        #expect(tableRows.contains { $0.contains("B→A ping") && !$0.contains("held") }, "\(step.screen)")
        #expect(!tableRows.contains { $0.contains("B→A pong") })
        #expect(!((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("← pong"))

        // Released by keystrokes: each ping goes on, its pong comes back through the relay.
        try session.type("forward h1")
        step = try session.wait(timeout: 20) { screen in
            screen.contains("h1 forwarded") && screen.contains("relay · intercept ping A>B · held 1")
                && rows(screen).contains { $0.contains("B→A pong") }
        }
        #expect(step.matched, "forward h1 did not release the first ping:\n\(step.screen)")
        try session.type("forward h2")
        step = try session.wait(timeout: 20) { screen in
            screen.contains("h2 forwarded") && rows(screen).filter { $0.contains("B→A pong") }.count == 2
        }
        #expect(step.matched, "forward h2 did not release the second ping:\n\(step.screen)")
        #expect(!step.screen.contains("held 1") && step.screen.contains("relay · intercept ping A>B"), "\(step.screen)")
        let deadline = Date().addingTimeInterval(20)
        var said = ""
        while Date() < deadline {
            said = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if said.components(separatedBy: "← pong").count == 3 { break }
            usleep(100_000)
        }
        #expect(said.components(separatedBy: "← pong").count == 3, "A did not hear both pongs:\n\(said)")

        // inject: a ping made by the composer goes to A as if B sent it; A's pong is held
        // (intercept pong A>B) and dropped by keystrokes.
        try session.type("intercept pong A>B")
        step = try session.wait(timeout: 10) { $0.contains("relay · intercept pong A>B") }
        #expect(step.matched, "intercept pong A>B was not taken:\n\(step.screen)")
        try session.type("inject 1 B>A ping 0x4d2")
        step = try session.wait(timeout: 10) { screen in
            rows(screen).contains { $0.contains("B→A ping") && $0.contains("!injected") && $0.contains("nonce=4d2") }
        }
        #expect(step.matched, "the injected ping is not in the log:\n\(step.screen)")
        let heard = Date().addingTimeInterval(20)
        while Date() < heard, !((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("← ping nonce=4d2") { usleep(100_000) }
        #expect(((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("← ping nonce=4d2"), "A never got the injected ping")
        step = try session.wait(timeout: 10) { screen in
            rows(screen).contains { $0.contains("A→B pong") && $0.contains("held h3") && $0.contains("nonce=4d2") }
        }
        #expect(step.matched, "A's pong to the injected ping was not held as h3:\n\(step.screen)")
        try session.type("drop h3")
        step = try session.wait(timeout: 10) { screen in
            rows(screen).contains { $0.contains("A→B pong") && $0.contains("dropped h3") } && screen.contains("h3 dropped")
        }
        #expect(step.matched, "drop h3 did not drop the pong:\n\(step.screen)")

        // The ladder of leg A: three columns.
        try session.press("Tab")
        try session.press("Enter")
        step = try session.wait(timeout: 10) { $0.contains("Ladder · pair 1") && $0.contains(" verack ") }
        #expect(step.matched, "no three-column ladder:\n\(step.screen)")
        try session.press("Escape")
        try session.press("q")
        step = try session.wait(timeout: 10) { $0.contains("verack exited 0") }
        #expect(step.matched, "verack did not exit with 0 after q:\n\(step.screen)")
        #expect(try session.display("#{alternate_on}") == "0")
    }

    /// Two real nodes sync through the console's relay: B connects to the relay, whose
    /// target is A. The pair shows established with the nodes' own user agents, the log
    /// shows the chain going by (headers and blocks from B's side of the pair to A's), and
    /// B's block count reaches A's.
    @Test(.timeLimit(.minutes(3))) func twoRealNodesSyncThroughTheConsole() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let a: RealNode, b: RealNode
        do { a = try RealNode.start() } catch { return try unavailable("the test node did not start: \(error)") }
        defer { a.stop() }
        try a.mine(toHeight: 30)
        let session = try TmuxSession(tmux: tmux, width: 160, height: 45, directory: RealNode.repositoryRoot.path)
        defer { session.kill() }
        try session.type(
            "'\(verack)' --magic \(RealNode.magicHex) --no-seeds --relay 127.0.0.1:0=\(a.address) --relay-out v1; echo \"verack exited $?\"")
        var step = try session.wait(timeout: 20) { $0.range(of: #"\(port \d+\)"#, options: .regularExpression) != nil }
        guard step.matched, let found = step.screen.range(of: #"\(port \d+\)"#, options: .regularExpression),
              let relayPort = Int(step.screen[found].dropFirst(6).dropLast()) else {
            Issue.record("the relay never said where it listens:\n\(step.screen)")
            return
        }
        // B connects to the console's relay and to nothing else (no way around it through
        // A's gossiped address).
        do { b = try RealNode.start(arguments: ["-connect=127.0.0.1:\(relayPort)"]) } catch { return try unavailable("the second node did not start: \(error)") }
        defer { b.stop() }
        let tip = try a.text("getbestblockhash")
        #expect(try b.poll(timeout: 60) { try b.text("getbestblockhash") == tip }, "B did not sync A's chain through the console's relay")
        func rows(_ screen: String) -> [String] { screen.split(separator: "\n").map(String.init) }
        // The chain's own messages, whatever came after them.
        try session.type("filter command headers,block")
        step = try session.wait(timeout: 20) { screen in
            let lines = rows(screen)
            return lines.contains { $0.contains("⇄A1") && $0.contains("established") && $0.contains("Bitcoin SV") }
                && lines.contains { $0.contains("⇄B1") && $0.contains("established") && $0.contains("Bitcoin SV") }
                && lines.contains { $0.contains("B→A") && ($0.contains(" block ") || $0.contains(" headers ")) }
        }
        #expect(step.matched, "the console does not show the pair and the chain going by:\n\(step.screen)")
        try expectCleanQuit(session)
    }

    @Test func badRelayFlagsGiveOneLineErrors() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        let r = try Shell.run(verack, ["--no-seeds", "--relay", "18555"])
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("Error: bad --relay '18555': give LISTEN=TARGET"), "\(r.stderr)")
        let target = try Shell.run(verack, ["--no-seeds", "--relay", "18555=[::1"])
        #expect(target.stderr.hasPrefix("Error: bad --relay target '[::1'"), "\(target.stderr)")
        let policy = try Shell.run(verack, ["--no-seeds", "--relay", "18555=127.0.0.1", "--relay-in", "v3"])
        #expect(policy.status != 0)
        #expect(policy.stderr.contains("--relay-in"), "\(policy.stderr)")
    }
}
