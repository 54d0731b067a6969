/// Why a BIP37 partial merkle tree cannot be read. Each case follows one of the checks
/// Bitcoin Core's `CPartialMerkleTree::ExtractMatches` makes before it trusts a tree.
public enum MerkleTreeProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// `total_transactions` is 0: no block is empty (it has a coinbase).
    case noTransactions
    /// More transactions than a block of 4,000,000 weight units can hold (240 each).
    case tooManyTransactions(UInt32)
    /// More hashes than transactions.
    case moreHashesThanTransactions(hashes: Int, transactions: UInt32)
    /// Fewer flag bits than hashes: each hash needs a node, and each node a bit.
    case fewerBitsThanHashes(bits: Int, hashes: Int)
    /// The traversal needed another flag bit and there was none.
    case ranOutOfBits
    /// The traversal needed another hash and there was none.
    case ranOutOfHashes
    /// Two identical children under one node: the CVE-2012-2459 mutation, which lets a
    /// different transaction list hash to the same root.
    case identicalChildren(height: Int, position: Int)
    /// Whole flag bytes left over after the traversal (only the last byte may hold padding).
    case unusedFlagBytes(used: Int, present: Int)
    /// Hashes left over after the traversal.
    case unusedHashes(used: Int, present: Int)

    public var description: String {
        switch self {
        case .noTransactions:
            return "total_transactions is 0"
        case let .tooManyTransactions(n):
            return "total_transactions \(n) is above \(PartialMerkleTree.maxTransactions) (4,000,000 weight / 240 per transaction)"
        case let .moreHashesThanTransactions(hashes, transactions):
            return "\(hashes) hashes for \(transactions) transactions"
        case let .fewerBitsThanHashes(bits, hashes):
            return "\(bits) flag bits for \(hashes) hashes"
        case .ranOutOfBits:
            return "the flag bits ran out before the tree was complete"
        case .ranOutOfHashes:
            return "the hashes ran out before the tree was complete"
        case let .identicalChildren(height, position):
            return "identical children under node \(position) at height \(height) (CVE-2012-2459)"
        case let .unusedFlagBytes(used, present):
            return "\(present) flag bytes, the tree uses \(used)"
        case let .unusedHashes(used, present):
            return "\(present) hashes, the tree uses \(used)"
        }
    }
}

/// The BIP37 partial merkle tree of a `merkleblock`: the block's transaction count, the
/// hashes of the pruned nodes and matched leaves in depth-first order, and one flag bit
/// per visited node (least significant bit of each byte first).
public struct PartialMerkleTree: Hashable, Sendable {
    /// Bitcoin Core's bound: `MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT`, where
    /// `MIN_TRANSACTION_WEIGHT` is `WITNESS_SCALE_FACTOR * 60` = 240 (consensus.h), so
    /// 16,666, not 4,000,000 / 60.
    public static let maxTransactions: UInt32 = 4_000_000 / (4 * 60)
    /// Hashes a 4 MB payload can hold; a tree with more is refused before allocation.
    public static let maxHashes = MessageHeader.maxPayloadLength / 32

    public var totalTransactions: UInt32
    /// 32 bytes each, in wire order.
    public var hashes: [[UInt8]]
    public var flags: [UInt8]

    public init(totalTransactions: UInt32, hashes: [[UInt8]], flags: [UInt8]) {
        self.totalTransactions = totalTransactions
        self.hashes = hashes
        self.flags = flags
    }

    /// A transaction the tree proves to be in the block.
    public struct Match: Hashable, Sendable {
        /// Its index in the block.
        public var position: Int
        /// Its index in ``PartialMerkleTree/hashes``.
        public var hashIndex: Int
        /// 32 bytes, wire order.
        public var txid: [UInt8]

        public init(position: Int, hashIndex: Int, txid: [UInt8]) {
            self.position = position
            self.hashIndex = hashIndex
            self.txid = txid
        }
    }

    /// What a well-formed tree yields.
    public struct Extraction: Hashable, Sendable {
        /// The merkle root the tree hashes to, wire order.
        public var root: [UInt8]
        public var matches: [Match]
        /// Flag bits the traversal used.
        public var bitsUsed: Int
        /// Whether a padding bit of the last flag byte is set (BIP37 pads with zeros; Core
        /// does not check).
        public var paddingBitsSet: Bool
    }

    /// Walks the tree as Bitcoin Core does, with all of its checks.
    public func extract() -> Result<Extraction, MerkleTreeProblem> {
        Result { () throws(MerkleTreeProblem) -> Extraction in try extractOrThrow() }
    }

