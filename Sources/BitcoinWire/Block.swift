/// Whether a block's coinbase commits to its witnesses (BIP141).
public enum WitnessCommitment: Hashable, Sendable, CustomStringConvertible {
    /// No coinbase output starts `6a24aa21a9ed`.
    case absent
    /// The commitment is the double SHA-256 of the witness merkle root and the reserved value.
    case ok
    /// It is not (or the coinbase has no 32-byte witness reserved value).
    case mismatch

    public var description: String {
        switch self {
        case .absent: return "absent"
        case .ok: return "✓"
        case .mismatch: return "✗"
        }
    }
}

/// A `block` message: an 80-byte header and its transactions, with the checks a reader
/// wants at a glance: proof of work, merkle root, witness commitment, BIP34 height.
///
/// The transactions share the payload's storage (scripts and witness items are slices of
/// it), so a 4 MB block is held once. Its field tree has one `tx[i]` field per
/// transaction, whose fields are decoded only when expanded (``DeferredFields``).
public struct BlockMessage: Hashable, Sendable {
    /// More transactions than a 4 MB payload can hold are refused before allocation.
    public static let maxTransactions = 4_000_000 / Transaction.minimumSize

    public let header: BlockHeader
    public let transactions: [Transaction]
    /// The block hash (double SHA-256 of the header).
    public let hash: Hash256
    /// The merkle root of the txids, as computed.
    public let computedMerkleRoot: Hash256
    /// Whether the header's merkle root is the computed one.
    public let merkleOK: Bool
    /// Whether the hash meets the target of the header's bits (see ``ProofOfWork/check(hash:bits:)``).
    public let powOK: Bool
    public let witnessCommitment: WitnessCommitment
    /// The BIP34 height: the coinbase scriptSig's first push, for block versions 2 and up
    /// (earlier coinbases, the genesis block's among them, start with other numbers).
    public let height: Int?

    /// A block from its parts; the checks are computed here.
    public init(header: BlockHeader, transactions: [Transaction]) {
        self.init(header: header, transactions: transactions, hash: header.hash)
    }

    init(header: BlockHeader, transactions: [Transaction], hash: Hash256) {
        self.header = header
        self.transactions = transactions
        self.hash = hash
        let root = MerkleRoot.compute(transactions.map(\.txid))
        computedMerkleRoot = root
        merkleOK = root.bytes == header.merkleRoot
        powOK = ProofOfWork.check(hash: hash, bits: header.bits)
        witnessCommitment = Self.checkWitnessCommitment(transactions)
        height = Self.bip34Height(header: header, transactions: transactions)
    }

    /// Finds the last coinbase output starting `6a24aa21a9ed` and checks it against the
    /// wtxids (the coinbase's counted as zero) and the coinbase's witness reserved value.
    static func checkWitnessCommitment(_ transactions: [Transaction]) -> WitnessCommitment {
        guard let coinbase = transactions.first else { return .absent }
        let prefix: [UInt8] = [0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed]
        guard let output = coinbase.outputs.last(where: {
            $0.scriptPubKey.count >= 38 && $0.scriptPubKey.bytes.prefix(6).elementsEqual(prefix)
        }) else { return .absent }
        guard let input = coinbase.inputs.first, input.witness.count == 1, input.witness[0].count == 32 else { return .mismatch }
        var wtxids = transactions.map(\.wtxid)
        wtxids[0] = .zero
        let root = MerkleRoot.compute(wtxids)
        guard let reserved = Hash256(wireBytes: input.witness[0]) else { return .mismatch }
        let commitment = Hash256.combine(root, reserved)
        return commitment.bytes.elementsEqual(output.scriptPubKey.bytes.dropFirst(6).prefix(32)) ? .ok : .mismatch
    }

    static func bip34Height(header: BlockHeader, transactions: [Transaction]) -> Int? {
        guard header.version >= 2, let coinbase = transactions.first, coinbase.isCoinbase,
              let n = coinbase.inputs[0].scriptSig.firstPushNumber, n >= 0 else { return nil }
        return Int(n)
    }

    /// `block 0000…e26f h=850000 2,345 txs merkle ✓ pow ✓`, with ` witness ✗` added when
    /// the witness commitment does not match.
    public var summary: String {
        let h = height.map(String.init) ?? "?"
        let n = transactions.count
        var text = "block \(hash.abbreviated()) h=\(h) \(Amount.grouped(n)) tx\(n == 1 ? "" : "s")"
        text += " merkle \(merkleOK ? "✓" : "✗") pow \(powOK ? "✓" : "✗")"
        if witnessCommitment == .mismatch { text += " witness ✗" }
        return text
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> BlockMessage {
        r.beginGroup("header")
        let (header, hash) = try BlockHeader.decodeFields(&r)
        r.endGroup()
        let count = try r.readCount("txn_count", limit: maxTransactions, minimumElementSize: Transaction.minimumSize)
        var transactions: [Transaction] = []
        transactions.reserveCapacity(count)
        for i in 0..<count { transactions.append(try r.readTransactionDeferred("tx[\(i)]")) }
        let block = BlockMessage(header: header, transactions: transactions, hash: hash)
        if r.isTracing {
            let start = r.offset
            let root = block.computedMerkleRoot.displayHex
            r.record("merkle", from: start, .text(block.merkleOK ? "✓ \(root)" : "✗ computed \(root)"))
            r.record("witness_commitment", from: start, .text(block.witnessCommitment.description))
            r.record("height", from: start, block.height.map { .uint(UInt64($0)) } ?? .text("? (no BIP34 height)"))
        }
        return block
    }

    public func encode(_ w: inout WireWriter) {
        header.encode(&w)
        w.writeCompactSize(UInt64(transactions.count))
        for tx in transactions { tx.encode(&w) }
    }

    /// The payload bytes.
    public var bytes: [UInt8] {
        var w = WireWriter(capacity: 80 + transactions.reduce(9) { $0 + $1.size })
        encode(&w)
        return w.bytes
    }
}
