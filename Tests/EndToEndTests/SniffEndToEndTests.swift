import Foundation
import NodeHarness
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `verack sniff` on loopback during sessions with the real node: the frames verack's own
/// recording of a session lists appear in `sniff --json` and in the sniffed console, with
/// the same commands in the same order; and the one-line errors (exit 64) for no
/// permission, an unknown interface and a bad filter.
@Suite(.serialized) struct SniffEndToEndTests {
    func unavailable(_ reason: String) throws {
        if ConsoleEndToEndTests.inCI {
            Issue.record("end-to-end test cannot run in CI: \(reason)")
            return
        }
        try Test.cancel("skipped: \(reason)")
    }

    /// `direction command` of each frame event in JSON lines.
    static func commands(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], o["event"] as? String == "frame" else { return nil }
            return "\(o["direction"] ?? "") \(o["command"] ?? "")"
        }
    }

    /// The log's frame count in its title (`Messages 12`), 0 when not shown.
    static func messageCount(_ screen: String) -> Int {
        guard let range = screen.range(of: "Messages ") else { return 0 }
        return Int(screen[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }

    /// `verack sniff --json …` running until ``stop()``, its output in a file.
    struct Sniffing {
        let pid: pid_t
        let outPath: String
        let errPath: String

        init(verack: String, _ arguments: [String], dir: String) throws {
            outPath = dir + "/sniff.jsonl"
            errPath = dir + "/sniff.err"
            pid = try Shell.spawn(verack, ["sniff", "--json"] + arguments, stdout: outPath, stderr: errPath)
            // Its first line says the capture is on: poll for it, no blind sleep.
            let deadline = Date().addingTimeInterval(30)
            while !output.contains("sniffing on") {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { throw SpawnError("verack sniff exited: \(errors)") }
                if Date() > deadline {
                    _ = stop()
                    throw SpawnError("verack sniff did not start in 30 s: \(errors)")
                }
                usleep(20_000)
            }
        }

        var output: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
        var errors: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

        /// SIGINT, then its exit status (nil if it had to be killed).
        func stop() -> Int32? {
            kill(pid, SIGINT)
            var status: Int32 = 0
            for _ in 0..<200 {
                if waitpid(pid, &status, WNOHANG) == pid { return Shell.exitStatus(status) }
                usleep(50_000)
            }
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            return nil
        }
    }

    @Test(.timeLimit(.minutes(3))) func sniffJSONShowsTheRecordedSessionsFrames() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard getuid() == 0 else { return try unavailable("sniffing on lo needs root") }
        let node: RealNode
        do { node = try RealNode.start() } catch { return try unavailable("the test node did not start: \(error)") }
        defer { node.stop() }
        let dir = NSTemporaryDirectory() + "verack-sniff-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let recording = dir + "/session.jsonl", record = dir + "/sniffed.jsonl", pcap = dir + "/sniffed.pcap"

        let sniff = try Sniffing(verack: verack, ["-i", "lo", "--port", String(node.p2pPort), "--magic", RealNode.magicHex, "--record", record, "--pcap", pcap], dir: dir)
        let run = try Shell.run(verack, ["handshake", "--magic", RealNode.magicHex, "--record", recording, node.address])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let recorded = Self.commands(try String(contentsOfFile: recording, encoding: .utf8))
        #expect(recorded.count >= 4)
        // The frames arrive as the kernel hands the packets over: poll until they are all there.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && Self.commands(sniff.output).count < recorded.count { usleep(50_000) }
        #expect(sniff.stop() == 0, "sniff did not exit 0 on SIGINT: \(sniff.errors)")
        let sniffed = Self.commands(sniff.output)
        // The session records until it closes; the wire may hold a little more after that.
        // In each direction, the recording is the sniffed stream's beginning.
        for direction in ["sent", "received"] {
            let ours = recorded.filter { $0.hasPrefix(direction) }
            let wire = sniffed.filter { $0.hasPrefix(direction) }
            #expect(!ours.isEmpty)
            #expect(Array(wire.prefix(ours.count)) == ours, "\(direction): sniffed \(wire)\nrecording \(ours)")
        }
        let output = sniff.output
        #expect(output.contains("\"event\":\"established\""), "\(output)")
        #expect(output.contains("\"peer\":\"\(node.address)\""), "the row is the node's address: \(output)")
        #expect(output.contains("sniffed on lo:") && output.contains("libpcap received"), "no closing counts: \(output)")
        // --record wrote the same frames, after its header line.
        let recordedBySniff = Self.commands(try String(contentsOfFile: record, encoding: .utf8))
        #expect(recordedBySniff == sniffed)
        // --pcap wrote them as verack's own pcap (exported PDU), which decodes to the same.
        let decoded = try Shell.run(verack, ["decode", "--pcap", pcap, "--magic", RealNode.magicHex, "--json"])
        #expect(decoded.status == 0, "\(decoded.stderr)")
        #expect(Self.commands(decoded.stdout) == sniffed)
    }

    /// Two real nodes syncing, sniffed: the headers and blocks they exchange appear.
    @Test(.timeLimit(.minutes(3))) func twoNodesSyncingShowHeadersAndBlocks() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard getuid() == 0 else { return try unavailable("sniffing on lo needs root") }
        let a: RealNode, b: RealNode
        do { a = try RealNode.start() } catch { return try unavailable("the test node did not start: \(error)") }
        defer { a.stop() }
        do { b = try RealNode.start() } catch { return try unavailable("the second test node did not start: \(error)") }
        defer { b.stop() }
        try a.mine(toHeight: 5)
        let dir = NSTemporaryDirectory() + "verack-sniff-sync-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sniff = try Sniffing(verack: verack, ["-i", "lo", "--port", String(a.p2pPort), "--magic", RealNode.magicHex], dir: dir)
        try b.cli("addnode", a.address, "onetry")
        let synced = try b.poll(timeout: 30) { try b.blockCount() >= 5 }
        #expect(synced, "the second node did not sync")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !Self.commands(sniff.output).contains(where: { $0.hasSuffix(" block") }) { usleep(50_000) }
        #expect(sniff.stop() == 0)
        let commands = Self.commands(sniff.output)
        #expect(commands.contains { $0.hasSuffix(" headers") }, "\(commands)")
        #expect(commands.filter { $0.hasSuffix(" block") }.count >= 5, "\(commands)")
    }

    /// A v2 session (verack to verack: the test node speaks v1 only), sniffed: both keys,
    /// then the encrypted bytes counted.
    @Test(.timeLimit(.minutes(2))) func aV2SessionShowsItsKeysAndEncryptedBytes() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard getuid() == 0 else { return try unavailable("sniffing on lo needs root") }
        let dir = NSTemporaryDirectory() + "verack-sniff-v2-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A free port, read from serve's own listening line (a port picked here may be taken).
        let server = try ProbeEndToEndTests.serve(verack)
        defer { ProbeEndToEndTests.stop(server.pid) }
        let port = server.port
        let sniff = try Sniffing(verack: verack, ["-i", "lo", "--network", "regtest", "--port", String(port)], dir: dir)
        let run = try Shell.run(verack, ["handshake", "--network", "regtest", "--transport", "v2", "127.0.0.1:\(port)"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !sniff.output.contains("is v2 (BIP324)") { usleep(50_000) }
        #expect(sniff.stop() == 0)
        let output = sniff.output
        #expect(output.contains("\"event\":\"v2-key-sent\""), "\(output)")
        #expect(output.contains("\"event\":\"v2-key-received\""), "\(output)")
        #expect(output.contains("peer 1 is v2 (BIP324): "), "\(output)")
        #expect(Self.commands(output).isEmpty, "no message can be read: \(output)")
    }

    @Test func errorsAreOneLineAndExit64() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        let unknown = try Shell.run(verack, ["sniff", "--json", "-i", "nosuch0"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.hasPrefix("verack sniff: no interface named nosuch0; the interfaces are: "), "\(unknown.stderr)")
        #expect(unknown.stderr.contains(" lo"), "\(unknown.stderr)")
        #expect(unknown.stderr.split(separator: "\n").count == 1)

        let filter = try Shell.run(verack, ["sniff", "--json", "-i", "lo", "--filter", "tcp port"])
        #expect(filter.status == 64)
        #expect(filter.stderr == "verack sniff: bad filter 'tcp port': can't parse filter expression: syntax error\n", "\(filter.stderr)")

        // Without root and CAP_NET_RAW: as nobody, with no capabilities.
        guard getuid() == 0, let setpriv = Shell.which("setpriv") else { return try unavailable("the permission test runs as root with setpriv") }
        let denied = try Shell.run(setpriv, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", verack, "sniff", "--json", "-i", "lo"])
        #expect(denied.status == 64, "\(denied.stdout)\(denied.stderr)")
        #expect(denied.stderr.hasPrefix("verack sniff: sniffing on lo needs root or the CAP_NET_RAW capability"), "\(denied.stderr)")
        #expect(denied.stderr.split(separator: "\n").count == 1)
        #expect(denied.stdout.isEmpty)
    }

    /// The sniffed console: the session's frames in the log, the rows marked as sniffed,
    /// the engine's commands refused in one line, `record` working.
    @Test(.timeLimit(.minutes(3))) func theSniffedConsoleShowsTheSession() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        guard getuid() == 0 else { return try unavailable("sniffing on lo needs root") }
        let node: RealNode
        do { node = try RealNode.start() } catch { return try unavailable("the test node did not start: \(error)") }
        defer { node.stop() }
        let dir = NSTemporaryDirectory() + "verack-sniff-console-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let recording = dir + "/session.jsonl", consoleRecord = dir + "/console.jsonl"

        let session = try TmuxSession(tmux: tmux, width: 120, height: 40, directory: RealNode.repositoryRoot.path)
        defer { session.kill() }
        try session.type("'\(verack)' sniff -i lo --port \(node.p2pPort) --magic \(RealNode.magicHex); echo \"verack exited $?\"")
        var step = try session.wait(timeout: 20) { $0.contains("sniffing on lo") }
        #expect(step.matched, "verack sniff did not start:\n\(step.screen)")
        #expect(step.screen.contains("Peers 0 · sniffed on lo"), "\(step.screen)")
        try session.type("record \(consoleRecord)")
        step = try session.wait(timeout: 10) { $0.contains("recording every event to") }
        #expect(step.matched, "\(step.screen)")

        let run = try Shell.run(verack, ["handshake", "--magic", RealNode.magicHex, "--record", recording, node.address])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let recorded = Self.commands(try String(contentsOfFile: recording, encoding: .utf8))
        step = try session.wait(timeout: 20) { Self.messageCount($0) >= recorded.count }
        #expect(step.matched, "the log did not reach \(recorded.count) frames:\n\(step.screen)")
        #expect(step.screen.contains("Peers 1 · sniffed on lo"), "\(step.screen)")
        #expect(step.screen.contains("│  1 \(node.address)"), "\(step.screen)")
        for command in ["version", "verack", "ping"] { #expect(step.screen.contains(command), "\(command):\n\(step.screen)") }

        try session.type("connect 127.0.0.1:1")
        step = try session.wait(timeout: 10) { $0.contains("sniffing is read-only") }
        #expect(step.matched, "no read-only refusal:\n\(step.screen)")
        try session.type("record off")
        step = try session.wait(timeout: 10) { $0.contains("recording stopped") }
        #expect(step.matched, "\(step.screen)")
        // The console's recording holds the session's frames in the same order.
        let inConsole = Self.commands(try String(contentsOfFile: consoleRecord, encoding: .utf8))
        for direction in ["sent", "received"] {
            let ours = recorded.filter { $0.hasPrefix(direction) }
            #expect(Array(inConsole.filter { $0.hasPrefix(direction) }.prefix(ours.count)) == ours, "\(direction): \(inConsole)")
        }
        try session.type("quit")
        step = try session.wait(timeout: 10) { $0.contains("verack exited 0") }
        #expect(step.matched, "\(step.screen)")
    }
}
