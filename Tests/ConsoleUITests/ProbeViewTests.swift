import BitcoinWire
import Foundation
import PeerEngine
import Testing
@testable import ConsoleUI

/// The console's `probe` command and probe view, in memory: arguments, what the model asks
/// the host, the table filling in as results come, a case's ladder from its own frames,
/// and the keys (the whole screens print with `VERACK_DUMP=1 swift test --filter ProbeViewTests`).
struct ProbeViewTests {
    static let framing = ProbeCatalog.all.filter { $0.group == .framing }.map(\.name)
    static let battery = (try? ProbeCatalog.select([]).get())?.map(\.name) ?? []

    static func result(_ name: String, _ fill: (inout ProbeObservation) -> Void) -> ProbeResult {
        var o = ProbeObservation()
        o.actionAt = 0.1
        fill(&o)
        return ProbeResult(case: ProbeCatalog.named(name)!, observation: o)
    }

    /// The peer answered the follow-up ping 500 ms after the action.
    static func ignored(_ name: String) -> ProbeResult {
        result(name) { o in
            o.followUpAt = 0.6
            o.followUpAnsweredAt = 0.6
        }
    }

    static func disconnected(_ name: String, after ms: Double = 1) -> ProbeResult {
        result(name) { o in
            o.closedAt = 0.1 + ms / 1000
            o.closeNote = "closed by the peer"
        }
    }

    static func frame(_ name: String, _ message: Message, _ direction: FrameDirection, at time: Double, corruption: Corruption? = nil) -> ProbeFrame {
        let f = Fixtures.frame(message, direction: direction, time: time, corruption: corruption)
        let origin: FrameOrigin = corruption.map { .corrupted($0) } ?? .protocol
        return ProbeFrame(caseName: name, direction: direction, time: time, unit: f.unit, origin: origin)
    }

    /// `probe 1 framing` against the fixture's peer, under way: 4 results, one case with
    /// frames and no result yet, the rest running or queued.
    static func halfDone() -> ConsoleModel {
        var m = Fixtures.handshake(width: 120, height: 30)
        let actions = m.type("probe 1 framing")
        guard case let .probe(target, cases)? = actions.first else { return m }
        m.probeStarted(target: target, cases: cases)
        m.probeResult(ignored("bad-checksum-version"))
        m.probeResult(ignored("bad-checksum-ping"))
        m.probeResult(result("truncated-payload") { _ in })
        m.probeResult(ignored("command-nonprintable"))
        m.probeFrame(frame("bad-magic", .version(Fixtures.version(agent: "/verack:0.1.0/", height: 0)), .sent, at: 0.01))
        m.tick(now: 4)
        return m
    }

    @Test(arguments: [
        ("probe 127.0.0.1:18444 framing", ProbeRequest(target: .address("127.0.0.1:18444"), selectors: ["framing"], cases: ProbeViewTests.framing)),
        ("probe 127.0.0.1 zeros bad-magic", ProbeRequest(target: .address("127.0.0.1:8333"), selectors: ["zeros", "bad-magic"], cases: ["bad-magic", "zeros"])),
        ("probe 1", ProbeRequest(target: .peer(1), selectors: [], cases: ProbeViewTests.battery)),
    ])
    func probeArgumentsParse(line: String, request: ProbeRequest) {
        #expect(CommandParser.parse(line) == .success(.probe(request)))
    }

    @Test func theDefaultBatteryLeavesOutSlowAndV2() {
        #expect(Self.battery.count == 27)
        #expect(!Self.battery.contains("no-verack") && !Self.battery.contains("v2-decoys"))
        #expect(CommandParser.parse("probe") == .success(.probe(nil)))
        #expect(CommandParser.parse("probe stop") == .success(.probeStop))
    }

    @Test(arguments: [
        ("probe 127.0.0.1:99999", "probe: bad port '99999' in '127.0.0.1:99999': use 1-65535"),
        ("probe 127.0.0.1 everything", "probe: no probe case or group 'everything' (groups: framing, handshake, limits, unknown, v2, timing, slow)"),
        ("probe 127.0.0.1 --json", "probe: unknown option '--json': name groups or cases (framing, handshake, limits, unknown, v2, timing, slow)"),
        ("probe --case framing", "probe: unknown option '--case': probe ID|ADDRESS [GROUP|CASE]… | probe stop | probe (reopens the view)"),
        ("probe stop now", "usage: probe stop"),
        ("probe 0", "bad peer id '0': a number from the table's id column"),
        ("probe 9 framing", "probe: no peer 9: peers are 1"),
        ("probe", "no probe yet: probe ID|ADDRESS [GROUP|CASE]… | probe stop | probe (reopens the view)"),
        ("probe stop", "probe stop: no probe is running"),
    ])
    func badProbeArgumentsAreOneLineErrors(line: String, message: String) {
        var m = Fixtures.handshake(width: 120, height: 40)
        #expect(m.type(line).isEmpty)
        #expect(m.status == StatusMessage(text: message, isError: true))
        #expect(!message.contains("\n"))
        #expect(m.detail == nil)
    }

