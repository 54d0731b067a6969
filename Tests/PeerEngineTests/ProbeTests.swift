import BitcoinWire
import Foundation
import NodeHarness
import Testing
@testable import PeerEngine

/// The probe: its catalog, its classifier on observations, and its classification of a peer
/// whose reactions are scripted (``ScriptedPeer``).
@Suite struct ProbeTests {
    static let network = Network.custom(magic: FakePeer.magic)

    static func runner(_ address: String, window: Double = 1) throws -> ProbeRunner {
        var settings = ProbeSettings(network: network, userAgent: "/verack-test:1/")
        settings.window = window
        settings.handshakeTimeout = 5
        return ProbeRunner(target: try Endpoint.parse(address, defaultPort: 0).get(), settings: settings)
    }

    // MARK: - Catalog

    @Test func catalogNamesAreTheIssues() {
        let names = ProbeCatalog.all.map(\.name)
        #expect(Set(names).count == names.count)
        let issue = """
            bad-checksum-version bad-checksum-ping bad-magic oversized-length short-length truncated-payload zeros \
            random-bytes command-nonprintable command-unpadded before-version second-version second-verack \
            wtxidrelay-after-verack sendaddrv2-after-verack old-protocol self-nonce long-user-agent no-verack addr-1001 \
            inv-50001 getdata-50001 headers-2001 getaddr-twice unknown-command unknown-command-1mb idle ping-rtt \
            v2-bad-tag v2-no-terminator v2-bad-terminator v2-decoys v2-oversized-length
            """.split(separator: " ").map(String.init)
        #expect(Set(issue) == Set(names))
        // Every case but the measuring ones carries Core's expectation.
        for c in ProbeCatalog.all { #expect(c.expected != nil, "\(c.name) has no Core expectation") }
    }

    @Test func selection() throws {
        let all = try ProbeCatalog.select([]).get()
        #expect(!all.contains { $0.group == .slow || $0.group == .v2 })
        let withV2 = try ProbeCatalog.select([], v2: true).get()
        #expect(withV2.filter { $0.group == .v2 }.count == 5)
        #expect(try ProbeCatalog.select(["framing"]).get().allSatisfy { $0.group == .framing })
        #expect(try ProbeCatalog.select(["no-verack", "idle"]).get().map(\.name) == ["idle", "no-verack"])
        #expect(throws: EngineError.self) { try ProbeCatalog.select(["nonsense"]).get() }
    }

    /// The cases' bytes say what their names say.
    @Test func caseBytes() throws {
        let v = VersionMessage(timestamp: 0, receiver: NetworkAddress(), nonce: 7, userAgent: "/t/")
        let context = ProbeContext(magic: FakePeer.magic, ourVersion: v, peerNonce: 99)
        func bytes(_ name: String) throws -> [UInt8] {
            let c = try #require(ProbeCatalog.named(name))
            return c.action(context).reduce(into: []) { all, step in if case let .send(b) = step { all += b } }
        }
        func frame(_ name: String) throws -> Frame {
            var d = FrameDecoder(magic: FakePeer.magic)
            d.feed(try bytes(name))
            return try #require(try d.next())
        }
        #expect(try frame("bad-checksum-version").checksumOK == false)
        #expect(try frame("command-nonprintable").header.command == .unreadable)
        #expect(try frame("command-unpadded").header.command == .unreadable)
        let addr = try frame("addr-1001").payload
        #expect(Array(addr.prefix(3)) == [0xfd, 0xe9, 0x03] && addr.count == 3 + 1001 * 30)
        let sizes = try ["inv-50001", "getdata-50001", "headers-2001", "unknown-command-1mb"].map { try frame($0).payload.count }
        #expect(sizes == [3 + 50_001 * 36, 3 + 50_001 * 36, 3 + 2001 * 81, 1_000_000])
        if case let .success(.version(sent)) = try frame("self-nonce").message { #expect(sent.nonce == 99) } else { Issue.record("self-nonce") }
        if case let .success(.version(sent)) = try frame("old-protocol").message { #expect(sent.version == 31799) } else { Issue.record("old") }
        if case .failure = try frame("long-user-agent").message {} else { Issue.record("a 257-byte user agent decoded") }
        #expect(try bytes("zeros") == [UInt8](repeating: 0, count: 4096))
        #expect(try bytes("random-bytes").count == 4096)
        #expect(try bytes("truncated-payload").count == 24 + 4)
    }

    // MARK: - Classifier

    @Test func classifierOnObservations() throws {
        let ping = try #require(ProbeCatalog.named("bad-checksum-ping"))
        var o = ProbeObservation()
        o.actionAt = 10
        o.followUpAt = 10.5
        o.followUpAnsweredAt = 10.51
        #expect(ProbeResult(case: ping, observation: o).reaction == .ignored)
        #expect(ProbeResult(case: ping, observation: o).verdict == "as Core")
        o.received = [.init(time: 10.1, command: .pong)]
        #expect(ProbeResult(case: ping, observation: o).reaction == .answered)
        o.received = [.init(time: 10.1, command: .inv)]
        #expect(ProbeResult(case: ping, observation: o).reaction == .ignored)
        o.followUpAnsweredAt = nil
        #expect(ProbeResult(case: ping, observation: o).reaction == .silent)
        o.closedAt = 10.25
        let closed = ProbeResult(case: ping, observation: o)
        #expect(closed.reaction == .disconnected && closed.afterMs == 250)
        #expect(closed.verdict == "differs from Core (expected ignored: message dropped, connection kept)")
        o.refusedLater = true
        #expect(ProbeResult(case: ping, observation: o).reaction == .refusedLater)
        // The peer's version after a version follow-up is its reply, not an answer.
        let before = try #require(ProbeCatalog.named("before-version"))
        var b = ProbeObservation()
        b.actionAt = 1
        b.followUpAt = 1.5
        b.received = [.init(time: 1.51, command: .version), .init(time: 1.51, command: .verack)]
        b.followUpAnsweredAt = 1.51
        #expect(ProbeResult(case: before, observation: b).reaction == .ignored)
        b.received.insert(.init(time: 1.2, command: .version), at: 0)
        #expect(ProbeResult(case: before, observation: b).reaction == .answered)
    }

    // MARK: - Against a scripted peer

    /// Cases whose input leaves the stream readable: every script applies.
    static let readableCases = [
        "bad-checksum-version", "bad-checksum-ping", "command-nonprintable", "command-unpadded", "before-version",
        "second-version", "second-verack", "wtxidrelay-after-verack", "sendaddrv2-after-verack", "old-protocol",
        "self-nonce", "long-user-agent", "addr-1001", "inv-50001", "getdata-50001", "headers-2001", "unknown-command",
        "unknown-command-1mb",
    ]
    /// Cases that break the stream: a peer can only hang up.
    static let breakingCases = ["bad-magic", "oversized-length", "short-length", "zeros", "random-bytes"]

    static let scripts: [ScriptedPeer.Script] = [.ignore, .answer, .silent, .disconnect(ms: 300)]

    static func expected(_ script: ScriptedPeer.Script, _ c: ProbeCase) -> ProbeReaction {
        switch script {
        case .ignore: return .ignored
        case .answer: return .answered
        case .silent: return .silent
        case .disconnect: return .disconnected
        case .ban: return c.mayDiscourage ? .refusedLater : .disconnected
        }
    }

    static func check(_ name: String, _ script: ScriptedPeer.Script) throws {
        let c = try #require(ProbeCatalog.named(name))
        let peer = try ScriptedPeer(script: script)
        defer { peer.stop() }
        let result = try runner(peer.address).runCase(c)
        #expect(result.reaction == expected(script, c), "\(name) with script '\(script)': \(result.reaction.rawValue), \(result.detail)")
        if case let .disconnect(ms) = script, let after = result.afterMs {
            // Loose above: the machine may be busy (the tests run in parallel).
            #expect(after >= Double(ms) - 20 && after <= Double(ms) + 1500, "\(name): closed \(after) ms after, scripted \(ms)")
        }
        if script == .answer { #expect(result.detail.contains("reject")) }
    }

    @Test(arguments: readableCases, scripts)
    func classifiesScriptedReaction(name: String, script: ScriptedPeer.Script) throws {
        try Self.check(name, script)
    }

    @Test(arguments: breakingCases, [ScriptedPeer.Script.disconnect(ms: 300), .ban])
    func classifiesHangUpOnBrokenStream(name: String, script: ScriptedPeer.Script) throws {
        try Self.check(name, script)
    }

    @Test(arguments: ["addr-1001", "headers-2001", "second-version"])
    func classifiesBan(name: String) throws {
        try Self.check(name, .ban)
    }

    /// A peer that never sends anything after a truncated frame is silent; the probe sends
    /// nothing either, not even a pong, so as not to complete the frame.
    @Test func truncatedPayloadIsSilent() throws {
        let peer = try ScriptedPeer(script: .ignore)
        defer { peer.stop() }
        let result = try Self.runner(peer.address).runCase(try #require(ProbeCatalog.named("truncated-payload")))
        #expect(result.reaction == .silent)
    }

    @Test func measuringCases() throws {
        let peer = try ScriptedPeer(script: .ignore)
        defer { peer.stop() }
        let runner = try Self.runner(peer.address)
        let rtt = runner.runCase(try #require(ProbeCatalog.named("ping-rtt")))
        #expect(rtt.reaction == .answered)
        #expect(rtt.detail.contains("20/20 pongs"))
        // The scripted peer never pings: idle finds it silent.
        let idle = runner.runCase(try #require(ProbeCatalog.named("idle")))
        #expect(idle.reaction == .silent)
    }

    @Test func unreachable() throws {
        let runner = try Self.runner(try FakePeer.closedAddress())
        #expect(throws: EngineError.self) { try runner.checkReachable().get() }
    }
}
