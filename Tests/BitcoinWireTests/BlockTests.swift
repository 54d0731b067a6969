import Testing
@testable import BitcoinWire

func decodeBlock(_ bytes: [UInt8]) throws(WireError) -> BlockMessage {
    var r = WireReader(bytes[...], offset: 24)
    let block = try BlockMessage.decode(&r)
    try r.expectEnd()
    return block
}

func blockFields(_ bytes: [UInt8]) -> (fields: [Field], error: WireError?) {
    FieldTrace.run(bytes[...], offset: 24) { (r: inout WireReader) throws(WireError) in
        _ = try BlockMessage.decode(&r)
        try r.expectEnd()
    }
}

enum BlockVectors {
    /// The mainnet genesis block (Core's src/kernel/chainparams.cpp `CreateGenesisBlock`):
    /// hash 000000000019d6…e26f, merkle root 4a5e1e4b…a33b, one coinbase paying 50 BTC.
    static let genesis = hex(
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e"
        + "67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
        + "01"
        + "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d"
        + "0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66"
        + "207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe55"
        + "48271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba"
        + "0b8d578a4c702b6bf11d5fac00000000")
}

@Suite("block: header, transactions, merkle, proof of work, witness commitment")
struct BlockTests {
    @Test func genesisBlock() throws {
        let block = try decodeBlock(BlockVectors.genesis)
        #expect(block.hash.displayHex == "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")
        #expect(block.header.hashHex == block.hash.displayHex)
        #expect(block.transactions.count == 1)
        #expect(block.transactions[0].txid.displayHex == "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")
        #expect(block.computedMerkleRoot.displayHex == "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")
        #expect(block.merkleOK)
        #expect(block.powOK)
        #expect(block.witnessCommitment == .absent)
        #expect(block.height == nil)  // version 1: before BIP34
        #expect(block.transactions[0].outputs[0].btc == "50")
        #expect(block.transactions[0].outputs[0].scriptPubKey.type == .p2pk)
        #expect(block.summary == "block 0000…e26f h=? 1 tx merkle ✓ pow ✓")
        #expect(block.bytes == BlockVectors.genesis)
    }

    @Test func genesisTruncatedAtEveryOffsetThrows() {
        let bytes = BlockVectors.genesis
        for n in 0..<bytes.count {
            let result = Result { () throws(WireError) -> BlockMessage in try decodeBlock(Array(bytes.prefix(n))) }
            guard case .failure = result else {
                Issue.record("prefix of \(n) bytes decoded")
                continue
            }
            _ = blockFields(Array(bytes.prefix(n)))
        }
    }

    @Test func brokenMerkleAndProofOfWork() throws {
        var bytes = BlockVectors.genesis
        bytes[36] ^= 1  // the merkle root: now neither matches nor meets the target
        let block = try decodeBlock(bytes)
        #expect(!block.merkleOK)
        #expect(!block.powOK)
        #expect(block.summary.hasSuffix("merkle ✗ pow ✗"))
    }

    @Test func compactBitsTargets() {
        // Genesis bits 0x1d00ffff: 0xffff << 208.
        let target = ProofOfWork.target(bits: 0x1d00_ffff)
        #expect(target == [UInt8](repeating: 0, count: 26) + [0xff, 0xff, 0, 0, 0, 0])
        #expect(ProofOfWork.target(bits: 0x0180_0000) == nil)  // zero word with sign bit: zero target
        #expect(ProofOfWork.invalidBitsReason(0x04923456) == "negative target")
        #expect(ProofOfWork.invalidBitsReason(0xff12_3456) == "target overflows 256 bits")
        #expect(ProofOfWork.invalidBitsReason(0x2300_ffff) == "target overflows 256 bits")
        #expect(ProofOfWork.invalidBitsReason(0) == "zero target")
        #expect(ProofOfWork.target(bits: 0x0312_3456) == [0x56, 0x34, 0x12] + [UInt8](repeating: 0, count: 29))
        #expect(ProofOfWork.target(bits: 0x0112_3456) == [0x12] + [UInt8](repeating: 0, count: 31))
        #expect(ProofOfWork.invalidBitsReason(0x207f_ffff) == nil)
        #expect(!ProofOfWork.check(hash: .zero, bits: 0x0480_0001))
        #expect(ProofOfWork.check(hash: .zero, bits: 0x1d00_ffff))
    }

    @Test func merkleRootOfOddLevels() {
        let a = Hash256.doubleSHA256([1]), b = Hash256.doubleSHA256([2]), c = Hash256.doubleSHA256([3])
        let ab = Hash256.combine(a, b), cc = Hash256.combine(c, c)
        #expect(MerkleRoot.compute([a, b, c]) == Hash256.combine(ab, cc))
        #expect(MerkleRoot.compute([a]) == a)
        #expect(MerkleRoot.compute([]) == .zero)
    }

