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

    /// A peer sending big frames cannot exhaust memory: past the byte budget the oldest big
    /// frames keep their first bytes and their summary only.
    @Test func bigFramesAreTrimmedToTheByteBudget() {
        let budget = 8 << 20
        var log = MessageLog(limit: 1000, byteBudget: budget)
        let payload = [UInt8](repeating: 0xab, count: 1 << 20)
        for i in 0..<100 {
            log.append(Fixtures.frame(.unknown(command: "block", payload: payload[...]), peer: 1, time: Double(i)))
            log.append(frame(i))
        }
        #expect(log.keptBytes <= budget)
        #expect(log.keptBytes > budget - (3 << 20), "only as much is trimmed as needed")
        let oldest = log[0]
        #expect(oldest?.raw.count == MessageLog.trimmedLength)
        #expect(oldest?.summary.hasPrefix("block (1048576 bytes, not decoded) [only the first 512 of 1048600 bytes kept]") == true)
        #expect(oldest?.raw.prefix(4) == log[198]?.raw.prefix(4), "the header survives")
        #expect(log[198]?.raw.count == 1_048_600, "the newest frame is whole")
        #expect(log[1]?.command == "ping", "small frames are untouched")
        #expect(log[1]?.trimmed == nil)
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
