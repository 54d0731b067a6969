import BitcoinWire
import NodeHarness
import PeerEngine
import Testing
@testable import ConsoleUI

/// Peers that are watched, not ours: the table's title says where they come from, and a
/// Core capture's rebuilt header says it is rebuilt.
@Suite("Watched peers: sniffed, and Core's captures")
struct WatchedSourceTests {
    @Test func theTableTitleMarksTheRows() {
        var m = Fixtures.handshake(width: 120, height: 30)
        #expect(m.render().text.contains("Peers 1 ─"))
        m.watched = .sniffed(interface: "lo")
        #expect(m.render().text.contains("Peers 1 · sniffed on lo ─"))
        m.watched = .coreCapture
        #expect(m.render().text.contains("Peers 1 · Bitcoin Core's capture ─"))
    }

    @Test func anEmptySniffedTableSaysWhatItWaitsFor() {
        var m = ConsoleModel(networkName: "mainnet", width: 100, height: 24)
        m.watched = .sniffed(interface: "eth0")
        #expect(m.render().text.contains("no Bitcoin connection seen on eth0 yet"))
    }

    @Test func aCoreCapturesHeaderIsLabelledRebuilt() throws {
        var m = Fixtures.handshake(width: 140, height: 40)
        m.watched = .coreCapture
        _ = m.press(.tab, .tab, .end, .enter)
        let rows = try #require(m.messageDetail).rows.map(\.name)
        #expect(rows.prefix(2) == ["header (rebuilt)", "(Core's capture keeps no magic or checksum)"])
        #expect(rows.contains("magic"))

        var sniffed = Fixtures.handshake(width: 140, height: 40)
        sniffed.watched = .sniffed(interface: "any")
        _ = sniffed.press(.tab, .tab, .end, .enter)
        #expect(try #require(sniffed.messageDetail).rows.first?.name == "header", "a sniffed frame's header is the one on the wire")
    }
}