    private func extractOrThrow() throws(MerkleTreeProblem) -> Extraction {
        guard totalTransactions > 0 else { throw .noTransactions }
        guard totalTransactions <= Self.maxTransactions else { throw .tooManyTransactions(totalTransactions) }
        guard hashes.count <= Int(totalTransactions) else {
            throw .moreHashesThanTransactions(hashes: hashes.count, transactions: totalTransactions)
        }
        guard flags.count * 8 >= hashes.count else { throw .fewerBitsThanHashes(bits: flags.count * 8, hashes: hashes.count) }
        var walk = Traversal(tree: self)
        let root = try walk.visit(height: Self.height(for: Int(totalTransactions)), position: 0)
        let bytesUsed = (walk.bitsUsed + 7) / 8
        guard bytesUsed == flags.count else { throw .unusedFlagBytes(used: bytesUsed, present: flags.count) }
        guard walk.hashesUsed == hashes.count else { throw .unusedHashes(used: walk.hashesUsed, present: hashes.count) }
        var padding = false
        for bit in walk.bitsUsed..<(flags.count * 8) where flags[bit / 8] >> UInt8(bit % 8) & 1 == 1 { padding = true }
        return Extraction(root: root, matches: walk.matches, bitsUsed: walk.bitsUsed, paddingBitsSet: padding)
    }

    /// Nodes at `height` above the leaves of a tree of `count` leaves.
    static func width(_ count: Int, height: Int) -> Int { (count + (1 << height) - 1) >> height }

    /// The height of the root.
    static func height(for count: Int) -> Int {
        var h = 0
        while width(count, height: h) > 1 { h += 1 }
        return h
    }

    static func parent(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] { DoubleSHA256.hash(left + right) }

    private struct Traversal {
        let tree: PartialMerkleTree
        var bitsUsed = 0
        var hashesUsed = 0
        var matches: [Match] = []

        // Depth is at most 15 (maxTransactions < 2^15), so recursion is bounded.
        mutating func visit(height: Int, position: Int) throws(MerkleTreeProblem) -> [UInt8] {
            guard bitsUsed < tree.flags.count * 8 else { throw .ranOutOfBits }
            let flag = tree.flags[bitsUsed / 8] >> UInt8(bitsUsed % 8) & 1 == 1
            bitsUsed += 1
            if height == 0 || !flag {
                guard hashesUsed < tree.hashes.count else { throw .ranOutOfHashes }
                let hash = tree.hashes[hashesUsed]
                if height == 0 && flag { matches.append(Match(position: position, hashIndex: hashesUsed, txid: hash)) }
                hashesUsed += 1
                return hash
            }
            let left = try visit(height: height - 1, position: position * 2)
            guard position * 2 + 1 < PartialMerkleTree.width(Int(tree.totalTransactions), height: height - 1) else {
                return PartialMerkleTree.parent(left, left)
            }
            let right = try visit(height: height - 1, position: position * 2 + 1)
            if right == left { throw .identicalChildren(height: height, position: position) }
            return PartialMerkleTree.parent(left, right)
        }
    }

    /// The tree a full node sends for a block with `txids` (wire order) of which those
    /// whose `matched` flag is set matched the filter.
    public static func build(txids: [[UInt8]], matched: [Bool]) -> PartialMerkleTree {
        let count = txids.count
        var bits: [Bool] = []
        var hashes: [[UInt8]] = []
        func hashAt(_ height: Int, _ position: Int) -> [UInt8] {
            if height == 0 { return txids[position] }
            let left = hashAt(height - 1, position * 2)
            let right = position * 2 + 1 < width(count, height: height - 1) ? hashAt(height - 1, position * 2 + 1) : left
            return parent(left, right)
        }
        func build(_ height: Int, _ position: Int) {
            let first = position << height
            let end = min((position + 1) << height, count)
            let parentOfMatch = (first..<end).contains { $0 < matched.count && matched[$0] }
            bits.append(parentOfMatch)
            if height == 0 || !parentOfMatch {
                hashes.append(hashAt(height, position))
                return
            }
            build(height - 1, position * 2)
            if position * 2 + 1 < width(count, height: height - 1) { build(height - 1, position * 2 + 1) }
        }
        if count > 0 { build(height(for: count), 0) }
        var flags = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (i, bit) in bits.enumerated() where bit { flags[i / 8] |= 1 << UInt8(i % 8) }
        return PartialMerkleTree(totalTransactions: UInt32(truncatingIfNeeded: count), hashes: hashes, flags: flags)
    }

