import BitcoinWire
import PeerEngine
import Testing
@testable import ConsoleUI

@Suite struct MessageLogTests {
    func frame(_ i: Int, peer: PeerID = 1) -> FrameEvent {
        Fixtures.frame(i % 2 == 0 ? .ping(nonce: UInt64(i)) : .pong(nonce: UInt64(i)), peer: peer, time: Double(i))
    }

    @Test func ringKeepsTheNewest() {
        var ring = RingBuffer<Int>(capacity: 3)
        for i in 0..<5 { ring.append(i * 10) }
        #expect(ring.count == 3)
        #expect(ring.firstSeq == 2)
        #expect(ring[1] == nil)
        #expect((2..<5).map { ring[$0] } == [20, 30, 40])
        #expect(ring[5] == nil)
    }

    @Test func filterFollowsAppendsAndEvictions() {
        var log = MessageLog(limit: 10)
        for i in 0..<6 { log.append(frame(i, peer: i % 3 == 0 ? 2 : 1)) }
        log.setFilter(.peer(2))
        #expect(log.count == 2)
        #expect((0..<2).map { log.seq(at: $0) } == [0, 3])
        for i in 6..<25 { log.append(frame(i, peer: i % 3 == 0 ? 2 : 1)) }
        // Kept: seqs 15..<25; peer 2 among them: 15, 18, 21, 24.
        #expect(log.count == 4)
        #expect((0..<4).map { log.seq(at: $0) } == [15, 18, 21, 24])
        #expect(log.position(atOrAfter: 16) == 1)
        log.setFilter(.command("ping"))
        #expect((0..<log.count).compactMap { log.frame(at: $0)?.command } == Array(repeating: "ping", count: 5))
        log.setFilter(nil)
        #expect(log.count == 10)
        #expect(log.seq(at: 0) == 15)
        #expect(log.totalLogged == 25)
    }

    @Test func filteredIndexCompacts() {
        var index = FilteredIndex()
        for i in 0..<5000 { index.append(i) }
        index.evict(below: 4000)
        #expect(index.count == 1000)
        #expect(index.seq(at: 0) == 4000)
        #expect(index.position(atOrAfter: 4500) == 500)
    }
}
