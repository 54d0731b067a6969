import BitcoinWire
import NodeHarness
import PeerEngine
import Testing
@testable import ConsoleUI

@Suite("Message detail: field tree, selection and highlighted bytes")
struct MessageDetailTests {
    /// A model with a block of `count` transactions as its newest frame, its detail open.
    static func blockDetail(transactions count: Int = 3, width: Int = 140, height: Int = 40) -> ConsoleModel {
        var m = Fixtures.handshake(width: width, height: height)
        m.handle(.frame(Fixtures.frame(.block(SyntheticBlock.make(transactions: count)), direction: .received, time: 1)))
        _ = m.press(.tab, .tab, .end, .enter)
        return m
    }

    @Test func treeFocusSelectsFieldsAndHighlightsTheirBytes() throws {
        var m = Self.blockDetail()
        let state = try #require(m.messageDetail)
        #expect(state.highlighted == nil, "the dump has the focus first")
        _ = m.press(.tab)
        let first = try #require(m.messageDetail)
        #expect(first.treeHasFocus)
        // The first selected row is the header's magic: bytes 0..<4.
        #expect(first.rows[first.selected].name == "magic")
        #expect(first.highlighted == 0..<4)
        // Down to the payload's first field, the block header's version at 24.
        let version = try #require(first.rows.firstIndex { $0.name == "version" && $0.bytes?.lowerBound == 24 })
        _ = m.press(.home)
        for _ in 0..<version { _ = m.press(.down) }
        #expect(m.messageDetail?.highlighted == 24..<28)
        // The highlighted bytes are drawn in reverse video, in the hex and the ASCII column.
        let screen = m.render()
        let reversed = (0..<screen.height).flatMap { r in (0..<screen.width).filter { screen[r, $0].style.reverse }.map { (r, $0) } }
        #expect(reversed.count >= 4 * 3, "the 4 bytes of version: 2 hex digits and 1 ASCII cell each, plus the tree row")
    }

    @Test func aBlocksTransactionsExpandOnEnter() throws {
        var m = Self.blockDetail(transactions: 3)
        _ = m.press(.tab)
        let rows = try #require(m.messageDetail?.rows)
        let tx = try #require(rows.firstIndex { $0.deferred != nil })
        #expect(rows[tx].expanded == false)
        _ = m.press(.home)
        for _ in 0..<tx { _ = m.press(.down) }
        _ = m.press(.enter)
        let expanded = try #require(m.messageDetail)
        #expect(expanded.rows[tx].expanded)
        #expect(expanded.rows.count > rows.count)
        // The expanded transaction's fields point into the frame: its version is 4 bytes at
        // the start of the transaction's bytes.
        let child = expanded.rows[tx + 1]
        #expect(child.depth == rows[tx].depth + 1)
        #expect(child.bytes?.lowerBound == rows[tx].bytes?.lowerBound)
        // Enter again hides them.
        _ = m.press(.enter)
        #expect(m.messageDetail?.rows.count == rows.count)
    }

    @Test func longValuesScrollSideways() throws {
        var m = Self.blockDetail(width: 100, height: 30)
        _ = m.press(.tab)
        let before = m.render().text
        _ = m.press(.right, .right)
        #expect(m.messageDetail?.sideways == 16)
        #expect(m.render().text != before)
        _ = m.press(.left, .left, .left)
        #expect(m.messageDetail?.sideways == 0)
    }

    /// A 4 MB block of 10,000 transactions opens at once: its tree holds one row per
    /// transaction, none decoded until asked.
    @Test func aBigBlockOpensWithDeferredTransactions() throws {
        let m = Self.blockDetail(transactions: 10_000)
        let state = try #require(m.messageDetail)
        #expect(state.rows.filter { $0.deferred != nil }.count == 10_001, "10,000 and the coinbase")
        #expect(state.rows.count < 10_100)
    }
}