    /// The merkle root of a full list of txids (wire order); nil for none.
    public static func root(of txids: [[UInt8]]) -> [UInt8]? {
        guard !txids.isEmpty else { return nil }
        var level = txids
        while level.count > 1 {
            var next: [[UInt8]] = []
            next.reserveCapacity((level.count + 1) / 2)
            for i in stride(from: 0, to: level.count, by: 2) {
                next.append(parent(level[i], i + 1 < level.count ? level[i + 1] : level[i]))
            }
            level = next
        }
        return level[0]
    }
}

/// Whether a `merkleblock`'s tree is well formed and proves its header's merkle root.
public enum MerkleRootVerdict: Hashable, Sendable {
    /// The tree hashes to the header's merkle root.
    case valid(PartialMerkleTree.Extraction)
    /// The tree is well formed but hashes to another root.
    case rootMismatch(PartialMerkleTree.Extraction)
    /// The tree cannot be read.
    case malformed(MerkleTreeProblem)

    public var isValid: Bool { if case .valid = self { return true } else { return false } }

    /// `✓ (2 of 7 transactions matched)`, `✗ (the tree hashes to 1a2b…, not the header's root)`.
    public var text: String {
        switch self {
        case let .valid(x):
            return "✓ (\(x.matches.count) matched" + (x.paddingBitsSet ? "; padding bits set, Core ignores them)" : ")")
        case let .rootMismatch(x):
            return "✗ (the tree hashes to \(Hex.encode(x.root.reversed()).prefix(16))…, not the header's merkle root)"
        case let .malformed(problem):
            return "✗ (\(problem))"
        }
    }
}

/// BIP37 `merkleblock`: a block header and a partial merkle tree proving which of its
/// transactions matched the peer's bloom filter. A malformed tree still decodes; its
/// problem is the ``verdict``, as the console should show what a peer sent.
public struct MerkleBlockMessage: Hashable, Sendable {
    public static let command = Command.merkleblock

    public var header: BlockHeader
    public var tree: PartialMerkleTree

    public init(header: BlockHeader, tree: PartialMerkleTree) {
        self.header = header
        self.tree = tree
    }

    /// The txids the tree proves, wire order (empty when the tree is malformed).
    public var matchedTxids: [[UInt8]] {
        if case let .success(x) = tree.extract() { return x.matches.map(\.txid) }
        return []
    }

    public var verdict: MerkleRootVerdict {
        switch tree.extract() {
        case let .failure(problem): return .malformed(problem)
        case let .success(x): return x.root == header.merkleRoot ? .valid(x) : .rootMismatch(x)
        }
    }

    /// `merkleblock 0000…c1f3 1/7 matched root ✓`, the hash shortened as `block`'s is.
    public var summary: String {
        let v = verdict
        let matched: Int
        switch v {
        case let .valid(x), let .rootMismatch(x): matched = x.matches.count
        case .malformed: matched = 0
        }
        return "\(Self.command) \(header.hash.abbreviated()) \(matched)/\(tree.totalTransactions) matched root \(v.text)"
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> MerkleBlockMessage {
        r.beginGroup("header")
        let (header, _) = try BlockHeader.decodeFields(&r)
        r.endGroup()
        let treeStart = r.offset
        let total = try r.readUInt32("total_transactions")
        let count = try r.readCount("hash_count", limit: PartialMerkleTree.maxHashes, minimumElementSize: 32)
        var hashes: [[UInt8]] = []
        hashes.reserveCapacity(count)
        let hashesStart = r.offset
        r.beginGroup("hashes")
        for i in 0..<count { hashes.append(try r.readHash("hash[\(i)]")) }
        r.endGroup()
        let flags = try r.readVarBytes("flags", limit: MessageHeader.maxPayloadLength)
        let message = MerkleBlockMessage(header: header, tree: PartialMerkleTree(totalTransactions: total, hashes: hashes, flags: flags))
        if let tracer = r.tracer {
            let verdict = message.verdict
            switch verdict {
            case let .valid(x), let .rootMismatch(x):
                // Each matched txid is named by its position in the block, over the bytes of
                // the hash it came from.
                let children = x.matches.map { m in
                    let at = hashesStart + m.hashIndex * 32
                    return Field(name: "tx[\(m.position)]", value: .hash(Hex.encode(m.txid.reversed())), range: at..<at + 32)
                }
                tracer.add(Field(name: "matched", value: .group, range: hashesStart..<hashesStart + count * 32, children: children))
            case .malformed:
                break
            }
            tracer.add(Field(name: "root", value: .text(verdict.text), range: treeStart..<r.offset))
        }
        return message
    }

    public func encode(_ w: inout WireWriter) {
        header.encode(&w)
        w.write(tree.totalTransactions)
        w.writeCompactSize(UInt64(tree.hashes.count))
        for h in tree.hashes { w.write(bytes: h) }
        w.writeVarBytes(tree.flags)
    }
}
