import Foundation
import NodeHarness
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A session with the real node captured by tshark on loopback (another tool's capture, in
/// pcapng), then read by `verack decode --pcap` and opened by `verack open`: the frames
/// the session itself recorded are there, with the same bytes, in the same order.
@Suite(.serialized) struct OpenPcapEndToEndTests {
    func unavailable(_ reason: String) throws {
        if ConsoleEndToEndTests.inCI {
            Issue.record("end-to-end test cannot run in CI: \(reason)")
            return
        }
        try Test.cancel("skipped: \(reason)")
    }

    /// `direction hex` of each frame event in JSON lines.
    static func frames(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], o["event"] as? String == "frame" else { return nil }
            return "\(o["direction"] ?? "") \(o["hex"] ?? "")"
        }
    }

    /// tshark capturing `port` on lo into `path`, until ``stop()``.
    struct Capture {
        let pid: pid_t
        let errPath: String

        init(tshark: String, port: UInt16, path: String) throws {
            errPath = path + ".err"
            pid = try Shell.spawn(tshark, ["-i", "lo", "-w", path, "-f", "tcp port \(port)"], stdout: "/dev/null", stderr: errPath)
            // tshark says so on stderr once it really captures: poll for it, no blind sleep.
            let deadline = Date().addingTimeInterval(30)
            while true {
                let said = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
                if said.contains("Capturing on") { return }
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { throw SpawnError("tshark exited: \(said)") }
                if Date() > deadline {
                    stop()
                    throw SpawnError("tshark did not start capturing in 30 s: \(said)")
                }
                usleep(50_000)
            }
        }

        /// SIGINT, then wait for tshark to finish writing the file; false if it had to be killed.
        @discardableResult
        func stop() -> Bool {
            kill(pid, SIGINT)
            var status: Int32 = 0
            for _ in 0..<300 {
                if waitpid(pid, &status, WNOHANG) == pid { return true }
                usleep(50_000)
            }
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            return false
        }
    }

    @Test(.timeLimit(.minutes(3))) func aTsharkCaptureOfARealSessionShowsTheRecordedFrames() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tshark = Shell.which("tshark") else { return try unavailable("tshark is not installed (apt-get install tshark)") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        guard getuid() == 0 else { return try unavailable("capturing on lo needs root") }
        let node: RealNode
        do { node = try RealNode.start() } catch { return try unavailable("the test node did not start: \(error)") }
        defer { node.stop() }
        let dir = NSTemporaryDirectory() + "verack-open-pcap-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let capturePath = dir + "/session.pcapng", recording = dir + "/session.jsonl"

        let capture = try Capture(tshark: tshark, port: node.p2pPort, path: capturePath)
        let run = try Shell.run(verack, ["handshake", "--magic", RealNode.magicHex, "--record", recording, node.address])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let recorded = Self.frames(try String(contentsOfFile: recording, encoding: .utf8))
        #expect(recorded.count >= 4)
        // dumpcap writes what it captured in batches, and drops a batch still in the kernel
        // when stopped: wait until the file holds the session's frames (a file still being
        // written reads as cut short, which is fine here).
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let partial = try Shell.run(verack, ["decode", "--pcap", capturePath, "--magic", RealNode.magicHex, "--json"])
            if Self.frames(partial.stdout).count >= recorded.count { break }
            usleep(100_000)
        }
        #expect(capture.stop(), "tshark did not stop on SIGINT: \((try? String(contentsOfFile: capture.errPath, encoding: .utf8)) ?? "")")

        let decoded = try Shell.run(verack, ["decode", "--pcap", capturePath, "--magic", RealNode.magicHex, "--json"])
        #expect(decoded.status == 0, "\(decoded.stderr)\(decoded.stdout)")
        let captured = Self.frames(decoded.stdout)
        // The session stops recording when it closes; the capture also holds what was on the
        // wire after that. In each direction, the recording is the capture's beginning.
        for direction in ["sent", "received"] {
            let ours = recorded.filter { $0.hasPrefix(direction) }
            let wire = captured.filter { $0.hasPrefix(direction) }
            #expect(!ours.isEmpty)
            #expect(Array(wire.prefix(ours.count)) == ours, "\(direction): capture \(wire)\nrecording \(ours)")
        }
        #expect(decoded.stdout.contains("\"event\":\"established\""))

        // Without --magic, the test node's magic is no known network's: one line each way says so.
        let unknown = try Shell.run(verack, ["decode", "--pcap", capturePath])
        #expect(unknown.status == 1)
        #expect(unknown.stdout.contains("no frame of a known network"), "\(unknown.stdout)")

        // The console opens it: one peer row, the frames, the read-only refusal.
        let session = try TmuxSession(tmux: tmux, width: 120, height: 40, directory: RealNode.repositoryRoot.path)
        defer { session.kill() }
        try session.type("'\(verack)' open --magic \(RealNode.magicHex) \(capturePath); echo \"verack exited $?\"")
        var step = try session.wait(timeout: 20) { $0.contains("opened \(capturePath)") }
        #expect(step.matched, "verack open did not start:\n\(step.screen)")
        #expect(step.screen.contains("│  1 \(node.address)"), "\(step.screen)")
        #expect(step.screen.contains("Messages \(captured.count)"), "\(step.screen)")
        try expectReadOnlyAndFilter(session)
        try session.type("quit")
        step = try session.wait(timeout: 10) { $0.contains("verack exited 0") }
        #expect(step.matched, "\(step.screen)")
    }
}
