import BitcoinWire
import Foundation
import NodeHarness
import Testing

/// The real console in tmux against a real node: handshake, a corrupted ping that the
/// node silently drops, drop, quit, and a terminal left in cooked mode.
@Suite(.serialized) struct ConsoleEndToEndTests {
    static let inCI = RealNode.isRequired


    @Test(.timeLimit(.minutes(3))) func corruptPingSilencesThePeerAndQuitRestoresTheTerminal() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let node: RealNode
        do { node = try RealNode.start() } catch { return try unavailable("the test node did not start: \(error)") }
        defer { node.stop() }
        let session = try TmuxSession(tmux: tmux, width: 120, height: 40, directory: RealNode.repositoryRoot.path)
        defer { session.kill() }

        try session.type("'\(verack)' --magic dab5bffa --no-seeds --connect \(node.address); echo \"verack exited $?\"")

        func peerRow(_ screen: String) -> String {
            screen.split(separator: "\n").first { $0.hasPrefix("│  1 \(node.address)") }.map(String.init) ?? ""
        }

        // 1. The handshake completes.
        var step = try session.wait(timeout: 30) { peerRow($0).contains("established") }
        #expect(step.matched, "peer 1 never showed as established:\n\(step.screen)")
        guard step.matched else { return }
        #expect(try session.display("#{alternate_on}") == "1")

        // Idle, the console uses (almost) no CPU: no polling loop. A busy loop would burn
        // the whole 3 s window; the 1 s clock and the node's traffic cost a few ticks.
        if let pid = try consolePID(session), let before = cpuTicks(pid) {
            usleep(3_000_000)  // the measuring window, not a wait for anything
            if let after = cpuTicks(pid) {
                #expect(after - before <= 30, "the idle console used \((after - before) * 10) ms of CPU in 3 s")
            }
        } else {
            Issue.record("could not find the console's process")
        }

        // The console follows the terminal's size (SIGWINCH): the narrow layout at 80×24
        // drops the dir column, the wide one has it back.
        try session.tmuxCommand(["resize-window", "-t", session.name, "-x", "80", "-y", "24"])
        step = try session.wait(timeout: 10) { $0.contains("│ id address               tr  phase") && !$0.contains(" dir ") }
        #expect(step.matched, "no 80×24 layout after resizing:\n\(step.screen)")
        try session.tmuxCommand(["resize-window", "-t", session.name, "-x", "120", "-y", "40"])
        step = try session.wait(timeout: 10) { $0.contains("│ id address               dir tr  phase") }
        #expect(step.matched, "no 120×40 layout after resizing back:\n\(step.screen)")

        // 2. A ping with a broken checksum: the log marks it, the node says nothing.
        try session.type("resend 1 ping --corrupt checksum")
        step = try session.wait(timeout: 10) { $0.contains("!corrupt:checksum") }
        #expect(step.matched, "the corrupted frame never showed in the log:\n\(step.screen)")
        step = try session.wait(timeout: 30) { peerRow($0).contains("silent") }
        #expect(step.matched, "peer 1 never showed as silent:\n\(step.screen)")
        let lines = step.screen.split(separator: "\n").map(String.init)
        if let corrupt = lines.firstIndex(where: { $0.contains("!corrupt:checksum") }) {
            let corruptRow = lines[corrupt]
            #expect(corruptRow.contains("→ ping") && corruptRow.contains("✗"), "\(corruptRow)")
            let after = lines[(corrupt + 1)...].filter { $0.contains("← pong") }
            #expect(after.isEmpty, "a pong arrived after the corrupted ping:\n\(step.screen)")
        } else {
            Issue.record("the corrupted frame left the screen:\n\(step.screen)")
        }

        // 3. Drop the peer, then quit.
        try session.type("drop 1")
        step = try session.wait(timeout: 10) { peerRow($0).contains("dropped") }
        #expect(step.matched, "peer 1 never showed as dropped:\n\(step.screen)")
        try session.type("quit")
        step = try session.wait(timeout: 10) { $0.contains("verack exited 0") }
        #expect(step.matched, "verack did not exit with 0 after quit:\n\(step.screen)")

