import Foundation
import NodeHarness
import Testing

/// A session with the real node, recorded, then opened again in the console offline.
@Suite(.serialized) struct OpenEndToEndTests {

    /// The `(direction, hex)` of every frame line of a recording, in order.
    static func frames(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], o["event"] as? String == "frame" else { return nil }
            return "\(o["direction"] ?? "") \(o["hex"] ?? "")"
        }
    }

    @Test(.timeLimit(.minutes(3))) func aRecordedSessionOpensAgainWithTheSameFrames() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let node: RealNode
        do { node = try RealNode.start() } catch { return try unavailable("the test node did not start: \(error)") }
        defer { node.stop() }
        let dir = NSTemporaryDirectory() + "verack-open-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let recording = dir + "/session.jsonl", saved = dir + "/saved.jsonl"

        // A handshake with the node, recorded.
        let run = try Shell.run(verack, ["handshake", "--magic", RealNode.magicHex, "--record", recording, node.address])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let recorded = try Self.frames(recording)
        #expect(recorded.count >= 4)

        let session = try TmuxSession(tmux: tmux, width: 120, height: 40, directory: RealNode.repositoryRoot.path)
        defer { session.kill() }
        try session.type("'\(verack)' open \(recording); echo \"verack exited $?\"")
        var step = try session.wait(timeout: 20) { $0.contains("opened \(recording)") }
        #expect(step.matched, "verack open did not start:\n\(step.screen)")
        #expect(step.screen.contains("│  1 \(node.address)") && step.screen.contains("established"), "\(step.screen)")
        #expect(step.screen.contains("Messages \(recorded.count)"), "\(step.screen)")

        // Read-only, a filter, then search and a frame's detail.
        try expectReadOnlyAndFilter(session)
        try session.type("filter off")
        try session.type("/verack")
        // Both veracks, and our version (its user agent is /verack:…/).
        step = try session.wait(timeout: 10) { $0.contains("/verack: 3 matching frames") }
        #expect(step.matched, "\(step.screen)")
        try session.press("Enter")
        step = try session.wait(timeout: 10) { $0.contains("Frame #") && $0.contains("verack") && $0.contains("magic") }
        #expect(step.matched, "no frame detail:\n\(step.screen)")
        try session.press("Escape")

        // Saved again from the console: the same frames, in the same order, with the same bytes.
        try session.press(":")
        try session.type("save \(saved)")
        step = try session.wait(timeout: 10) { $0.contains("saved \(recorded.count) frames to") }
        #expect(step.matched, "\(step.screen)")
        #expect(try Self.frames(saved) == recorded)

        try session.type("quit")
        step = try session.wait(timeout: 10) { $0.contains("verack exited 0") }
        #expect(step.matched, "\(step.screen)")
    }

    @Test func openRefusesWhatItCannotRead() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        let path = NSTemporaryDirectory() + "verack-open-bad-\(getpid())"
        defer { unlink(path) }
        for (content, message) in [
            (Array("hello\n".utf8), "\(path) is not a verack recording (its first line is not a recording header)"),
            // A pcap whose header is cut short: libpcap's words, in one line.
            ([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0], "cannot read \(path): truncated dump file"),
        ] as [([UInt8], String)] {
            try Data(content).write(to: URL(fileURLWithPath: path))
            let r = try Shell.run(verack, ["open", path])
            #expect(r.status == 1)
            #expect(r.stderr.hasPrefix("verack open: \(message)"), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        let missing = try Shell.run(verack, ["open", "/nonexistent/x.jsonl"])
        #expect(missing.status == 1 && missing.stderr.hasPrefix("verack open: cannot read /nonexistent/x.jsonl"))
    }
}
