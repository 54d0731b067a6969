import Testing
@testable import BitcoinWire

private func decode<T>(_ bytes: [UInt8], _ decoder: (inout WireReader) throws(WireError) -> T) throws(WireError) -> T {
    var r = WireReader(bytes[...], offset: 24)
    let value = try decoder(&r)
    try r.expectEnd()
    return value
}

@Suite("BIP152: cmpctblock, getblocktxn, blocktxn")
struct CompactBlockTests {
    static let genesis: BlockMessage = {
        var r = WireReader(BlockVectors.genesis[...])
        return (try? BlockMessage.decode(&r)) ?? SyntheticBlock.make(transactions: 1)
    }()

    static var sample: CompactBlock {
        let block = SyntheticBlock.make(transactions: 6)
        return CompactBlock(header: block.header, nonce: 0x0123_4567_89ab_cdef, shortIDs: [1, 0xffff_ffff_ffff, 0x0102_0304_0506, 7, 8],
                            prefilled: [PrefilledTransaction(index: 0, transaction: block.transactions[0]),
                                        PrefilledTransaction(index: 5, transaction: block.transactions[5])])
    }

    @Test func cmpctblockRoundTripAndAbsoluteIndexes() throws {
        let sample = Self.sample
        var w = WireWriter()
        sample.encode(&w)
        // Differential: index 5 after index 0 is written as 4.
        let decoded = try decode(w.bytes, CompactBlock.decode)
        #expect(decoded == sample)
        #expect(decoded.prefilled.map(\.index) == [0, 5])
        #expect(decoded.shortIDs[1] == 0xffff_ffff_ffff)
        #expect(decoded.transactionCount == 7)
        #expect(decoded.summary == "cmpctblock \(sample.hash.abbreviated()) 5 short ids 2 prefilled")
        var again = WireWriter()
        decoded.encode(&again)
        #expect(again.bytes == w.bytes)
        let diffOffset = 80 + 8 + 1 + 5 * 6 + 1 + 1 + sample.prefilled[0].transaction.size
        #expect(w.bytes[diffOffset] == 4)

        let (fields, error) = FieldTrace.run(w.bytes[...], offset: 24) { (r: inout WireReader) throws(WireError) in
            _ = try CompactBlock.decode(&r)
        }
        #expect(error == nil)
        #expect(fields.map(\.name) == ["header", "nonce", "shortids_length", "shortids", "prefilled_txn_length", "prefilled_txn[0]", "prefilled_txn[1]"])
        #expect(fields[3].children[1].value == .text("ffffffffffff"))
        #expect(fields[6]["index"]?.value == .uint(5))
        #expect(fields[6]["tx"]?.deferred != nil)
    }

    @Test func cmpctblockTruncatedAtEveryOffsetThrows() {
        var w = WireWriter()
        Self.sample.encode(&w)
        for n in 0..<w.bytes.count {
            let result = Result { () throws(WireError) -> CompactBlock in try decode(Array(w.bytes.prefix(n)), CompactBlock.decode) }
            if case .success = result { Issue.record("prefix of \(n) bytes decoded") }
        }
    }

    @Test func cmpctblockLyingCountAndIndexOverflow() {
        let header = Self.genesis.header
        var w = WireWriter()
        header.encode(&w)
        w.write(UInt64(1))
        w.write(UInt8(0xfe))
        w.write(UInt32(0xffff_ffff))
        let result = Result { () throws(WireError) -> CompactBlock in try decode(w.bytes, CompactBlock.decode) }
        guard case .failure(.countTooLarge(field: "shortids_length", count: 0xffff_ffff, _, _)) = result else {
            Issue.record("\(result)")
            return
        }
        // One prefilled transaction at index 65,536.
        var p = WireWriter()
        header.encode(&p)
        p.write(UInt64(1))
        p.writeCompactSize(0)
        p.writeCompactSize(1)
        p.writeCompactSize(65_536)
        Self.genesis.transactions[0].encode(&p)
        let overflow = Result { () throws(WireError) -> CompactBlock in try decode(p.bytes, CompactBlock.decode) }
        guard case .failure(.invalidValue(field: "index", offset: 24 + 90, _)) = overflow else {
            Issue.record("\(overflow)")
            return
        }
    }

    @Test func getblocktxnDifferentialIndexes() throws {
        let request = BlockTransactionsRequest(blockHash: Self.genesis.hash, indexes: [0, 1, 5, 65_535])
        var w = WireWriter()
        request.encode(&w)
        #expect(Array(w.bytes.suffix(from: 32)) == [4, 0, 0, 3, 0xfd, 0xf9, 0xff])
        let decoded = try decode(w.bytes, BlockTransactionsRequest.decode)
        #expect(decoded == request)
        #expect(decoded.summary == "getblocktxn 0000…e26f 4 indexes")
        let fields = FieldTrace.run(w.bytes[...], offset: 24) { (r: inout WireReader) throws(WireError) in
            _ = try BlockTransactionsRequest.decode(&r)
        }.fields
        #expect(fields[0].value == .hash("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"))
        #expect(fields[2].children.map(\.value) == [.uint(0), .uint(1), .uint(5), .uint(65_535)])
    }

    @Test(arguments: [
        [UInt8](arrayLiteral: 2, 0xfd, 0xff, 0xff, 0),  // 65,535 then one more
        [1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],  // 2^64 - 1
        [2, 0xfe, 0xff, 0xff, 0xfe, 0x7f, 0xfe, 0xff, 0xff, 0xff, 0x7f],
    ])
    func getblocktxnOverflowIsAnError(_ tail: [UInt8]) {
        let bytes = Self.genesis.hash.bytes + tail
        let result = Result { () throws(WireError) -> BlockTransactionsRequest in try decode(bytes, BlockTransactionsRequest.decode) }
        guard case .failure(.invalidValue(field: "index", _, _)) = result else {
            Issue.record("\(result)")
            return
        }
    }

    @Test func getblocktxnLyingCountAndNonCanonicalIndex() {
        let lying = Self.genesis.hash.bytes + [0xfe, 0xff, 0xff, 0xff, 0x0f]
        let r1 = Result { () throws(WireError) -> BlockTransactionsRequest in try decode(lying, BlockTransactionsRequest.decode) }
        guard case .failure(.countTooLarge(field: "indexes_length", _, _, _)) = r1 else {
            Issue.record("\(r1)")
            return
        }
        let nonCanonical = Self.genesis.hash.bytes + [1, 0xfd, 0x05, 0x00]
        #expect(throws: WireError.nonCanonicalCompactSize(offset: 24 + 33, value: 5)) {
            try decode(nonCanonical, BlockTransactionsRequest.decode)
        }
    }

    @Test func blocktxnRoundTrip() throws {
        let block = SyntheticBlock.make(transactions: 3)
        let message = BlockTransactions(blockHash: block.hash, transactions: Array(block.transactions[1...]))
        var w = WireWriter()
        message.encode(&w)
        let decoded = try decode(w.bytes, BlockTransactions.decode)
        #expect(decoded == message)
        #expect(decoded.summary == "blocktxn \(block.hash.abbreviated()) 3 txs")
        for n in stride(from: 0, to: w.bytes.count, by: 7) {
            let result = Result { () throws(WireError) -> BlockTransactions in try decode(Array(w.bytes.prefix(n)), BlockTransactions.decode) }
            if case .success = result { Issue.record("prefix of \(n) bytes decoded") }
        }
    }
}
