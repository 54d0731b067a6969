import BitcoinWire
import Foundation
import NodeHarness
import Testing
@testable import PeerEngine

/// ``ProbeRunner/onFrame``: each case's own connection's units, as the console's probe
/// view draws a case's ladder from them; and ``ProbeRunner/cancel()``.
@Suite struct ProbeFrameHookTests {
    /// Frames heard from the cases' threads.
    final class Heard: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [ProbeFrame] = []
        func add(_ f: ProbeFrame) {
            lock.lock()
            list.append(f)
            lock.unlock()
        }
        var frames: [ProbeFrame] {
            lock.lock()
            defer { lock.unlock() }
            return list
        }
    }

    static func runner(_ address: String, heard: Heard?) throws -> ProbeRunner {
        var settings = ProbeSettings(network: ProbeTests.network, userAgent: "/verack-test:1/")
        settings.window = 1
        settings.handshakeTimeout = 5
        let target = try Endpoint.parse(address, defaultPort: 0).get()
        guard let heard else { return ProbeRunner(target: target, settings: settings) }
        return ProbeRunner(target: target, settings: settings) { heard.add($0) }
    }

    @Test func eachCaseHearsItsOwnConnectionsUnits() throws {
        let peer = try ScriptedPeer(script: .ignore)
        defer { peer.stop() }
        let heard = Heard()
        let runner = try Self.runner(peer.address, heard: heard)
        let cases = try ["bad-checksum-ping", "bad-magic", "unknown-command"].map { try #require(ProbeCatalog.named($0)) }
        let results = runner.run(cases)
        #expect(results.count == 3)
        let frames = heard.frames
        #expect(Set(frames.map(\.caseName)) == ["bad-checksum-ping", "bad-magic", "unknown-command"])

        // bad-checksum-ping: our handshake, the broken ping (checksum bad, ours on purpose),
        // the follow-up ping and the peer's pong, in time order.
        let ping = frames.filter { $0.caseName == "bad-checksum-ping" }
        #expect(ping.map(\.time) == ping.map(\.time).sorted())
        let sent = ping.filter { $0.direction == .sent }.map(\.unit.label)
        let received = ping.filter { $0.direction == .received }.map(\.unit.label)
        #expect(sent.starts(with: [Command.version.name, Command.verack.name, Command.ping.name, Command.ping.name]), "\(sent)")
        #expect(received.contains(Command.version.name) && received.contains(Command.verack.name) && received.last == Command.pong.name, "\(received)")
        let broken = try #require(ping.first { $0.direction == .sent && $0.unit.label == Command.ping.name })
        #expect(!broken.unit.checksumOK && broken.origin == .injected)
        let followUp = try #require(ping.last { $0.direction == .sent })
        #expect(followUp.unit.checksumOK && followUp.origin == .protocol)

        // bad-magic: bytes with another magic are a unit of command `?` saying so.
        let magic = frames.filter { $0.caseName == "bad-magic" && $0.direction == .sent }.last
        #expect(magic?.unit.command == .unreadable)
        if case let .failure(e)? = magic?.unit.message { #expect("\(e)".contains("magic"), "\(e)") } else { Issue.record("no bad-magic unit") }
        #expect(magic?.unit.raw.count == 32)
    }

    @Test func withoutAHookNothingChanges() throws {
        let peer = try ScriptedPeer(script: .ignore)
        defer { peer.stop() }
        let result = try Self.runner(peer.address, heard: nil).runCase(try #require(ProbeCatalog.named("bad-checksum-ping")))
        #expect(result.reaction == .ignored)
    }

    @Test func cancelStartsNoMoreCases() throws {
        let peer = try ScriptedPeer(script: .ignore)
        defer { peer.stop() }
        let heard = Heard()
        let runner = try Self.runner(peer.address, heard: heard)
        runner.cancel()
        #expect(runner.isCancelled)
        let results = runner.run(try ["bad-magic", "unknown-command"].map { try #require(ProbeCatalog.named($0)) })
        #expect(results.isEmpty && heard.frames.isEmpty)
    }
}
