import BitcoinWire
import NodeHarness
import PeerEngine
import Testing
@testable import ConsoleUI

/// The console's side of the relay: the log shows each relayed message once, intercept's
/// held messages count and are released, pairs sit together in the table.
@Suite struct RelayConsoleTests {
    static let kinds: String = Corruption.resendKinds.map(\.rawValue).joined(separator: ", ")
    static let badHeld: String = "h and a number, as the log shows it (h1, h2, …)"
    static let malformed: [(String, String)] = [
        ("relay", CommandParser.relayUsage),
        ("relay 18555", CommandParser.relayUsage),
        ("relay 1 2 3", CommandParser.relayUsage),
        ("relay stop now", "usage: relay stop"),
        ("relay 18555 127.0.0.1 --in v3", "relay: --in is v1, v2 or auto, not 'v3'"),
        ("relay 18555 127.0.0.1 --out", "relay: --out needs v1, v2 or auto"),
        ("relay 18555 127.0.0.1 --in v1 --in v2", "relay: --in given twice"),
        ("relay 18555 127.0.0.1 --fast", "relay: unknown option '--fast': use --in or --out"),
        ("intercept", CommandParser.interceptUsage),
        ("intercept off now", "intercept: 'off' stands alone"),
        ("intercept ping C>D", "intercept: the direction is A>B or B>A, not 'C>D'"),
        ("intercept ping dir", "intercept: dir needs A>B or B>A"),
        ("intercept ping A>B extra", CommandParser.interceptUsage),
        ("intercept ping,,pong", "intercept: empty command in 'ping,,pong'"),
        ("intercept waytoolongcommand", "intercept: 'waytoolongcommand' is not a command name (ASCII, at most 12 characters)"),
        ("forward", CommandParser.forwardUsage),
        ("forward h1 h2", CommandParser.forwardUsage),
        ("forward hx", "forward: bad held id 'hx': " + badHeld),
        ("forward h1 --corrupt", "forward: --corrupt needs a kind: " + kinds),
        ("forward h1 --corrupt bits", "forward: unknown corruption 'bits': use " + kinds),
        ("drop h", "drop: bad held id 'h': " + badHeld),
        ("drop h0", "drop: bad held id 'h0': " + badHeld),
        ("inject", CommandParser.injectUsage),
        ("inject 1 A>B", CommandParser.injectUsage),
        ("inject x A>B ping", "inject: bad pair 'x': the pair's number (1 for the first pair)"),
        ("inject 1 A<B ping", "inject: the direction is A>B or B>A, not 'A<B'"),
        ("inject 1 A>B ping --corrupt", "inject: --corrupt needs a kind: " + kinds),
    ]

    @Test func relayedMessageMakesOneRowWithItsForwardedCopyAttached() {
        let m = RelayFixtures.heldPing()
        // version A>B, version B>A and the held ping: three rows for five frames.
        #expect(m.log.count == 3)
        let first = m.log.seq(at: 0) ?? -1
        #expect(m.log[first]?.relay?.leg == .a)
        #expect(m.log.forwarded(first)?.relay?.leg == .b)
        #expect(m.log.forwarded(first)?.direction == .sent)
        let ping = m.log.seq(at: 2) ?? -1
        #expect(m.log.forwarded(ping) == nil)
        #expect(m.log.outcome(ping) == .held(1))
    }

    @Test func heldMessagesCountUntilReleased() {
        var m = RelayFixtures.heldPing()
        #expect(m.relay.held == [1])
        #expect(m.relay.summary == "relay · intercept ping · held 1")
        m.handle(PeerEvent(time: 2, .relay(.released(held: 1, pair: 1, sequence: 3, forwarded: true, note: "forwarded"))))
        m.handle(.frame(RelayFixtures.v1(.ping(nonce: 0xabc), leg: .b, from: .a, sequence: 3, time: 2.001)))
        #expect(m.relay.held.isEmpty)
        #expect(m.relay.summary == "relay · intercept ping")
        let ping = m.log.seq(at: 2) ?? -1
        #expect(m.log.outcome(ping) == .forwarded(held: 1, note: "forwarded"))
        #expect(m.log.forwarded(ping) != nil)
        #expect(m.log.count == 3)
    }

    @Test func droppedMessageSaysSo() {
        var m = RelayFixtures.heldPing()
        m.handle(PeerEvent(time: 2, .relay(.released(held: 1, pair: 1, sequence: 3, forwarded: false, note: "dropped"))))
        let ping = m.log.seq(at: 2) ?? -1
        #expect(m.log.outcome(ping)?.tag == "dropped h1")
        #expect(m.relay.held.isEmpty)
        #expect(m.status?.text == "h1 dropped")
    }

