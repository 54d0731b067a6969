import Foundation
import NodeHarness
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The console's `probe` in tmux against `verack serve`: a bad argument is one line, `probe
/// ADDRESS framing` fills the probe view row by row until every case has its verdict (all
/// as Core: PROTOCOL.md gives Core's for each), the status bar sums the run up, the probe's
/// connections stay out of the peer table and the log, Enter shows a case's ladder from
/// its own connection, Esc goes back and closes, p reopens, and quit is clean.
@Suite(.serialized) struct ProbeConsoleEndToEndTests {
    static let framing = [
        "bad-checksum-version", "bad-checksum-ping", "bad-magic", "oversized-length", "short-length", "truncated-payload",
        "zeros", "random-bytes", "command-nonprintable", "command-unpadded",
    ]

    @Test(.timeLimit(.minutes(2))) func probeViewFillsAndShowsALadder() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let server = try ProbeEndToEndTests.serve(verack)
        defer { ProbeEndToEndTests.stop(server.pid) }
        let target = "127.0.0.1:\(server.port)"
        let session = try TmuxSession(tmux: tmux, width: 120, height: 40, directory: RealNode.repositoryRoot.path)
        defer { session.kill() }
        try session.type("'\(verack)' --network regtest --no-seeds; echo \"verack exited $?\"")
        var step = try session.wait(timeout: 20) { $0.contains(" verack · regtest") }
        #expect(step.matched, "the console did not start:\n\(step.screen)")

        // Bad arguments: one line each, and no view opens.
        try session.type("probe \(target) nonsense")
        step = try session.wait(timeout: 10) { $0.contains("error: probe: no probe case or group 'nonsense' (groups: framing, handshake,") }
        #expect(step.matched, "\(step.screen)")
        try session.press("C-u")
        try session.type("probe 3")
        step = try session.wait(timeout: 10) { $0.contains("error: probe: no peer 3") }
        #expect(step.matched, "\(step.screen)")
        #expect(!step.screen.contains("┌─ Probe"))
        try session.press("C-u")

        try session.type("probe \(target) framing")
        let summary = "probe \(target): 10/10 · 10 as Core · 0 differ · done in "
        step = try session.wait(timeout: 60) { $0.contains("┌─ Probe \(target) · done · 10/10 · ") && $0.contains(summary) }
        #expect(step.matched, "the probe view did not fill with 10 verdicts as Core's:\n\(step.screen)")
        let lines = step.screen.split(separator: "\n").map(String.init)
        for name in Self.framing {
            let row = lines.first { $0.hasPrefix("│\(name) ") } ?? ""
            #expect(row.contains(" framing ") && row.range(of: #" as Core *│$"#, options: .regularExpression) != nil, "\(name): \(row)")
        }
        #expect(lines.first { $0.hasPrefix("│bad-magic ") }?.contains("disconnected: before any") == true, "\(step.screen)")
        #expect(lines.first { $0.hasPrefix("│bad-checksum-ping ") }?.contains("ignored: stayed;") == true, "\(step.screen)")
        // The probe's connections are not peers, and their frames not the log's.
        #expect(lines[0].contains("peers 0 (0 established) · frames 0"), "\(lines[0])")

        // Enter on bad-checksum-ping: its own connection's ladder, the broken ping marked.
        try session.press("Down", "Enter")
        step = try session.wait(timeout: 10) { screen in
            screen.contains("Ladder · probe case bad-checksum-ping (framing) · \(target)") && screen.contains("✗ !injected ping nonce=")
                && screen.contains("◀──────────────── pong ─────────────────│")
        }
        #expect(step.matched, "Enter did not show the case's ladder:\n\(step.screen)")
        #expect(step.screen.contains("│sent      ping, checksum inverted"), "\(step.screen)")
        #expect(step.screen.contains("│reaction  ignored: stayed; the follow-up ping got its pong"), "\(step.screen)")

        // Esc: back to the table; Esc: the view closes; p reopens it.
        try session.press("Escape")
        step = try session.wait(timeout: 10) { $0.contains("┌─ Probe \(target) · done") && !$0.contains("Ladder ·") }
        #expect(step.matched, "Esc did not go back to the table:\n\(step.screen)")
        try session.press("Escape")
        step = try session.wait(timeout: 10) { !$0.contains("┌─ Probe") }
        #expect(step.matched, "Esc did not close the probe view:\n\(step.screen)")
        try session.press("p")
        step = try session.wait(timeout: 10) { $0.contains("┌─ Probe \(target) · done · 10/10") }
        #expect(step.matched, "p did not reopen the probe view:\n\(step.screen)")

        try session.press(":")
        try session.type("probe stop")
        step = try session.wait(timeout: 10) { $0.contains("error: probe stop: no probe is running") }
        #expect(step.matched, "\(step.screen)")
        try session.press("C-u")
        try expectCleanQuit(session)
    }
}
