import BitcoinWire
import Crypto

/// Blocks and transactions: decoding a block (txids and wtxids included) against the one
/// thing it cannot avoid, double SHA-256 over the bytes the txids and wtxids hash.
enum BlockBenchmarks {
    static func run() {
        if Bench.included("block_decode_mb_per_s") || Bench.included("block_hash_limit_mb_per_s") { blockBesideHashLimit() }
        if Bench.included("tx_decode_per_s") { transactionDecode() }
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
