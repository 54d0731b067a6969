/// An output being spent: a txid (wire order) and an output index.
public struct OutPoint: Hashable, Sendable {
    public var hash: Hash256
    public var index: UInt32

    public init(hash: Hash256, index: UInt32) {
        self.hash = hash
        self.index = index
    }

    /// The coinbase's outpoint: zero hash, index 0xffffffff.
    public var isNull: Bool { hash == .zero && index == .max }
}

/// A transaction input with its witness stack (empty for a legacy input).
public struct TxInput: Hashable, Sendable {
    public var previousOutput: OutPoint
    public var scriptSig: Script
    public var sequence: UInt32
    /// BIP141 witness items, each sharing the payload's storage when decoded.
    public var witness: [ArraySlice<UInt8>]

    public init(previousOutput: OutPoint, scriptSig: Script, sequence: UInt32 = 0xffff_ffff, witness: [ArraySlice<UInt8>] = []) {
        self.previousOutput = previousOutput
        self.scriptSig = scriptSig
        self.sequence = sequence
        self.witness = witness
    }
}

/// A transaction output: an amount in satoshis and the script that locks it.
public struct TxOutput: Hashable, Sendable {
    /// Satoshis. Signed on the wire; a negative value is invalid but decodes.
    public var value: Int64
    public var scriptPubKey: Script

    public init(value: Int64, scriptPubKey: Script) {
        self.value = value
        self.scriptPubKey = scriptPubKey
    }

    /// The address paid on `network`, where the script has one.
    public func address(for network: Network) -> String? { scriptPubKey.address(for: network) }

    /// The value in BTC, as `0.0151`.
    public var btc: String { Amount.btc(value) }
}

/// A `tx` message: a transaction in the legacy or the BIP144 segwit serialization.
///
/// Decoding records the txid, wtxid and sizes from the bytes it read (hashing the slices
/// it consumed, no re-encoding); the properties are read-only so those stay true.
///
/// Choices: a segwit marker (`00`) must be followed by flag `01`, anything else is
/// `WireError.invalidValue` at the flag; a segwit serialization whose witnesses are all
/// empty is refused as Bitcoin Core does ("Superfluous witness record"), so every decoded
/// transaction re-encodes byte for byte. A zero-input legacy transaction cannot be told
/// from a segwit marker and is read as Core reads it (as a marker). Script lengths:
/// scriptSig at most ``Script/maxSize`` (a longer one cannot execute, so no valid
/// transaction has one); a scriptPubKey only within the 1,000,000-byte base size (a longer
/// one is valid, only unspendable); witness items within the bytes left.
///
/// Field tree: each script has its opcodes (`asm`) as a child, and each scriptPubKey its
/// `type` and, where it has one, its **mainnet** `address` (the decoder does not know the
/// network; ``TxOutput/address(for:)`` and ``Script/address(for:)`` give any network's).
/// The computed `txid`, `wtxid`, `size`, `weight` and `vsize` follow `lock_time`, with the
/// transaction's whole range.
public struct Transaction: Hashable, Sendable {
    /// A transaction's base size is at most MAX_BLOCK_WEIGHT / 4.
    public static let maxBaseSize = 1_000_000
    /// 41 bytes per input (outpoint 36, script length 1, sequence 4).
    public static let maxInputs = maxBaseSize / 41
    /// 9 bytes per output (value 8, script length 1).
    public static let maxOutputs = maxBaseSize / 9
    /// The smallest decodable transaction: version, one empty input, no output, locktime.
    public static let minimumSize = 4 + 1 + 41 + 1 + 4
    /// Witness items and item sizes are bounded by the bytes left; this caps them too.
    public static let maxWitnessSize = 4_000_000

    public let version: Int32
    public let inputs: [TxInput]
    public let outputs: [TxOutput]
    public let lockTime: UInt32
    /// Double SHA-256 of the serialization without marker, flag and witnesses.
    public let txid: Hash256
    /// Double SHA-256 of the whole serialization (equal to the txid without witnesses).
    public let wtxid: Hash256
    /// Bytes of the whole serialization.
    public let size: Int
    /// Bytes without marker, flag and witnesses.
    public let baseSize: Int

    /// Whether any input has witness items (then the segwit serialization is used).
    public var hasWitness: Bool { inputs.contains { !$0.witness.isEmpty } }
    /// BIP141 weight: 3 × base size + total size.
    public var weight: Int { 3 * baseSize + size }
    /// Virtual size: weight / 4 rounded up.
    public var vsize: Int { (weight + 3) / 4 }
    /// The sum of the outputs in satoshis; nil when it overflows (a hostile transaction).
    public var totalOutput: Int64? {
        var sum: Int64 = 0
        for o in outputs {
            let (s, overflow) = sum.addingReportingOverflow(o.value)
            if overflow { return nil }
            sum = s
        }
        return sum
    }
    /// A coinbase: one input spending the null outpoint.
    public var isCoinbase: Bool { inputs.count == 1 && inputs[0].previousOutput.isNull }

