/// An `inv`, `getdata` or `notfound` entry.
public struct InventoryItem: Hashable, Sendable {
    /// Bitcoin Core's `MAX_INV_SZ`.
    public static let maxCount = 50_000

    public var type: UInt32
    /// 32 bytes in wire order.
    public var hash: [UInt8]

    public init(type: UInt32, hash: [UInt8]) {
        self.type = type
        self.hash = hash
    }

    public static let tx: UInt32 = 1
    public static let block: UInt32 = 2
    public static let filteredBlock: UInt32 = 3
    public static let compactBlock: UInt32 = 4
    public static let wtx: UInt32 = 5
    public static let witnessFlag: UInt32 = 1 << 30

    /// `MSG_TX`, `MSG_WITNESS_BLOCK`, … or the number.
    public var typeName: String {
        let witness = type & Self.witnessFlag != 0 ? "WITNESS_" : ""
        switch type & ~Self.witnessFlag {
        case 0: return "ERROR"
        case Self.tx: return "MSG_\(witness)TX"
        case Self.block: return "MSG_\(witness)BLOCK"
        case Self.filteredBlock: return "MSG_FILTERED_\(witness)BLOCK"
        case Self.compactBlock: return "MSG_CMPCT_BLOCK"
        case Self.wtx: return "MSG_WTX"
        default: return "TYPE_\(type)"
        }
    }

    static func decodeList(_ r: inout WireReader) throws(WireError) -> [InventoryItem] {
        let count = try r.readCount("count", limit: maxCount, minimumElementSize: 36)
        var out: [InventoryItem] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            r.beginGroup("inventory[\(i)]")
            let typeStart = r.offset
            let type = try r.readUInt32Quiet("type")
            let item0 = InventoryItem(type: type, hash: [])
            r.record("type", from: typeStart, .text(item0.typeName))
            let hash = try r.readHash("hash")
            r.endGroup()
            out.append(InventoryItem(type: type, hash: hash))
        }
        return out
    }

    static func encodeList(_ items: [InventoryItem], _ w: inout WireWriter) {
        w.writeCompactSize(UInt64(items.count))
        for item in items {
            w.write(item.type)
            w.write(bytes: item.hash)
        }
    }
}

/// `getheaders` and `getblocks`: a block locator and a stop hash.
public struct BlockLocator: Hashable, Sendable {
    /// Bitcoin Core's `MAX_LOCATOR_SZ`.
    public static let maxHashes = 101

    public var version: UInt32
    /// Hashes in wire order, newest first.
    public var hashes: [[UInt8]]
    public var hashStop: [UInt8]

    public init(version: UInt32 = UInt32(VersionMessage.currentProtocol), hashes: [[UInt8]], hashStop: [UInt8] = [UInt8](repeating: 0, count: 32)) {
        self.version = version
        self.hashes = hashes
        self.hashStop = hashStop
    }

    static func decode(_ r: inout WireReader) throws(WireError) -> BlockLocator {
        let version = try r.readUInt32("version")
        let count = try r.readCount("hash_count", limit: maxHashes, minimumElementSize: 32)
        var hashes: [[UInt8]] = []
        hashes.reserveCapacity(count)
        r.beginGroup("block_locator_hashes")
        for i in 0..<count { hashes.append(try r.readHash("hash[\(i)]")) }
        r.endGroup()
        let stop = try r.readHash("hash_stop")
        return BlockLocator(version: version, hashes: hashes, hashStop: stop)
    }

    func encode(_ w: inout WireWriter) {
        w.write(version)
        w.writeCompactSize(UInt64(hashes.count))
        for h in hashes { w.write(bytes: h) }
        w.write(bytes: hashStop)
    }
}

/// An 80-byte block header.
public struct BlockHeader: Hashable, Sendable {
    /// Bitcoin Core's `MAX_HEADERS_RESULTS`.
    public static let maxPerMessage = 2000

    public var version: Int32
    public var previousBlock: [UInt8]
    public var merkleRoot: [UInt8]
    public var timestamp: UInt32
    public var bits: UInt32
    public var nonce: UInt32

    public init(version: Int32, previousBlock: [UInt8], merkleRoot: [UInt8], timestamp: UInt32, bits: UInt32, nonce: UInt32) {
        self.version = version
        self.previousBlock = previousBlock
        self.merkleRoot = merkleRoot
        self.timestamp = timestamp
        self.bits = bits
        self.nonce = nonce
    }

