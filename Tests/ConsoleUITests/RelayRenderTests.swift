import BitcoinWire
import PeerEngine
import Testing
@testable import ConsoleUI

/// The relay's screens, row by row where it matters (the whole screens print with
/// `VERACK_DUMP=1 swift test --filter dumpRelayScreens`).
@Suite struct RelayRenderTests {
    @Test func pairRowsHeldMessageAndStatusBar() {
        let lines = RelayScenarios.heldPing().lines
        #expect(lines[3] == "│3⇄4 127.0.0.1:50123       ⇄A1 v1  established   /Bitcoin SV:1.0.13/  871234  0.4ms  1.2k/150    2s│")
        #expect(lines[4] == "│4⇄3 127.0.0.1:18444       ⇄B1 v1  established   /Bitcoin SV:1.0.13/  871234  0.4ms  1.2k/150    2s│")
        #expect(lines[7].hasPrefix("│00:00.010   3⇄4 A→B version          102 ✓ version 70016 /Satoshi:27.0.0…"))
        #expect(lines[8].hasPrefix("│00:00.020   3⇄4 B→A version          105 ✓ version 70016 /Bitcoin SV:1.0…"))
        #expect(lines[9].hasPrefix("│00:01.500   3⇄4 A→B ping               8 ✓ held h1 ping nonce=abc"))
        #expect(lines[10].hasPrefix("│    "))
        #expect(lines[29].hasSuffix("relay · intercept ping · held 1"))
        #expect(lines[29].hasPrefix("held h1: ping A>B, pair 1 · forward h1 or drop h1"))
    }

    @Test func releasedAndDroppedRows() {
        var m = RelayFixtures.heldPing()
        m.handle(PeerEvent(time: 2, .relay(.released(held: 1, pair: 1, sequence: 3, forwarded: false, note: "dropped"))))
        #expect(m.render().lines[9].hasPrefix("│00:01.500   3⇄4 A→B ping               8 ✓ dropped h1 ping nonce=abc"))
        #expect(m.render().lines[29].hasSuffix("relay · intercept ping"))
    }

    @Test func withoutARelayTheLogKeepsItsColumns() {
        // The peer and arrow columns widen only once a relay is in play.
        #expect(Fixtures.handshake().render().lines[7] == "│00:00.010   1 → version          100 ✓ version 70016 /verac… 80 11 01 00 05 00│")
    }

    @Test func v2DetailShowsBothCiphertextsOnePlaintextAndBothSessions() {
        let lines = RelayScenarios.v2Detail().lines
        #expect(lines[1].contains("Frame #2 · pair 1 A→B · peer 3 → peer 4 · ping · 29 bytes"))
        #expect(lines[2].contains("h1 forwarded"))
        let sessions = lines[4]
        #expect(sessions.contains("A peer 3 v2 session 1a21282f363d444b…"))
        #expect(sessions.contains("B peer 4 v2 session 9facb9c6d3e0edfa…"))
        #expect(sessions.contains("(two sessions)"))
        let text = lines.joined(separator: "\n")
        #expect(text.contains("leg A (peer 3) received, 29 bytes, encrypted"))
        #expect(text.contains("leg B (peer 4) sent 29 bytes, encrypted with its own keys"))
        #expect(lines[6].hasPrefix("│0000  5a 45 64 07"))
        #expect(lines[10].hasPrefix("│0000  c3 dc fd 9e"))
        // One field tree: the plaintext's nonce once.
        #expect(text.components(separatedBy: "nonce = 2748").count == 2)
    }

    @Test func v1DetailSaysTheSameBytes() {
        let text = RelayScenarios.v1Detail().lines.joined(separator: "\n")
        #expect(text.contains("leg A (peer 3) received, 126 bytes"))
        #expect(text.contains("leg B (peer 4) sent the same 126 bytes, byte for byte (v1 → v1)"))
        #expect(text.contains("A peer 3 v1  ⇄  B peer 4 v1"))
    }

    @Test func heldDetailSaysNotSentYet() {
        var m = RelayFixtures.heldPing(width: 120, height: 30)
        _ = m.press(.tab, .tab, .enter)
        #expect(m.render().lines.joined(separator: "\n").contains("held h1: not sent to B yet (forward h1 or drop h1)"))
    }

    @Test func ladderHasThreeColumns() {
        let lines = RelayScenarios.ladder().lines
        #expect(lines[1].hasPrefix("┌─ Ladder · pair 1 · A peer 3 ⇄ B peer 4 · A 127.0.0.1:50123 established · B 127.0.0.1:18444 established"))
        #expect(lines[3] == "│time       A 3                         verack                          B 4 summary                                    │")
        #expect(lines[4].hasPrefix("│00:00.010  │────────── version ──────────▶│─────────────────────────────▶│ version 70016"))
        #expect(lines[5].hasPrefix("│00:00.020  │◀─────────────────────────────│◀────────── version ──────────│ version 70016"))
        #expect(lines[6].hasPrefix("│00:01.500  │─────────── ping ────────────▶│ held h1                      │ held h1 ping nonce=abc"))
        #expect(lines[7].hasPrefix("│00:02.500  │◀─────────────────────────────│◀─────────── pong ────────────│ pong nonce=abc"))
    }

    @Test func v2LadderShowsBothSessions() {
        var m = RelayFixtures.heldPing(v2: true, width: 120, height: 30)
        _ = m.press(.tab, .down, .enter)
        #expect(m.detail == .ladder(peer: 4))
        let line = m.render().lines[2]
        #expect(line.contains("A peer 3 v2 session 1a21282f363d444b…  ⇄  B peer 4 v2 session 9facb9c6d3e0edfa…  (two sessions)"))
    }

    @Test func helpShowsTheRelayCommands() {
        var m = Fixtures.handshake(width: 120, height: 40)
        _ = m.press(.f1)
        let text = m.render().lines.joined(separator: "\n")
        #expect(text.contains("intercept COMMAND[,…] [dir A>B|B>A] | off"))
        #expect(text.contains("forward hN|all [--corrupt KIND]"))
    }
}

extension RelayRenderTests {
    /// `forward h1 --corrupt checksum`: the row says the copy sent on was broken, and the
    /// detail dumps the other bytes it carried.
    @Test func corruptedForwardShowsOnTheRowAndInTheDetail() {
        var m = RelayFixtures.heldPing(width: 120, height: 30)
        m.handle(PeerEvent(time: 2, .relay(.released(held: 1, pair: 1, sequence: 3, forwarded: true, note: "forwarded with a corrupted checksum"))))
        var copy = RelayFixtures.v1(.ping(nonce: 0xabc), leg: .b, from: .a, sequence: 3, time: 2.001, corruption: .checksum)
        copy.relay?.held = nil
        m.handle(.frame(copy))
        #expect(m.render().lines[9].contains("h1 forwarded !corrupt:checksum ping nonce=abc"))
        _ = m.press(.tab, .tab, .enter)
        let text = m.render().lines.joined(separator: "\n")
        #expect(text.contains("leg B (peer 4) sent 32 bytes !corrupt:checksum"))
    }

    @Test func relayStoppedClearsTheListeners() {
        var m = RelayFixtures.heldPing()
        #expect(m.relay.listeners == ["127.0.0.1:18555 → 127.0.0.1:18444"])
        m.handle(PeerEvent(time: 5, .relay(.stopped(listen: "127.0.0.1:18555", pairs: 1))))
        #expect(m.relay.listeners.isEmpty)
        #expect(m.status?.text == "relay on 127.0.0.1:18555 stopped; 1 pair dropped")
    }
}