    @Test func injectedMessageAndHandshakeStepsHaveRowsOfTheirOwn() {
        var m = RelayFixtures.heldPing()
        var injected = RelayFixtures.v1(.ping(nonce: 9), leg: .b, from: .a, sequence: 4, time: 2)
        injected.origin = .injected
        m.handle(.frame(injected))
        let step = FrameEvent(
            peer: 3, direction: .received, time: 2.1,
            unit: .step(.key, raw: Array(repeating: 1, count: 64), layout: .whole(.key, count: 64), note: "their key"),
            relay: RelayMark(pair: 1, leg: .a, from: .a, sequence: 0))
        m.handle(.frame(step))
        m.handle(.frame(FrameEvent(
            peer: 4, direction: .sent, time: 2.2,
            unit: .step(.key, raw: Array(repeating: 2, count: 64), layout: .whole(.key, count: 64), note: "our key"),
            relay: RelayMark(pair: 1, leg: .b, from: .b, sequence: 0))))
        #expect(m.log.count == 6)
    }

    @Test func forwardedCopyWithoutItsRowMakesARow() {
        var m = ConsoleModel(networkName: "regtest")
        m.handle(.frame(RelayFixtures.v1(.verack, leg: .b, from: .a, sequence: 7, time: 1)))
        #expect(m.log.count == 1)
        #expect(m.relay.active)
    }

    /// The budget counts attached copies, trims them with their rows, and gives their bytes
    /// back when the ring drops the row.
    @Test func budgetAccountsForAttachedCopies() {
        var log = MessageLog(limit: 6, byteBudget: 3000)
        let big = Message.unknown(command: "blob", payload: Array(repeating: UInt8(0x42), count: 1500)[...])
        for i in 1...20 {
            let from: RelaySide = i % 2 == 0 ? .a : .b
            _ = log.record(RelayFixtures.v1(big, leg: from, from: from, sequence: i, time: Double(i)))
            let attached = log.record(RelayFixtures.v1(big, leg: from.other, from: from, sequence: i, time: Double(i) + 0.5))
            #expect(!attached.isNewRow)
            #expect(log.keptBytes == log.recountedBytes)
        }
        #expect(log.count == 6)
        #expect(log.keptBytes <= 3000 + 2 * 6 * MessageLog.trimmedLength)
        // The newest row's copy is whole or trimmed along with its row.
        let newest = log.seq(at: 5) ?? -1
        #expect(log.forwarded(newest)?.raw.count == log[newest]?.raw.count)
        // A row the ring dropped takes its copy and its place in the pair with it.
        #expect(log.relayRow(pair: 1, sequence: 1) == nil)
        #expect(log.relayRow(pair: 1, sequence: 20) == newest)
    }

    @Test func pairLegsSitTogetherInTheTable() {
        var table = PeerTable()
        var b = RelayFixtures.leg(.b)
        b.id = 9
        b.relay?.partner = 2
        var a = RelayFixtures.leg(.a)
        a.id = 2
        a.relay?.partner = 9
        table.update(Fixtures.peer(1))
        table.update(a)
        table.update(Fixtures.peer(5))
        table.update(b)
        #expect(table.ids == [1, 2, 9, 5])
        #expect(PeerTable.idText(a) == "2⇄9")
        #expect(PeerTable.idText(b) == "9⇄2")
        #expect(PeerTable.directionText(a) == "⇄A1")
        #expect(PeerTable.directionText(Fixtures.peer(1)) == "out")
    }

    @Test func ladderOfALegShowsBothLegsFrames() {
        var m = RelayFixtures.heldPing()
        _ = m.press(.tab)
        #expect(m.focus == .table)
        _ = m.press(.enter)
        #expect(m.detail == .ladder(peer: 3))
        #expect(m.ladderIndex.count == 3)
        // A forwarded copy attaches to its row: no new ladder row.
        m.handle(PeerEvent(time: 2, .relay(.released(held: 1, pair: 1, sequence: 3, forwarded: true, note: "forwarded"))))
        m.handle(.frame(RelayFixtures.v1(.ping(nonce: 0xabc), leg: .b, from: .a, sequence: 3, time: 2.001)))
        m.handle(.frame(RelayFixtures.v1(.pong(nonce: 0xabc), leg: .b, from: .b, sequence: 4, time: 2.002)))
        #expect(m.ladderIndex.count == 4)
    }

    // MARK: Commands

