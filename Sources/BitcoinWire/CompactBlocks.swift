/// BIP152 limits and the differential index encoding its messages share.
enum CompactBlockIndexes {
    /// Indexes are 16-bit in Bitcoin Core (`uint16_t`); a block of a compact block has at
    /// most 65,535 transactions.
    static let maxIndex = Int(UInt16.max)

    /// Reads a differential index (CompactSize `absolute - previous - 1`) and records the
    /// absolute index. Past 65,535 is an error, as Core's "differential value overflow".
    /// `name` is the field's name in the tree (`index[3]`), made only when tracing; errors
    /// name the field `field`, the same with or without tracing.
    static func read(_ r: inout WireReader, _ field: String, name: @autoclosure () -> String? = nil, previous: Int) throws(WireError) -> Int {
        let start = r.offset
        let diff = try r.readCompactSizeQuiet(field)
        guard diff <= UInt64(maxIndex), previous + 1 + Int(diff) <= maxIndex else {
            throw .invalidValue(field: field, offset: start,
                                reason: "differential index \(diff) after \(previous) overflows 16 bits (Core: differential value overflow)")
        }
        let index = previous + 1 + Int(diff)
        if r.isTracing { r.record(name() ?? field, from: start, .uint(UInt64(index))) }
        return index
    }

    static func write(_ indexes: [Int], _ w: inout WireWriter) {
        var previous = -1
        for index in indexes {
            w.writeCompactSize(UInt64(max(0, index - previous - 1)))
            previous = index
        }
    }
}

/// A transaction a `cmpctblock` sends whole, at its absolute index in the block.
public struct PrefilledTransaction: Hashable, Sendable {
    public let index: Int
    public let transaction: Transaction

    public init(index: Int, transaction: Transaction) {
        self.index = index
        self.transaction = transaction
    }
}

/// BIP152 `cmpctblock`: a header, a nonce for the short ids, the 6-byte short ids of the
/// transactions the receiver is expected to have, and the transactions sent whole
/// (the coinbase at least), with absolute indexes.
public struct CompactBlock: Hashable, Sendable {
    public let header: BlockHeader
    public let nonce: UInt64
    /// The 6-byte short ids, each read as a little-endian number.
    public let shortIDs: [UInt64]
    /// In increasing index order.
    public let prefilled: [PrefilledTransaction]
    /// The block hash.
    public let hash: Hash256

    public init(header: BlockHeader, nonce: UInt64, shortIDs: [UInt64], prefilled: [PrefilledTransaction]) {
        self.init(header: header, nonce: nonce, shortIDs: shortIDs, prefilled: prefilled, hash: header.hash)
    }

    init(header: BlockHeader, nonce: UInt64, shortIDs: [UInt64], prefilled: [PrefilledTransaction], hash: Hash256) {
        self.header = header
        self.nonce = nonce
        self.shortIDs = shortIDs
        self.prefilled = prefilled
        self.hash = hash
    }

    /// The block's transaction count: short ids plus prefilled transactions.
    public var transactionCount: Int { shortIDs.count + prefilled.count }