        // 4. The terminal is back: main screen, canonical mode, echo.
        #expect(try session.display("#{alternate_on}") == "0")
        try session.type("clear; stty -a; echo stty-done")
        step = try session.wait(timeout: 10) { $0.contains("\nstty-done") || $0.hasPrefix("stty-done") }
        let words = Set(step.screen.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "\n" }).map(String.init))
        #expect(words.contains("icanon") && !words.contains("-icanon"), "icanon is off:\n\(step.screen)")
        #expect(words.contains("echo") && !words.contains("-echo"), "echo is off:\n\(step.screen)")
    }

    /// A peer that floods pings as fast as loopback allows: the console keeps taking keys,
    /// `drop 1` ends the flood, and `quit` still restores the terminal.
    @Test(.timeLimit(.minutes(2))) func aFloodKeepsTheKeysResponsive() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let flood = try FakePeer()
        let ping = FrameEncoder.encode(.ping(nonce: 7), magic: FakePeer.magic)
        let burst = [UInt8](Array(repeating: ping, count: 2000).joined())
        flood.serve { fd in
            FakePeer.handshake(fd)
            Thread.detachNewThread { _ = FakePeer.readFrames(fd, count: Int.max) }
            // Until the console drops us: send fails once the socket is closed.
            while FakePeer.send(fd, burst) {}
            close(fd)
        }
        let session = try TmuxSession(tmux: tmux, width: 120, height: 40, directory: RealNode.repositoryRoot.path)
        defer { session.kill() }
        try session.type("'\(verack)' --magic \(RealNode.magicHex) --no-seeds --connect \(flood.address); echo \"verack exited $?\"")

        func frameCount(_ screen: String) -> Int {
            guard let header = screen.split(separator: "\n").first,
                  let range = header.range(of: #"frames \d+"#, options: .regularExpression) else { return 0 }
            return Int(header[range].dropFirst(7)) ?? 0
        }
        // The flood is on once tens of thousands of frames have been logged.
        var step = try session.wait(timeout: 30) { frameCount($0) > 20_000 }
        #expect(step.matched, "no flood seen:\n\(step.screen)")
        try session.type("drop 1")
        step = try session.wait(timeout: 10) { $0.split(separator: "\n").contains { $0.hasPrefix("│  1 ") && $0.contains("dropped") } }
        #expect(step.matched, "drop 1 was not handled during the flood:\n\(step.screen)")
        try session.type("quit")
        step = try session.wait(timeout: 10) { $0.contains("verack exited 0") }
        #expect(step.matched, "verack did not quit after the flood:\n\(step.screen)")
        #expect(try session.display("#{alternate_on}") == "0")
    }

    /// The console's process: the child of the pane's shell.
    func consolePID(_ session: TmuxSession) throws -> String? {
        let shell = try session.display("#{pane_pid}")
        guard let pgrep = Shell.which("pgrep") else { return nil }
        let r = try Shell.run(pgrep, ["-P", shell, "-x", "verack"])
        return r.stdout.split(separator: "\n").first.map(String.init)
    }

    /// User plus system CPU time of a process, in clock ticks (1/100 s).
    func cpuTicks(_ pid: String) -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// A hostile user agent carrying terminal escape sequences reaches the output of
    /// `verack handshake` with its control characters replaced.
    @Test func escapeSequencesFromAPeerDoNotReachTheTerminal() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        let hostile = "/evil:\u{1b}]0;pwned\u{07}\u{1b}[2J\u{9b}31m/"
        func hostilePeer() throws -> FakePeer {
            let fake = try FakePeer()
            fake.serve { fd in
                FakePeer.handshake(fd, userAgent: hostile)
                _ = FakePeer.readFrames(fd, count: Int.max)
            }
            return fake
        }
        func hasControl(_ text: String) -> Bool {
            text.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x07 || $0.value == 0x9b }
        }
        let human = try Shell.run(verack, ["handshake", "--magic", RealNode.magicHex, "--timeout", "10", try hostilePeer().address])
        #expect(human.status == 0, "\(human.stdout)\(human.stderr)")
        #expect(human.stdout.contains("/evil:\u{FFFD}]0;pwned\u{FFFD}\u{FFFD}[2J\u{FFFD}31m/"), "\(human.stdout)")
        #expect(!hasControl(human.stdout))
        let json = try Shell.run(verack, ["handshake", "--json", "--magic", RealNode.magicHex, "--timeout", "10", try hostilePeer().address])
        #expect(json.status == 0, "\(json.stdout)\(json.stderr)")
        #expect(json.stdout.contains(#""user_agent":"/evil:\u001b]0;pwned\u0007\u001b[2J\u009b31m/""#), "\(json.stdout)")
        #expect(!hasControl(json.stdout))
        let decoded = try Shell.run(verack, ["decode", "--magic", RealNode.magicHex, Hex.encode(FakePeer.version(userAgent: hostile))])
        #expect(decoded.status == 0, "\(decoded.stdout)\(decoded.stderr)")
        #expect(decoded.stdout.contains("pwned"))
        #expect(!hasControl(decoded.stdout))
    }

    @Test func refusesToStartWithoutATerminal() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        let r = try Shell.run(verack, ["--no-seeds"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("needs a terminal"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func badFlagsGiveOneLineErrors() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        let r = try Shell.run(verack, ["--magic", "zz"])
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("Error: bad --magic 'zz'"))
        let limit = try Shell.run(verack, ["--log-limit", "0"])
        #expect(limit.stderr.hasPrefix("Error: --log-limit must be from 1 to 50000000"))
    }
}