    @Test func syntheticSegwitBlock() throws {
        let made = SyntheticBlock.make(transactions: 50)
        let bytes = made.bytes
        let block = try decodeBlock(bytes)
        #expect(block == made)
        #expect(block.merkleOK)
        #expect(block.powOK)
        #expect(block.witnessCommitment == .ok)
        #expect(block.height == 850_000)
        #expect(block.transactions.count == 51)
        #expect(block.transactions[1].size == 372)
        #expect(block.summary.hasPrefix("block \(block.hash.abbreviated()) h=850000 51 txs merkle ✓ pow ✓"))
        #expect(block.bytes == bytes)
        // A changed witness keeps the txids (merkle ✓) but breaks the commitment.
        var inputs = made.transactions[3].inputs
        inputs[0].witness[0] = [0x30, 0x01][...]
        var txs = made.transactions
        let old = txs[3]
        txs[3] = Transaction(version: old.version, inputs: inputs, outputs: old.outputs, lockTime: old.lockTime)
        let tampered = BlockMessage(header: made.header, transactions: txs)
        #expect(tampered.merkleOK)
        #expect(tampered.witnessCommitment == .mismatch)
    }

    @Test func blockFieldTreeDefersTransactions() throws {
        let bytes = SyntheticBlock.payload(transactions: 20)
        let (fields, error) = blockFields(bytes)
        #expect(error == nil)
        #expect(fields.map(\.name).prefix(2) == ["header", "txn_count"])
        #expect(fields[0].children.map(\.name) == ["version", "prev_block", "merkle_root", "timestamp", "bits", "nonce", "hash", "pow"])
        #expect(fields[0]["pow"]?.value == .text("✓"))
        let tx1 = try #require(fields.first { $0.name == "tx[1]" })
        #expect(tx1.children.isEmpty)
        let deferred = try #require(tx1.deferred)
        #expect(deferred.bytes.count == 372)
        #expect(deferred.offset == tx1.range.lowerBound)
        let expanded = deferred.expand()
        #expect(expanded.first?.name == "version")
        #expect(expanded.first?.range == tx1.range.lowerBound..<(tx1.range.lowerBound + 4))
        #expect(expanded.first { $0.name == "txid" }?.value == tx1.value)
        #expect(fields.suffix(3).map(\.name) == ["merkle", "witness_commitment", "height"])
        // JSON expands; render shows a marker unless asked.
        #expect(tx1.json.serialized.contains("\"tx_in_count\""))
        #expect(Field.render([tx1]).count == 2)
        #expect(Field.render([tx1], expandDeferred: true).count > 10)
    }

    @Test func lyingTransactionCountIsRefusedBeforeAllocation() {
        let bytes = Array(BlockVectors.genesis.prefix(80)) + [0xfe, 0xff, 0xff, 0xff, 0x00]
        let result = Result { () throws(WireError) -> BlockMessage in try decodeBlock(bytes) }
        guard case .failure(.countTooLarge(field: "txn_count", _, _, offset: 104)) = result else {
            Issue.record("\(result)")
            return
        }
        let small = Array(BlockVectors.genesis.prefix(80)) + [0xfd, 0x00, 0x10] + [UInt8](repeating: 0, count: 100)
        let r2 = Result { () throws(WireError) -> BlockMessage in try decodeBlock(small) }
        guard case .failure(.truncated(field: "txn_count", _, _, _)) = r2 else {
            Issue.record("\(r2)")
            return
        }
    }

    @Test func headersFieldTreeShowsHashAndProofOfWork() throws {
        let header = try decodeBlock(BlockVectors.genesis).header
        let payload = Message.headers([header]).encodePayload()
        let fields = Message.fields(command: "headers", payload: payload[...]).fields
        let first = try #require(fields.first { $0.name == "headers[0]" })
        #expect(first["hash"]?.value == .hash("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"))
        #expect(first["pow"]?.value == .text("✓"))
        #expect(header.powOK)
        #expect(header.hash.displayHex == header.hashHex)
    }
}

@Suite("Hash256")
struct Hash256Tests {
    @Test func displayOrderAndAbbreviation() throws {
        let display = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
        let hash = try #require(Hash256(displayHex: display))
        #expect(hash.displayHex == display)
        #expect(hash.bytes.first == 0x6f)
        #expect(Hash256(wireBytes: hash.bytes) == hash)
        #expect(hash.abbreviated() == "0000…e26f")
        #expect(hash.abbreviated(head: 4, tail: 2) == "0000…6f")
        #expect(Hash256(wireBytes: [1, 2, 3]) == nil)
        #expect(Hash256(displayHex: "zz") == nil)
        // Double SHA-256 of the empty string (well known: 5df6e0e2…, the empty payload's checksum).
        #expect(Hex.encode(Hash256.doubleSHA256([UInt8]()).bytes.prefix(4)) == "5df6e0e2")
    }
}