    @Test func anInboundPeerIsNotProbed() {
        var m = Fixtures.handshake(width: 120, height: 40)
        var inbound = Fixtures.peer(2, address: "127.0.0.1:50123")
        inbound.direction = .inbound
        m.handle(.peerAdded(inbound))
        #expect(m.type("probe 2").isEmpty)
        #expect(m.status?.text.hasPrefix("probe: peer 2 connected to us from 127.0.0.1:50123") == true)
    }

    @Test func theTableFillsInAsCasesFinish() {
        let m = Self.halfDone()
        #expect(m.detail == .probe && m.isProbing && m.focus == .table)
        let text = m.render().text
        dump("half done", text)
        let lines = m.render().lines
        #expect(lines[0].contains("· probe 4/10"), "the title bar counts the probe:\n\(text)")
        #expect(lines[1].hasPrefix("┌─ Probe 127.0.0.1:18444 · running · 4/10 · 1.0 s · Enter ladder · probe stop ends it · Esc closes ─"), "\(text)")
        #expect(lines[2] == "│4 as Core · 0 differ · 0 no Core expectation · 0 not run · 6 pending" + String(repeating: " ", count: 50) + "│", "\(text)")
        #expect(lines[3].hasPrefix("│case                 group     sent                reaction"), "\(text)")
        #expect(lines[4].hasPrefix("│bad-checksum-version framing   version, checksum … ignored: stayed; the follow-up version was answered  500 ms as Core│"), "\(text)")
        #expect(lines[6].hasPrefix("│bad-magic            framing   ping, magic invert… running…"), "a case with frames runs:\n\(text)")
        #expect(lines[7].hasPrefix("│oversized-length     framing   ping header claimi… queued (runs last, alone)"), "\(text)")
        #expect(lines[9].hasPrefix("│truncated-payload    framing   ping header, 4 of … silent: stayed and said nothing"), "\(text)")
        #expect(lines[13].hasPrefix("│command-unpadded     framing   ping with a non-NU… running…"), "cases that run in parallel run from the start:\n\(text)")
        // Under the table, the selected case in full.
        #expect(lines[23].hasPrefix("│── bad-checksum-version ───"), "\(text)")
        #expect(lines[25].hasPrefix("│reaction  ignored: stayed; the follow-up version was answered (500 ms)"), "\(text)")
        #expect(lines[26].hasPrefix("│Core      ignored: message dropped, connection kept · as Core"), "\(text)")
        #expect(lines[29] == "probe 127.0.0.1:18444: 4/10 · 4 as Core · 0 differ", "the status bar sums up the run:\n\(text)")
    }

    @Test func verdictsAreColouredAndTheRunEnds() {
        var m = Self.halfDone()
        m.probeResult(Self.disconnected("bad-magic"))
        // A node that ignores 4 KiB of zeros where Core disconnects.
        m.probeResult(Self.ignored("zeros"))
        m.probeFinished(seconds: 3.5)
        #expect(!m.isProbing)
        let screen = m.render()
        let text = screen.text
        dump("finished", text)
        #expect(screen.lines[1].hasPrefix("┌─ Probe 127.0.0.1:18444 · done · 6/10 · 3.5 s · Enter ladder · Esc closes ─"), "\(text)")
        let zeros = screen.lines.firstIndex { $0.hasPrefix("│zeros ") } ?? 0
        #expect(screen.lines[zeros].hasSuffix("differs (expected disconnected)│"), "\(text)")
        let col = screen.lines[zeros].distance(from: screen.lines[zeros].startIndex, to: screen.lines[zeros].range(of: "differs")!.lowerBound)
        #expect(screen[zeros, col].style.role == .warn)
        let magic = screen.lines.firstIndex { $0.hasPrefix("│bad-magic ") } ?? 0
        let asCore = screen.lines[magic].distance(from: screen.lines[magic].startIndex, to: screen.lines[magic].range(of: "as Core")!.lowerBound)
        #expect(screen[magic, asCore].style.role == .good)
        #expect(screen.lines[magic].contains("disconnected: before any f"), "the time is the after column's:\n\(text)")
        #expect(text.contains("not started (probe stop)") == false && text.contains("no result"), "cases never judged say so:\n\(text)")
        #expect(screen.lines[29].hasPrefix("probe 127.0.0.1:18444: 6/10 · 5 as Core · 1 differ · done in 3.5 s"), "\(text)")
        // The footer has the selected case's verdict in full.
        _ = m.press(.down, .down, .down, .down, .down, .down)
        let footer = m.render().lines[26]
        #expect(footer.hasPrefix("│Core      disconnected at once"))
        #expect(footer.contains(" · differs (expected disconnected at once"))
    }

