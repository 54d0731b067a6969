/// Synthetic but valid-looking blocks, for benchmarks (`block_decode_mb_per_s`) and tests:
/// deterministic, with a correct merkle root, witness commitment, BIP34 height and a
/// regtest-difficulty proof of work.
public enum SyntheticBlock {
    /// A block of a coinbase and `transactions` segwit transactions, each spending two
    /// p2wpkh outputs to two p2wpkh outputs (372 bytes each: 5,000 make about 1.9 MB).
    public static func make(transactions: Int = 5_000, height: Int = 850_000, seed: UInt64 = 1) -> BlockMessage {
        var rng = seed
        func next() -> UInt64 {
            // SplitMix64.
            rng &+= 0x9e37_79b9_7f4a_7c15
            var z = rng
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
        func p2wpkh() -> Script { Script([0x00, 0x14] + bytes(20)) }

        var txs: [Transaction] = []
        txs.reserveCapacity(transactions + 1)
        for _ in 0..<transactions {
            let inputs = (0..<2).map { i in
                TxInput(previousOutput: OutPoint(hash: Hash256(wireBytes: bytes(32)) ?? .zero, index: UInt32(i)),
                        scriptSig: Script([]), sequence: 0xffff_fffd,
                        witness: [([0x30] + bytes(70) + [0x01])[...], ([0x02] + bytes(32))[...]])
            }
            let outputs = (0..<2).map { _ in TxOutput(value: Int64(next() % 100_000_000), scriptPubKey: p2wpkh()) }
            txs.append(Transaction(version: 2, inputs: inputs, outputs: outputs, lockTime: 0))
        }

        // The coinbase commits to the wtxids, its own counted as zero.
        let reserved = [UInt8](repeating: 0, count: 32)
        let witnessRoot = MerkleRoot.compute([.zero] + txs.map(\.wtxid))
        let commitment = Hash256.combine(witnessRoot, .zero)
        var heightBytes: [UInt8] = []
        var h = height
        repeat {
            heightBytes.append(UInt8(h & 0xff))
            h >>= 8
        } while h > 0
        if let last = heightBytes.last, last & 0x80 != 0 { heightBytes.append(0) }
        let coinbase = Transaction(
            version: 2,
            inputs: [TxInput(previousOutput: OutPoint(hash: .zero, index: .max),
                             scriptSig: Script([UInt8(heightBytes.count)] + heightBytes + Array("/verack synthetic/".utf8)),
                             witness: [reserved[...]])],
            outputs: [TxOutput(value: 312_500_000, scriptPubKey: p2wpkh()),
                      TxOutput(value: 0, scriptPubKey: Script([0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed] + commitment.bytes))],
            lockTime: 0)
        txs.insert(coinbase, at: 0)

        var header = BlockHeader(version: 0x2000_0000, previousBlock: bytes(32), merkleRoot: MerkleRoot.compute(txs.map(\.txid)).bytes,
                                 timestamp: 1_718_000_000, bits: 0x207f_ffff, nonce: 0)
        while !header.powOK { header.nonce &+= 1 }
        return BlockMessage(header: header, transactions: txs)
    }

    /// The `block` payload of ``make(transactions:height:seed:)``.
    public static func payload(transactions: Int = 5_000, height: Int = 850_000, seed: UInt64 = 1) -> [UInt8] {
        make(transactions: transactions, height: height, seed: seed).bytes
    }
}
