import BitcoinWire
import ConsoleUI
import Crypto
import Foundation
import PeerEngine

/// Blocks and transactions: decoding a block (txids and wtxids included) against the one
/// thing it cannot avoid, double SHA-256 over the bytes the txids and wtxids hash.
enum BlockBenchmarks {
    static func run() {
        if Bench.included("block_decode_mb_per_s") || Bench.included("block_hash_limit_mb_per_s") { blockBesideHashLimit() }
        if Bench.included("tx_decode_per_s") { transactionDecode() }
        if Bench.included("block_log_rss_mb") || Bench.included("block_decoded_heap") { blocksInTheLog() }
    }

    /// The heap a decoded block holds, and the console's log fed 100 blocks of 10,000
    /// transactions (3.7 MB each, about 13 MB decoded) within its 256 MiB budget: RSS
    /// measured after glibc hands free memory back (`malloc_trim`).
    static func blocksInTheLog() {
        func rssMB() -> Double {
            if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
                _ = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)(0)
            }
            return Double(Sampler.statusField(pid: getpid(), "VmRSS:")) / 1024
        }
        let transactions = 10_000
        let frameBytes = FrameEncoder.frame(command: .block, payload: SyntheticBlock.payload(transactions: transactions), magic: Network.regtest.magic)
        func decoded() -> FrameEvent {
            var decoder = FrameDecoder(magic: Network.regtest.magic)
            decoder.feed(frameBytes)
            guard let frame = try? decoder.next() else { Bench.fail("block frame did not decode") }
            return FrameEvent(peer: 1, time: 0, frame: frame)
        }
        // Heap per decoded transaction: 8 blocks kept alive, measured together.
        let before = rssMB()
        var kept: [FrameEvent] = []
        for _ in 0..<8 { kept.append(decoded()) }
        let perBlock = (rssMB() - before) * 1_048_576 / 8
        let heapPerTx = (perBlock - Double(frameBytes.count)) / Double(transactions + 1)
        guard case let .success(message)? = kept[0].message else { Bench.fail("block did not decode") }
        Bench.report("block_decoded_heap_bytes_per_tx", heapPerTx, "bytes")
        Bench.report("block_decoded_heap_estimate_bytes_per_tx", Double(message.approximateHeapBytes) / Double(transactions + 1), "bytes")
        kept.removeAll()
        // The log: 100 such blocks; what it holds stays near its budget.
        let start = rssMB()
        var log = MessageLog(limit: 100_000)
        var peak = 0.0
        for i in 0..<100 {
            var f = decoded()
            f.time = Double(i)
            _ = log.append(f)
            if i % 10 == 9 { peak = max(peak, rssMB() - start) }
        }
        Bench.report("block_log_rss_mb", peak, "MB")
        Bench.report("block_log_budget_mb", Double(log.byteBudget) / 1_048_576, "MB")
    }

    /// A ~1.9 MB block of 5,000 segwit 2-in 2-out transactions, decoded (header, every
    /// transaction, txids, wtxids, merkle root, witness commitment), timed in alternation
    /// with double SHA-256 over exactly the bytes txids and wtxids need: each
    /// transaction's serialization without witness (txid) and with it (wtxid). Each figure
    /// is the fastest call.
    static func blockBesideHashLimit() {
        let block = SyntheticBlock.make(transactions: 5_000)
        let payload = block.bytes
        guard case let .success(.block(decoded)) = Result(catching: { () throws(WireError) in try Message.decode(command: .block, payload: payload[...]) }),
              decoded.merkleOK, decoded.powOK, decoded.transactions.count == 5_001 else {
            Bench.fail("synthetic block does not decode with merkle and pow ✓")
        }
        // The bytes hashed for txids (no witness) and, for segwit transactions, wtxids.
        var hashed: [[UInt8]] = []
        for tx in block.transactions {
            let stripped = Transaction(
                version: tx.version,
                inputs: tx.inputs.map { TxInput(previousOutput: $0.previousOutput, scriptSig: $0.scriptSig, sequence: $0.sequence, witness: []) },
                outputs: tx.outputs, lockTime: tx.lockTime)
            hashed.append(stripped.bytes)
            if tx.hasWitness { hashed.append(tx.bytes) }
        }
        let hashedBytes = hashed.reduce(0) { $0 + $1.count }
        var bestDecode = Double.infinity
        var bestHash = Double.infinity
        let end = Bench.now() + 3 * Bench.runSeconds
        var rounds = 0
        while Bench.now() < end || rounds < 10 {
            var start = Bench.now()
            if case let .success(m) = Result(catching: { () throws(WireError) in try Message.decode(command: .block, payload: payload[...]) }) {
                Bench.consume(m.command)
            }
            bestDecode = min(bestDecode, Bench.now() - start)
            start = Bench.now()
            for bytes in hashed { Bench.consume(SHA256.hash(data: Array(SHA256.hash(data: bytes)))) }
            bestHash = min(bestHash, Bench.now() - start)
            rounds += 1
        }
        let decode = Double(payload.count) / bestDecode / 1e6
        // The limit in the same unit: the block's bytes per second, were decoding only
        // the hashing.
        let limit = Double(payload.count) / bestHash / 1e6
        Bench.report("block_decode_mb_per_s", decode, "MB/s")
        Bench.report("block_hash_limit_mb_per_s", limit, "MB/s")
        Bench.report("block_decode_vs_hash_limit_ratio", decode / limit, "ratio")
        Bench.report("block_hashed_bytes_per_block_byte", Double(hashedBytes) / Double(payload.count), "ratio")
    }

    /// A typical segwit transaction: 2 inputs, 2 p2wpkh outputs (372 bytes), txid and wtxid
    /// computed.
    static func transactionDecode() {
        let tx = SyntheticBlock.make(transactions: 1).transactions[1]
        let payload = tx.bytes
        let batch = 1000
        Bench.measure("tx_decode_per_s", unit: "tx/s", unitsPerCall: Double(batch)) {
            for _ in 0..<batch {
                guard case let .success(.tx(t)) = Result(catching: { () throws(WireError) in try Message.decode(command: .tx, payload: payload[...]) }) else {
                    Bench.fail("tx decode failed")
                }
                Bench.consume(t.wtxid)
            }
        }
    }
}