    @Test func enterShowsTheSelectedCasesLadderFromItsOwnFrames() {
        var m = Self.halfDone()
        m.probeFrame(Self.frame("bad-checksum-ping", .version(Fixtures.version(agent: "/verack:0.1.0/", height: 0)), .sent, at: 0.010))
        m.probeFrame(Self.frame("bad-checksum-ping", .version(Fixtures.version()), .received, at: 0.012))
        m.probeFrame(Self.frame("bad-checksum-ping", .ping(nonce: 1), .sent, at: 0.1, corruption: .checksum))
        m.probeFrame(Self.frame("bad-checksum-ping", .ping(nonce: 2), .sent, at: 0.6))
        m.probeFrame(Self.frame("bad-checksum-ping", .pong(nonce: 2), .received, at: 0.6))
        _ = m.press(.down, .enter)
        let screen = m.render()
        let text = screen.text
        dump("ladder", text)
        #expect(screen.lines[1].hasPrefix("┌─ Ladder · probe case bad-checksum-ping (framing) · 127.0.0.1:18444 · Esc back to the table ─"), "\(text)")
        #expect(screen.lines[2].hasPrefix("│sent      ping, checksum inverted"), "\(text)")
        #expect(screen.lines[3].hasPrefix("│reaction  ignored: stayed; the follow-up ping got its pong (500 ms) · as Core"), "\(text)")
        #expect(screen.lines[4].hasPrefix("├───"), "\(text)")
        #expect(screen.lines[5].hasPrefix("│time       us                         127.0.0.1:18444 summary"), "\(text)")
        #expect(screen.lines[6].hasPrefix("│00:00.010  │─────────────── version ───────────────▶│ version 70016 /verack:0.1.0/"), "\(text)")
        #expect(screen.lines[7].hasPrefix("│00:00.012  │◀─────────────── version ───────────────│ version 70016 /Bitcoin SV:1.0.13/"), "\(text)")
        #expect(screen.lines[8].hasPrefix("│00:00.100  │──────────────── ping ─────────────────▶│ ✗ !corrupt:checksum ping nonce="), "\(text)")
        #expect(screen.lines[10].hasPrefix("│00:00.600  │◀──────────────── pong ─────────────────│ pong nonce="), "\(text)")
        // Only this case's frames: bad-magic's version is not here, and not in the log.
        #expect(text.components(separatedBy: "─ version ─").count == 3)
        #expect(m.log.totalLogged == 6 && m.peers.count == 1, "the probe's frames stay out of the log and the table")

        // Esc: back to the table; Esc: the view closes; p reopens it; probe (typed) too.
        _ = m.press(.esc)
        #expect(m.render().lines[1].hasPrefix("┌─ Probe 127.0.0.1:18444"))
        _ = m.press(.esc)
        #expect(m.detail == nil)
        _ = m.press(.char("p"))
        #expect(m.detail == .probe)
        _ = m.press(.esc, .char(":"))
        #expect(m.type("probe 127.0.0.1 zeros").isEmpty, "a probe runs: the view reopens")
        #expect(m.detail == .probe && m.status?.text == "a probe is running: probe stop ends it")
        _ = m.press(.char(":"))
        #expect(m.type("probe stop") == [.probeStop])
        m.probeFinished(seconds: 5)
        #expect(m.render().lines[1].hasPrefix("┌─ Probe 127.0.0.1:18444 · stopped · 4/10"))
        #expect(m.render().text.contains("not started (probe stop)"))
    }

    @Test func anUnreachableTargetEndsTheRunWithOneLine() {
        var m = Fixtures.handshake(width: 120, height: 30)
        m.probeStarted(target: "127.0.0.1:1", cases: ["zeros"])
        m.probeFinished(seconds: 0, failure: "cannot connect to 127.0.0.1:1: connection refused")
        #expect(m.status == StatusMessage(text: "probe: cannot connect to 127.0.0.1:1: connection refused", isError: true))
        #expect(m.render().lines[1].hasPrefix("┌─ Probe 127.0.0.1:1 · failed · 0/1"))
    }

    @Test func helpAndCompletionListProbe() {
        #expect(HelpView.lines.contains { $0.contains("probe ID|ADDRESS [GROUP|CASE]… | stop") })
        #expect(HelpView.lines.contains { $0.hasPrefix("  p ") })
        #expect(Completion.candidates(before: ["probe"], peers: [1]) == ["1", "stop"])
        let groups = Completion.candidates(before: ["probe", "1"], peers: [1])
        #expect(groups.starts(with: ProbeGroup.allCases.map(\.rawValue)) && groups.contains("bad-magic"))
        #expect(!Completion.candidates(before: ["probe", "1", "framing"], peers: [1]).contains("framing"))
    }

    func dump(_ name: String, _ text: String) {
        if ProcessInfoShim.dump { print("— \(name)\n\(text)") }
    }
}

enum ProcessInfoShim {
    static var dump: Bool { getenv("VERACK_DUMP") != nil }
}
