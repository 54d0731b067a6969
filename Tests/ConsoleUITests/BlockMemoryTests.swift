import BitcoinWire
import NodeHarness
import PeerEngine
import Testing
@testable import ConsoleUI

/// A decoded block costs more than its bytes (every transaction is a value with arrays of
/// its own): the log charges that too, so its memory budget holds for blocks. What the heap
/// really holds is measured by `scripts/bench wire` (`block_log_rss_mb`,
/// `block_decoded_heap_bytes_per_tx`): a test that read the process's memory would see the
/// other tests running beside it.
@Suite("Decoded blocks and the log's memory budget")
struct BlockMemoryTests {
    static func decodedFrame(transactions: Int) throws -> FrameEvent {
        let payload = SyntheticBlock.payload(transactions: transactions)
        var decoder = FrameDecoder(magic: Network.regtest.magic)
        decoder.feed(FrameEncoder.frame(command: .block, payload: payload, magic: Network.regtest.magic))
        let frame = try #require(try decoder.next())
        return FrameEvent(peer: 1, time: 0, frame: frame)
    }

    @Test func theLogChargesADecodedBlockForItsTransactions() throws {
        let small = try Self.decodedFrame(transactions: 100)
        let big = try Self.decodedFrame(transactions: 1_000)
        guard case let .success(message)? = big.message else {
            Issue.record("the block did not decode")
            return
        }
        // About a kilobyte per transaction beyond the bytes, growing with the block.
        #expect(message.approximateHeapBytes >= 1_000 * 500)
        #expect(MessageLog.cost(big) >= big.raw.count + message.approximateHeapBytes)
        #expect(MessageLog.cost(big) > 5 * MessageLog.cost(small))
        // A trimmed frame is charged for its kept bytes only.
        var trimmed = big
        trimmed.trim(keeping: MessageLog.trimmedLength)
        #expect(MessageLog.cost(trimmed) == MessageLog.trimmedLength)
    }

    /// Blocks into a log with an 8 MiB budget: what it keeps, decoded messages included,
    /// stays within the budget, and the newest frame keeps its summary.
    @Test func manyBlocksStayWithinTheBudget() throws {
        let frame = try Self.decodedFrame(transactions: 500)
        var log = MessageLog(limit: 100_000, byteBudget: 8 << 20)
        for i in 0..<40 {
            var f = frame
            f.time = Double(i)
            _ = log.append(f)
            #expect(log.keptBytes <= (8 << 20) + MessageLog.cost(frame))
        }
        #expect(log.keptBytes <= 8 << 20)
        #expect(log[log.seq(at: 39) ?? 0]?.summary.hasPrefix("block") == true)
        #expect(log[log.seq(at: 0) ?? 0]?.trimmed != nil, "the oldest blocks were trimmed")
    }
}