    /// `cmpctblock 0000…e26f 2,345 short ids 1 prefilled`.
    public var summary: String {
        "cmpctblock \(hash.abbreviated()) \(Amount.grouped(shortIDs.count)) short id\(shortIDs.count == 1 ? "" : "s") \(prefilled.count) prefilled"
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> CompactBlock {
        r.beginGroup("header")
        let (header, hash) = try BlockHeader.decodeFields(&r)
        r.endGroup()
        let nonce = try r.readUInt64("nonce")
        let count = try r.readCount("shortids_length", limit: CompactBlockIndexes.maxIndex, minimumElementSize: 6)
        var shortIDs: [UInt64] = []
        shortIDs.reserveCapacity(count)
        r.beginGroup("shortids")
        for i in 0..<count {
            let start = r.offset
            let bytes = try r.readBytesSharing(6, "shortid")
            var v: UInt64 = 0
            for (k, b) in bytes.enumerated() { v |= UInt64(b) << (8 * UInt64(k)) }
            if r.isTracing { r.record("shortid[\(i)]", from: start, .text(Hex.encode(bytes))) }
            shortIDs.append(v)
        }
        r.endGroup()
        let prefilledStart = r.offset
        let prefilledCount = try r.readCount("prefilled_txn_length", limit: CompactBlockIndexes.maxIndex,
                                             minimumElementSize: 1 + Transaction.minimumSize)
        var prefilled: [PrefilledTransaction] = []
        prefilled.reserveCapacity(prefilledCount)
        var previous = -1
        for i in 0..<prefilledCount {
            r.beginGroup("prefilled_txn[\(i)]")
            let index = try CompactBlockIndexes.read(&r, "index", previous: previous)
            let tx = try r.readTransactionDeferred("tx")
            r.endGroup()
            prefilled.append(PrefilledTransaction(index: index, transaction: tx))
            previous = index
        }
        if count + prefilledCount > CompactBlockIndexes.maxIndex {
            throw .invalidValue(field: "prefilled_txn_length", offset: prefilledStart,
                                reason: "\(count) short ids and \(prefilledCount) prefilled are more than 65,535 transactions (Core: indexes overflowed 16 bits)")
        }
        return CompactBlock(header: header, nonce: nonce, shortIDs: shortIDs, prefilled: prefilled, hash: hash)
    }

    public func encode(_ w: inout WireWriter) {
        header.encode(&w)
        w.write(nonce)
        w.writeCompactSize(UInt64(shortIDs.count))
        for id in shortIDs {
            withUnsafeBytes(of: id.littleEndian) { w.write(bytes: $0.prefix(6)) }
        }
        w.writeCompactSize(UInt64(prefilled.count))
        var previous = -1
        for p in prefilled {
            w.writeCompactSize(UInt64(max(0, p.index - previous - 1)))
            p.transaction.encode(&w)
            previous = p.index
        }
    }
}

/// BIP152 `getblocktxn`: the block hash and the indexes of the transactions wanted.
public struct BlockTransactionsRequest: Hashable, Sendable {
    /// 32 bytes in wire order.
    public let blockHash: Hash256
    /// Absolute indexes, increasing (sent differentially).
    public let indexes: [Int]

    public init(blockHash: Hash256, indexes: [Int]) {
        self.blockHash = blockHash
        self.indexes = indexes
    }

    /// `getblocktxn 0000…e26f 3 indexes`.
    public var summary: String {
        "getblocktxn \(blockHash.abbreviated()) \(Amount.grouped(indexes.count)) index\(indexes.count == 1 ? "" : "es")"
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> BlockTransactionsRequest {
        let hash = try r.readHash256("blockhash")
        let count = try r.readCount("indexes_length", limit: CompactBlockIndexes.maxIndex + 1, minimumElementSize: 1)
        var indexes: [Int] = []
        indexes.reserveCapacity(count)
        var previous = -1
        r.beginGroup("indexes")
        for i in 0..<count {
            let index = try CompactBlockIndexes.read(&r, "index", name: "index[\(i)]", previous: previous)
            indexes.append(index)
            previous = index
        }
        r.endGroup()
        return BlockTransactionsRequest(blockHash: hash, indexes: indexes)
    }

    public func encode(_ w: inout WireWriter) {
        blockHash.withWireBytes { w.write(bytes: $0) }
        w.writeCompactSize(UInt64(indexes.count))
        CompactBlockIndexes.write(indexes, &w)
    }
}

/// BIP152 `blocktxn`: the block hash and the transactions a `getblocktxn` asked for.
public struct BlockTransactions: Hashable, Sendable {
    public let blockHash: Hash256
    public let transactions: [Transaction]

    public init(blockHash: Hash256, transactions: [Transaction]) {
        self.blockHash = blockHash
        self.transactions = transactions
    }

    /// `blocktxn 0000…e26f 3 txs`.
    public var summary: String {
        "blocktxn \(blockHash.abbreviated()) \(Amount.grouped(transactions.count)) tx\(transactions.count == 1 ? "" : "s")"
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> BlockTransactions {
        let hash = try r.readHash256("blockhash")
        let count = try r.readCount("transactions_length", limit: CompactBlockIndexes.maxIndex + 1, minimumElementSize: Transaction.minimumSize)
        var transactions: [Transaction] = []
        transactions.reserveCapacity(count)
        for i in 0..<count { transactions.append(try r.readTransactionDeferred("tx[\(i)]")) }
        return BlockTransactions(blockHash: hash, transactions: transactions)
    }

    public func encode(_ w: inout WireWriter) {
        blockHash.withWireBytes { w.write(bytes: $0) }
        w.writeCompactSize(UInt64(transactions.count))
        for tx in transactions { tx.encode(&w) }
    }
}

extension WireReader {
    /// A 32-byte hash as a ``Hash256``, recorded in display order.
    mutating func readHash256(_ field: String) throws(WireError) -> Hash256 {
        let start = offset
        let bytes = try readBytesSharing(32, field)
        let hash = Hash256(wireBytes: bytes) ?? .zero
        record(field, from: start, .hash(hash.displayHex))
        return hash
    }
}
