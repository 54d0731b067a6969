import BitcoinWire
import Foundation
import NodeHarness
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Bitcoin Core's `-capturemessages` folders, written by the tests' small writer in Core's
/// layout: `verack decode --core-capture` lists them (status 1 for a file cut short), and
/// `verack open DIR` shows each peer as a row marked as Core's and the rebuilt header as
/// rebuilt.
@Suite(.serialized) struct CoreCaptureEndToEndTests {
    func unavailable(_ reason: String) throws {
        if ConsoleEndToEndTests.inCI {
            Issue.record("end-to-end test cannot run in CI: \(reason)")
            return
        }
        try Test.cancel("skipped: \(reason)")
    }

    static let t0: Int64 = 1_700_000_000_000_000
    static let version = Message.version(VersionMessage(timestamp: 1_700_000_000, receiver: NetworkAddress(), nonce: 7, userAgent: "/Satoshi:27.0.0/", startHeight: 5))

    /// Two peers of a regtest node: one outbound, one inbound.
    static func capture() throws -> CoreCaptureWriter {
        typealias W = CoreCaptureWriter
        let w = try CoreCaptureWriter(network: "regtest")
        try w.write(
            "127.0.0.1:18444",
            sent: W.record(t0, version) + W.record(t0 + 30, .verack) + W.record(t0 + 50, .ping(nonce: 9)),
            received: W.record(t0 + 10, version) + W.record(t0 + 20, .verack) + W.record(t0 + 60, .pong(nonce: 9)))
        try w.write("[::1]:40000", sent: W.record(t0 + 15, version), received: W.record(t0 + 5, version))
        return w
    }

    @Test func decodeListsBothPeersInTimeOrder() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        let w = try Self.capture()
        defer { w.remove() }
        let json = try Shell.run(verack, ["decode", "--core-capture", w.root, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let frames = json.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], o["event"] as? String == "frame" else { return nil }
            return "\(o["id"] ?? "") \(o["direction"] ?? "") \(o["command"] ?? "") \(o["checksum_ok"] ?? "")"
        }
        #expect(frames == [
            "1 sent version 1", "2 received version 1", "1 received version 1", "2 sent version 1",
            "1 received verack 1", "1 sent verack 1", "1 sent ping 1", "1 received pong 1",
        ])
        #expect(json.stdout.contains("header is rebuilt (magic fabfb5da of regtest"), "\(json.stdout)")
        #expect(json.stdout.contains("\"peer\":\"[::1]:40000\""), "\(json.stdout)")

        // One peer's folder alone, in text; then a file cut short: the notice, and status 1.
        let one = try Shell.run(verack, ["decode", "--core-capture", w.root + "/127.0.0.1_18444"])
        #expect(one.status == 0)
        #expect(one.stdout.contains("← pong nonce=9"), "\(one.stdout)")
        let sent = w.root + "/127.0.0.1_18444/msgs_sent.dat"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: sent))
        try bytes.dropLast(5).write(to: URL(fileURLWithPath: sent))
        let cut = try Shell.run(verack, ["decode", "--core-capture", w.root])
        #expect(cut.status == 1)
        #expect(cut.stdout.contains("127.0.0.1_18444/msgs_sent.dat: the last record (ping at offset"), "\(cut.stdout)")

        let none = try Shell.run(verack, ["decode", "--core-capture", NSTemporaryDirectory()])
        #expect(none.status == 1)
        #expect(none.stderr.contains("holds no Bitcoin Core message capture"), "\(none.stderr)")
    }

    @Test(.timeLimit(.minutes(2))) func openShowsCoresRowsAndTheRebuiltHeader() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let w = try Self.capture()
        defer { w.remove() }
        let session = try TmuxSession(tmux: tmux, width: 120, height: 40, directory: RealNode.repositoryRoot.path)
        defer { session.kill() }
        try session.type("'\(verack)' open \(w.root); echo \"verack exited $?\"")
        var step = try session.wait(timeout: 20) { $0.contains("opened \(w.root)") }
        #expect(step.matched, "verack open did not start:\n\(step.screen)")
        #expect(step.screen.contains("Peers 2 · Bitcoin Core's capture"), "\(step.screen)")
        #expect(step.screen.contains("│  1 127.0.0.1:18444"), "\(step.screen)")
        #expect(step.screen.contains("│  2 [::1]:40000"), "\(step.screen)")
        #expect(step.screen.contains("Messages 8"), "\(step.screen)")
        try session.type("/pong")
        step = try session.wait(timeout: 10) { $0.contains("/pong: 1 matching frame") }
        #expect(step.matched, "\(step.screen)")
        try session.press("Enter")
        step = try session.wait(timeout: 10) { $0.contains("header (rebuilt)") && $0.contains("(Core's capture keeps no magic") }
        #expect(step.matched, "no rebuilt header in the detail:\n\(step.screen)")
        try session.press("Escape")
        try session.press(":")
        try session.type("quit")
        step = try session.wait(timeout: 10) { $0.contains("verack exited 0") }
        #expect(step.matched, "\(step.screen)")
    }
}