    /// The block hash in display order.
    public var hashHex: String {
        var w = WireWriter(capacity: 80)
        encode(&w)
        return Hex.encode(DoubleSHA256.hash(w.bytes).reversed())
    }

    static func decodeList(_ r: inout WireReader) throws(WireError) -> [BlockHeader] {
        let count = try r.readCount("count", limit: maxPerMessage, minimumElementSize: 81)
        var out: [BlockHeader] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            r.beginGroup("headers[\(i)]")
            let (header, _) = try decodeFields(&r)
            let txStart = r.offset
            let txCount = try r.readCompactSize("txn_count")
            if txCount != 0 {
                throw .invalidValue(field: "txn_count", offset: txStart, reason: "headers must have txn_count 0, got \(txCount)")
            }
            r.endGroup()
            out.append(header)
        }
        return out
    }

    /// Reads the 80 bytes and, when tracing, records the block `hash` and the `pow` verdict
    /// after them. The hash is of the bytes read.
    static func decodeFields(_ r: inout WireReader) throws(WireError) -> (BlockHeader, Hash256) {
        let start = r.offset
        let version = try r.readInt32("version")
        let prev = try r.readHash("prev_block")
        let merkle = try r.readHash("merkle_root")
        let time = try r.readTime32("timestamp")
        let bits = try r.readUInt32("bits")
        let nonce = try r.readUInt32("nonce")
        let hash = Hash256.doubleSHA256(r.consumed(from: start, to: r.offset))
        r.record("hash", from: start, .hash(hash.displayHex))
        r.record("pow", from: start, .text(ProofOfWork.verdict(hash: hash, bits: bits)))
        let header = BlockHeader(version: version, previousBlock: prev, merkleRoot: merkle, timestamp: time, bits: bits, nonce: nonce)
        return (header, hash)
    }

    /// The block hash.
    public var hash: Hash256 {
        var w = WireWriter(capacity: 80)
        encode(&w)
        return Hash256.doubleSHA256(w.bytes)
    }

    /// Whether the hash meets the target of `bits` (the network's limit is not checked).
    public var powOK: Bool { ProofOfWork.check(hash: hash, bits: bits) }

    /// Reads a bare 80-byte header (the start of `block` and `cmpctblock`).
    public static func decode(_ r: inout WireReader) throws(WireError) -> BlockHeader {
        try decodeFields(&r).0
    }

    public func encode(_ w: inout WireWriter) {
        w.write(version)
        w.write(bytes: previousBlock)
        w.write(bytes: merkleRoot)
        w.write(timestamp)
        w.write(bits)
        w.write(nonce)
    }
}

/// The deprecated BIP61 `reject` message (still sent by some nodes).
public struct RejectMessage: Hashable, Sendable {
    public static let maxReasonLength = 111

    public var message: String
    public var code: UInt8
    public var reason: String
    /// Usually the 32-byte hash of the rejected object; may be empty.
    public var data: [UInt8]

    public init(message: String, code: UInt8, reason: String, data: [UInt8] = []) {
        self.message = message
        self.code = code
        self.reason = reason
        self.data = data
    }

    public var codeName: String {
        switch code {
        case 0x01: return "REJECT_MALFORMED"
        case 0x10: return "REJECT_INVALID"
        case 0x11: return "REJECT_OBSOLETE"
        case 0x12: return "REJECT_DUPLICATE"
        case 0x40: return "REJECT_NONSTANDARD"
        case 0x41: return "REJECT_DUST"
        case 0x42: return "REJECT_INSUFFICIENTFEE"
        case 0x43: return "REJECT_CHECKPOINT"
        default: return "code \(code)"
        }
    }

    static func decode(_ r: inout WireReader) throws(WireError) -> RejectMessage {
        let message = try r.readVarString("message", limit: MessageHeader.commandLength)
        let codeStart = r.offset
        let code = try r.readUInt8Quiet("ccode")
        let probe = RejectMessage(message: "", code: code, reason: "")
        r.record("ccode", from: codeStart, .text("0x\(String(code, radix: 16)) \(probe.codeName)"))
        let reason = try r.readVarString("reason", limit: maxReasonLength)
        let data = r.readRest("data")
        return RejectMessage(message: message, code: code, reason: reason, data: data)
    }

    func encode(_ w: inout WireWriter) {
        w.writeVarString(message)
        w.write(code)
        w.writeVarString(reason)
        w.write(bytes: data)
    }
}