    /// A transaction from its parts; its hashes and sizes are computed by encoding it.
    public init(version: Int32 = 2, inputs: [TxInput], outputs: [TxOutput], lockTime: UInt32 = 0) {
        let segwit = inputs.contains { !$0.witness.isEmpty }
        var w = WireWriter(capacity: 256)
        Self.encode(version: version, inputs: inputs, outputs: outputs, lockTime: lockTime, witness: false, &w)
        let base = w.bytes
        var whole = base
        if segwit {
            var ww = WireWriter(capacity: base.count + 128)
            Self.encode(version: version, inputs: inputs, outputs: outputs, lockTime: lockTime, witness: true, &ww)
            whole = ww.bytes
        }
        self.init(version: version, inputs: inputs, outputs: outputs, lockTime: lockTime,
                  txid: Hash256.doubleSHA256(base), wtxid: segwit ? Hash256.doubleSHA256(whole) : Hash256.doubleSHA256(base),
                  size: whole.count, baseSize: base.count)
    }

    private init(version: Int32, inputs: [TxInput], outputs: [TxOutput], lockTime: UInt32,
                 txid: Hash256, wtxid: Hash256, size: Int, baseSize: Int) {
        self.version = version
        self.inputs = inputs
        self.outputs = outputs
        self.lockTime = lockTime
        self.txid = txid
        self.wtxid = wtxid
        self.size = size
        self.baseSize = baseSize
    }

    /// `tx 3f2a…c1 2 in 3 out 0.0151 BTC 141 vB`.
    public var summary: String {
        let total = totalOutput.map(Amount.btc) ?? "?"
        return "tx \(txid.abbreviated(head: 4, tail: 2)) \(inputs.count) in \(outputs.count) out \(total) BTC \(vsize) vB"
    }

    // MARK: Decoding

    public static func decode(_ r: inout WireReader) throws(WireError) -> Transaction {
        let start = r.offset
        let version = try r.readInt32("version")
        let afterVersion = r.offset
        var segwit = false
        if r.peekUInt8() == 0 {
            _ = try r.readUInt8("marker")
            let flagStart = r.offset
            let flag = try r.readUInt8("flag")
            guard flag == 1 else {
                throw .invalidValue(field: "flag", offset: flagStart, reason: "a segwit marker must be followed by flag 1, got \(flag)")
            }
            segwit = true
        }
        let bodyStart = r.offset

        let inCount = try r.readCount("tx_in_count", limit: maxInputs, minimumElementSize: 41)
        var inputs: [TxInput] = []
        inputs.reserveCapacity(inCount)
        for i in 0..<inCount {
            r.beginGroup("tx_in[\(i)]")
            let hash = try r.readHash256("previous_output_hash")
            let index = try r.readUInt32("previous_output_index")
            let script = try r.readScript("script_sig", limit: Script.maxSize, output: false,
                                          coinbase: hash == .zero && index == .max)
            let sequence = try r.readUInt32("sequence")
            r.endGroup()
            inputs.append(TxInput(previousOutput: OutPoint(hash: hash, index: index), scriptSig: script, sequence: sequence))
        }

        let outCount = try r.readCount("tx_out_count", limit: maxOutputs, minimumElementSize: 9)
        var outputs: [TxOutput] = []
        outputs.reserveCapacity(outCount)
        for i in 0..<outCount {
            r.beginGroup("tx_out[\(i)]")
            let valueStart = r.offset
            let value = try r.readInt64Quiet("value")
            r.record("value", from: valueStart, .text("\(Amount.btc(value)) BTC"),
                     children: [Field(name: "satoshis", value: .int(value), range: valueStart..<(valueStart + 8))])
            let script = try r.readScript("script_pubkey", limit: maxBaseSize, output: true)
            r.endGroup()
            outputs.append(TxOutput(value: value, scriptPubKey: script))
        }
        let bodyEnd = r.offset

        if segwit {
            var anyWitness = false
            for i in 0..<inCount {
                r.beginGroup("witness[\(i)]")
                let items = try r.readCount("item_count", limit: maxWitnessSize, minimumElementSize: 1)
                var stack: [ArraySlice<UInt8>] = []
                stack.reserveCapacity(items)
                for j in 0..<items {
                    let itemStart = r.offset
                    let item = try r.readVarBytesSharing("item", limit: maxWitnessSize)
                    if r.isTracing { r.record("item[\(j)]", from: itemStart, .bytes(Array(item))) }
                    stack.append(item)
                }
                r.endGroup()
                anyWitness = anyWitness || items > 0
                inputs[i].witness = stack
            }
            guard anyWitness else {
                throw .invalidValue(field: "marker", offset: afterVersion,
                                    reason: "superfluous witness record: segwit serialization with every witness empty (Core refuses it)")
            }
        }
        let witnessEnd = r.offset
        let lockTime = try r.readUInt32("lock_time")
        let end = r.offset

        let wtxid = Hash256.doubleSHA256(r.consumed(from: start, to: end))
        let txid: Hash256
        let baseSize: Int
        if segwit {
            var hasher = DoubleSHA256Hasher()
            hasher.update(r.consumed(from: start, to: afterVersion))
            hasher.update(r.consumed(from: bodyStart, to: bodyEnd))
            hasher.update(r.consumed(from: witnessEnd, to: end))
            txid = hasher.finalize()
            baseSize = (afterVersion - start) + (bodyEnd - bodyStart) + (end - witnessEnd)
        } else {
            txid = wtxid
            baseSize = end - start
        }
        let tx = Transaction(version: version, inputs: inputs, outputs: outputs, lockTime: lockTime,
                             txid: txid, wtxid: wtxid, size: end - start, baseSize: baseSize)
        if r.isTracing {
            r.record("txid", from: start, .hash(txid.displayHex))
            r.record("wtxid", from: start, .hash(wtxid.displayHex))
            r.record("size", from: start, .uint(UInt64(tx.size)))
            r.record("weight", from: start, .uint(UInt64(tx.weight)))
            r.record("vsize", from: start, .uint(UInt64(tx.vsize)))
        }
        return tx
    }