    @Test func relayCommandsBecomeEngineCommands() {
        var m = RelayFixtures.heldPing()
        #expect(m.type("forward h1") == [.engine(.forward(1, nil))])
        #expect(m.type("forward h1 --corrupt checksum") == [.engine(.forward(1, .checksum))])
        #expect(m.type("forward all") == [.engine(.forward(nil, nil))])
        #expect(m.type("drop h1") == [.engine(.dropHeld(1))])
        #expect(m.type("intercept ping,inv dir A>B") == [.engine(.intercept(InterceptRule(commands: [Command.ping, Command.inv], from: .a)))])
        #expect(m.type("intercept pong B>A") == [.engine(.intercept(InterceptRule(commands: [Command.pong], from: .b)))])
        #expect(m.type("intercept off") == [.engine(.intercept(nil))])
        #expect(m.type("inject 1 B>A ping 5") == [.engine(.inject(pair: 1, from: .b, .ping(nonce: 5), nil))])
        #expect(m.type("relay stop") == [.engine(.relayStop)])
        #expect(m.type("relay 18556 127.0.0.1:18444 --in v2 --out=v1")
            == [.engine(.relay(listen: "18556", target: "127.0.0.1:18444", RelayOptions(inbound: .v2, outbound: .v1)))])
    }

    @Test(arguments: [
        ("forward h7", "forward: no held message h7: held are h1"),
        ("drop h7", "drop: no held message h7: held are h1"),
        ("inject 2 A>B ping", "inject: no live pair 2: pairs are 1"),
    ])
    func relayCommandsTheConsoleKnowsAreWrong(line: String, error: String) {
        var m = RelayFixtures.heldPing()
        #expect(m.type(line).isEmpty)
        #expect(m.status == StatusMessage(text: error, isError: true))
        #expect(m.editor.text == line)
    }

    @Test func withNothingHeldOrRelayed() {
        var m = Fixtures.handshake()
        #expect(m.type("forward all").isEmpty)
        #expect(m.status?.text == "forward all: nothing is held")
        _ = m.press(.ctrl("c"))
        #expect(m.type("relay stop").isEmpty)
        #expect(m.status?.text == "relay stop: no relay is running")
        _ = m.press(.ctrl("c"))
        #expect(m.type("inject 1 A>B ping").isEmpty)
        #expect(m.status?.text == "inject: no live pair 1 (start one with relay LISTEN TARGET)")
        _ = m.press(.ctrl("c"))
        // drop N stays the peer's drop.
        #expect(m.type("drop 1") == [.engine(.drop(1))])
    }

    @Test(arguments: RelayConsoleTests.malformed)
    func malformedRelayCommands(line: String, error: String) {
        #expect(CommandParser.parse(line, network: .regtest) == .failure(CommandError(error)))
    }

    @Test func injectUsesTheComposer() {
        let parsed = CommandParser.parse("inject 1 a>b ping 0x10 --corrupt checksum", network: .regtest)
        #expect(parsed == .success(.engine(.inject(pair: 1, from: .a, .ping(nonce: 16), .checksum))))
        if case let .failure(e) = CommandParser.parse("inject 1 A>B frobnicate", network: .regtest) {
            #expect(e.message.hasPrefix("inject: frobnicate: unknown command"))
        } else {
            Issue.record("inject of an unknown short form parsed")
        }
    }

    @Test func completion() {
        func complete(_ line: String) -> Completion.Result {
            Completion.complete(line, peers: [3, 4], held: [1, 2], pairs: [1])
        }
        #expect(complete("inte").line == "intercept ")
        #expect(complete("forw").line == "forward ")
        #expect(complete("inj").line == "inject ")
        #expect(complete("relay s").line == "relay stop ")
        #expect(complete("relay 1 2 --in ").candidates == ["v1", "v2", "auto"])
        #expect(complete("forward ").candidates == ["h1", "h2", "all"])
        #expect(complete("forward h1 --c").line == "forward h1 --corrupt ")
        #expect(complete("drop h").candidates == ["h1", "h2"])
        #expect(complete("inject ").line == "inject 1 ")
        #expect(complete("inject 1 ").candidates == ["A>B", "B>A"])
        #expect(complete("inject 1 A>B pi").line == "inject 1 A>B ping ")
        #expect(complete("intercept ping ").candidates == ["dir", "A>B", "B>A"])
        #expect(complete("intercept ping dir ").candidates == ["A>B", "B>A"])
        #expect(complete("intercept of").line == "intercept off ")
    }

    @Test func helpListsTheRelayCommands() {
        let help = HelpView.lines.joined(separator: "\n")
        for word in ["relay LISTEN TARGET", "intercept COMMAND", "forward hN|all", "drop ID|all|hN", "inject PAIR A>B|B>A"] {
            #expect(help.contains(word))
        }
    }
}

extension RelayConsoleTests {
    /// `save` walks the rows with their attached copies: both legs' frames, in order.
    @Test func keptFramesIncludeAttachedCopies() {
        let m = RelayFixtures.heldPing()
        var seen: [String] = []
        m.log.forEachKept { seen.append("\($0.peer) \($0.direction) \($0.label)") }
        #expect(seen == ["3 received version", "4 sent version", "4 received version", "3 sent version", "3 received ping"])
    }
}

