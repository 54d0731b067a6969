import Testing
@testable import BitcoinWire

/// Random corruptions of the tx, block and compact block vectors: decoding, the field tree,
/// its deferred expansion and script rendering must throw or succeed, never trap.
@Suite("tx/block corruption")
struct TransactionFuzzTests {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    static func exercise(_ bytes: [UInt8]) {
        _ = Result { () throws(WireError) -> Transaction in try decodeTx(bytes) }.map { tx in
            tx.outputs.map { ($0.scriptPubKey.asm, $0.address(for: .mainnet), $0.scriptPubKey.type) }
        }
        _ = Result { () throws(WireError) -> BlockMessage in try decodeBlock(bytes) }
        let (fields, _) = blockFields(bytes)
        for f in fields { _ = f.json.serialized }
        _ = txFields(bytes)
        _ = FieldTrace.run(bytes[...], offset: 24) { (r: inout WireReader) throws(WireError) in _ = try CompactBlock.decode(&r) }
        _ = FieldTrace.run(bytes[...], offset: 24) { (r: inout WireReader) throws(WireError) in _ = try BlockTransactionsRequest.decode(&r) }
        _ = FieldTrace.run(bytes[...], offset: 24) { (r: inout WireReader) throws(WireError) in _ = try BlockTransactions.decode(&r) }
    }

    @Test func randomCorruptionsNeverTrap() {
        let seeds: [[UInt8]] = [TxVectors.liquidSegwit, TxVectors.legacyOpReturn, TxVectors.testnetSegwitCoinbase,
                                BlockVectors.genesis, SyntheticBlock.payload(transactions: 3)]
        var rng = Rng(state: 42)
        for round in 0..<1500 {
            var bytes = seeds[round % seeds.count]
            switch rng.below(4) {
            case 0:
                for _ in 0...rng.below(4) { bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            case 1:
                let at = rng.below(bytes.count)
                bytes.insert(contentsOf: [0xfd, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff].prefix(1 + rng.below(8)), at: at)
            case 2:
                bytes.removeSubrange(rng.below(bytes.count)..<bytes.count)
            default:
                let at = rng.below(bytes.count)
                bytes[at] = [0x00, 0x01, 0x4c, 0x4d, 0x4e, 0xfd, 0xfe, 0xff][rng.below(8)]
            }
            Self.exercise(bytes)
        }
    }

    @Test func blockFieldTreeHasOneFieldPerTransaction() throws {
        let block = SyntheticBlock.make(transactions: 2_000)
        let (fields, error) = blockFields(block.bytes)
        #expect(error == nil)
        #expect(fields.count == 1 + 1 + 2_001 + 3)
        let txFieldsWithChildren = fields.filter { $0.name.hasPrefix("tx[") && !$0.children.isEmpty }
        #expect(txFieldsWithChildren.isEmpty)
        #expect(fields.filter { $0.deferred != nil }.count == 2_001)
    }
}