    // MARK: Encoding

    /// The serialization it was decoded from: segwit when any input has a witness.
    public func encode(_ w: inout WireWriter) {
        Self.encode(version: version, inputs: inputs, outputs: outputs, lockTime: lockTime, witness: hasWitness, &w)
    }

    /// The bytes of ``encode(_:)``.
    public var bytes: [UInt8] {
        var w = WireWriter(capacity: size)
        encode(&w)
        return w.bytes
    }

    private static func encode(version: Int32, inputs: [TxInput], outputs: [TxOutput], lockTime: UInt32, witness: Bool, _ w: inout WireWriter) {
        w.write(version)
        if witness {
            w.write(UInt8(0))
            w.write(UInt8(1))
        }
        w.writeCompactSize(UInt64(inputs.count))
        for input in inputs {
            input.previousOutput.hash.withWireBytes { w.write(bytes: $0) }
            w.write(input.previousOutput.index)
            w.writeVarBytes(input.scriptSig.bytes)
            w.write(input.sequence)
        }
        w.writeCompactSize(UInt64(outputs.count))
        for output in outputs {
            w.write(output.value)
            w.writeVarBytes(output.scriptPubKey.bytes)
        }
        if witness {
            for input in inputs {
                w.writeCompactSize(UInt64(input.witness.count))
                for item in input.witness { w.writeVarBytes(item) }
            }
        }
        w.write(lockTime)
    }
}

extension WireReader {
    /// A transaction of a list (a block's, a `blocktxn`'s), decoded without tracing; when
    /// tracing, recorded as one field holding its txid and a ``DeferredFields`` for its fields.
    mutating func readTransactionDeferred(_ name: @autoclosure () -> String) throws(WireError) -> Transaction {
        let start = offset
        let tx = try untraced { (r: inout WireReader) throws(WireError) in try Transaction.decode(&r) }
        if isTracing {
            let bytes = consumed(from: start, to: offset)
            record(name(), from: start, .hash(tx.txid.displayHex), children: [],
                   deferred: DeferredFields(kind: .transaction, bytes: bytes, offset: start))
        }
        return tx
    }

    /// A CompactSize-prefixed script, recorded as its bytes with its opcodes (and for an
    /// output, its type and mainnet address) as children.
    /// A coinbase's scriptSig is free data: its first push is shown as `height` (BIP34,
    /// for blocks of version 2 and up).
    mutating func readScript(_ field: String, limit: Int, output: Bool, coinbase: Bool = false) throws(WireError) -> Script {
        let start = offset
        let script = Script(try readVarBytesSharing(field, limit: limit))
        if isTracing {
            let range = start..<offset
            var children: [Field] = []
            if output {
                children.append(Field(name: "type", value: .text(script.type.description), range: range))
                if let address = script.address(for: .mainnet) {
                    children.append(Field(name: "address", value: .address(address), range: range))
                }
            }
            if coinbase, let height = script.firstPushNumber {
                children.append(Field(name: "height", value: .int(height), range: range))
            }
            children.append(Field(name: "asm", value: .text(script.asm), range: range))
            record(field, from: start, .bytes(Array(script.bytes)), children: children)
        }
        return script
    }

    /// A little-endian Int64, not recorded.
    mutating func readInt64Quiet(_ field: String) throws(WireError) -> Int64 {
        let bytes = try readBytesSharing(8, field)
        var v: UInt64 = 0
        for (i, b) in bytes.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return Int64(bitPattern: v)
    }
}

/// Bitcoin amounts as text.
public enum Amount {
    /// Satoshis per bitcoin.
    public static let coin: Int64 = 100_000_000

    /// `0.0151`, `50`, `-0.00000001`: BTC without trailing zeros.
    public static func btc(_ satoshis: Int64) -> String {
        let magnitude = satoshis.magnitude
        let whole = magnitude / UInt64(coin)
        let fraction = magnitude % UInt64(coin)
        var text = String(whole)
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 8 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return satoshis < 0 ? "-" + text : text
    }

    /// `2,345`: thousands separated by commas.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }
}