extension RelayConsoleTests {
    /// A relayed message's row belongs to the leg it came in on: filtering on one leg takes
    /// in the other.
    @Test func filterOnALegTakesInItsPartner() {
        var m = RelayFixtures.heldPing()
        _ = m.type("filter peer 4")
        #expect(m.log.filter?.peers == [4, 3])
        #expect(m.log.count == 3)
        #expect(m.status?.text == "filter: peer 4,3")
    }

    /// On 80 columns the status line keeps its room; the relay's part shrinks to the count.
    @Test func narrowStatusBarKeepsTheHeldCount() {
        let line = RelayFixtures.heldPing(width: 80, height: 24).render().lines[23]
        #expect(line == "held h1: ping A>B, pair 1 · forward h1 or drop h1                         held 1")
    }
}

extension RelayConsoleTests {
    /// A big message held while the budget runs out is trimmed; its copy, forwarded later,
    /// is trimmed as it attaches.
    @Test func copyOfATrimmedRowIsTrimmed() {
        var log = MessageLog(limit: 100, byteBudget: 4000)
        let big = Message.unknown(command: "blob", payload: Array(repeating: UInt8(0x42), count: 3000)[...])
        _ = log.record(RelayFixtures.v1(big, leg: .a, from: .a, sequence: 1, held: 1, time: 1))
        for i in 2...4 { _ = log.record(RelayFixtures.v1(big, leg: .b, from: .b, sequence: i, time: Double(i))) }
        let row = log.relayRow(pair: 1, sequence: 1) ?? -1
        #expect(log[row]?.trimmed != nil)
        _ = log.record(RelayFixtures.v1(big, leg: .b, from: .a, sequence: 1, time: 5))
        #expect(log.forwarded(row)?.trimmed != nil)
        #expect(log.keptBytes == log.recountedBytes)
    }
}

/// Relayed frames in any order (copies before their rows, duplicates, unknown pairs, held
/// ids released twice), a small log and a small budget, keys and a render after every
/// step: no crash, and the budget's count stays exact.
@Suite struct RelayChaosTests {
    @Test(arguments: 0..<4) func relayedEventsInAnyOrder(seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        var m = ConsoleModel(networkName: "regtest", logLimit: 40, width: 100, height: 30)
        m.handle(.peerAdded(RelayFixtures.leg(.a, v2: true)))
        m.handle(.peerAdded(RelayFixtures.leg(.b, v2: true)))
        let keys: [Key] = [.tab, .enter, .esc, .up, .down, .home, .end, .pgUp, .char("F")]
        let lines = ["forward h1", "forward all", "drop h2", "inject 1 A>B ping", "intercept ping", "intercept off", "filter peer 4", "filter off"]
        for step in 0..<600 {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...5:
                let leg: RelaySide = Bool.random(using: &rng) ? .a : .b
                let from: RelaySide = Bool.random(using: &rng) ? .a : .b
                let sequence = Int.random(in: 0..<30, using: &rng)
                let held: Int? = Bool.random(using: &rng) ? Int.random(in: 1..<5, using: &rng) : nil
                let size = Int.random(in: 0..<3000, using: &rng)
                var f = Bool.random(using: &rng)
                    ? RelayFixtures.v1(.unknown(command: "blob", payload: Array(repeating: UInt8(7), count: size)[...]), leg: leg, from: from,
                                       sequence: sequence, held: held, time: Double(step))
                    : RelayFixtures.v2Ping(nonce: UInt64(step), leg: leg, from: from, sequence: sequence, held: held, time: Double(step))
                f.relay?.pair = Int.random(in: 1..<3, using: &rng)
                m.handle(.frame(f))
            case 6:
                m.handle(PeerEvent(time: Double(step), .relay(.released(
                    held: Int.random(in: 1..<5, using: &rng), pair: 1, sequence: Int.random(in: 0..<30, using: &rng),
                    forwarded: Bool.random(using: &rng), note: "x"))))
            case 7:
                _ = m.handle(key: keys[Int.random(in: 0..<keys.count, using: &rng)])
            case 8:
                _ = m.press(.ctrl("u"))
                _ = m.type(lines[Int.random(in: 0..<lines.count, using: &rng)])
                if m.focus != .commandLine { _ = m.press(.char(":")) }
            default:
                m.resize(width: Int.random(in: 60..<140, using: &rng), height: Int.random(in: 20..<45, using: &rng))
            }
            _ = m.render()
            #expect(m.log.keptBytes == m.log.recountedBytes)
        }
    }
}
