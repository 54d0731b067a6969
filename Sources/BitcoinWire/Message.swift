/// Every message verack understands; anything else is kept as `.unknown` with its raw
/// payload, which re-encodes byte for byte.
///
/// Cases whose payload is a struct of more than a couple of words are `indirect`: a message
/// is copied several times on its way from the socket to an event (the unit, the session,
/// the event, the printer), and inline the enum was as large as its largest payload (a
/// block's header and hash), so every copy moved a couple of hundred bytes. Boxed, a copy
/// is one retain; decoding such a message allocates its box once.
public enum Message: Hashable, Sendable {
    indirect case version(VersionMessage)
    case verack
    case ping(nonce: UInt64)
    case pong(nonce: UInt64)
    case sendheaders
    /// BIP152.
    case sendcmpct(announce: Bool, version: UInt64)
    /// BIP133, in satoshis per 1000 virtual bytes.
    case feefilter(feerate: Int64)
    /// BIP339.
    case wtxidrelay
    /// BIP155.
    case sendaddrv2
    case getaddr
    case addr([TimestampedAddress])
    case addrv2([AddrV2Entry])
    case inv([InventoryItem])
    case getdata([InventoryItem])
    case notfound([InventoryItem])
    indirect case getheaders(BlockLocator)
    indirect case getblocks(BlockLocator)
    case headers([BlockHeader])
    case mempool
    /// BIP37.
    case filterclear
    indirect case reject(RejectMessage)
    /// A transaction, legacy or segwit (BIP144).
    indirect case tx(Transaction)
    /// A block: header and transactions.
    indirect case block(BlockMessage)
    /// BIP152.
    indirect case cmpctblock(CompactBlock)
    /// BIP152.
    indirect case getblocktxn(BlockTransactionsRequest)
    /// BIP152.
    indirect case blocktxn(BlockTransactions)
    /// BIP37.
    indirect case merkleblock(MerkleBlockMessage)
    /// BIP37.
    indirect case filterload(FilterLoadMessage)
    /// BIP37.
    indirect case filteradd(FilterAddMessage)
    /// BIP157.
    indirect case getcfilters(GetCFiltersMessage)
    /// BIP157.
    indirect case cfilter(CFilterMessage)
    /// BIP157.
    indirect case getcfheaders(GetCFHeadersMessage)
    /// BIP157.
    indirect case cfheaders(CFHeadersMessage)
    /// BIP157.
    indirect case getcfcheckpt(GetCFCheckptMessage)
    /// BIP157.
    indirect case cfcheckpt(CFCheckptMessage)
    /// BIP330.
    indirect case sendtxrcncl(SendTxRcnclMessage)
    /// BIP434.
    indirect case feature(FeatureMessage)
    /// A command verack does not decode; `payload` shares the storage of the frame it came
    /// from (one copy of a big message's bytes, not two).
    indirect case unknown(command: Command, payload: ArraySlice<UInt8>)

    /// The command on the wire.
    public var command: Command {
        switch self {
        case .version: return .version
        case .verack: return .verack
        case .ping: return .ping
        case .pong: return .pong
        case .sendheaders: return .sendheaders
        case .sendcmpct: return .sendcmpct
        case .feefilter: return .feefilter
        case .wtxidrelay: return .wtxidrelay
        case .sendaddrv2: return .sendaddrv2
        case .getaddr: return .getaddr
        case .addr: return .addr
        case .addrv2: return .addrv2
        case .inv: return .inv
        case .getdata: return .getdata
        case .notfound: return .notfound
        case .getheaders: return .getheaders
        case .getblocks: return .getblocks
        case .headers: return .headers
        case .mempool: return .mempool
        case .filterclear: return .filterclear
        case .reject: return .reject
        case .tx: return .tx
        case .block: return .block
        case .cmpctblock: return .cmpctblock
        case .getblocktxn: return .getblocktxn
        case .blocktxn: return .blocktxn
        case .merkleblock: return .merkleblock
        case .filterload: return .filterload
        case .filteradd: return .filteradd
        case .getcfilters: return .getcfilters
        case .cfilter: return .cfilter
        case .getcfheaders: return .getcfheaders
        case .cfheaders: return .cfheaders
        case .getcfcheckpt: return .getcfcheckpt
        case .cfcheckpt: return .cfcheckpt
        case .sendtxrcncl: return .sendtxrcncl
        case .feature: return .feature
        case let .unknown(command, _): return command
        }
    }

    /// Commands with a decoder of their own (from ``Command/table``).
    public static var knownCommands: [Command] { Command.decodedCommands }

    /// The payload bytes.
    public func encodePayload() -> [UInt8] {
        var w = WireWriter()
        encodePayload(into: &w)
        return w.bytes
    }

    /// Appends the payload bytes to `w`.
    public func encodePayload(into w: inout WireWriter) {
        switch self {
        case let .version(v): v.encode(&w)
        case .verack, .sendheaders, .wtxidrelay, .sendaddrv2, .getaddr, .mempool, .filterclear: break
        case let .ping(nonce), let .pong(nonce): w.write(nonce)
        case let .sendcmpct(announce, version): w.write(announce); w.write(version)
        case let .feefilter(rate): w.write(rate)
        case let .addr(entries): AddrCodec.encode(entries, &w)
        case let .addrv2(entries): AddrV2Entry.encodeList(entries, &w)
        case let .inv(items), let .getdata(items), let .notfound(items): InventoryItem.encodeList(items, &w)
        case let .getheaders(l), let .getblocks(l): l.encode(&w)
        case let .headers(headers):
            w.writeCompactSize(UInt64(headers.count))
            for h in headers { h.encode(&w); w.writeCompactSize(0) }
        case let .reject(r): r.encode(&w)
        case let .tx(m): m.encode(&w)
        case let .block(m): m.encode(&w)
        case let .cmpctblock(m): m.encode(&w)
        case let .getblocktxn(m): m.encode(&w)
        case let .blocktxn(m): m.encode(&w)
        case let .merkleblock(m): m.encode(&w)
        case let .filterload(m): m.encode(&w)
        case let .filteradd(m): m.encode(&w)
        case let .getcfilters(m): m.encode(&w)
        case let .cfilter(m): m.encode(&w)
        case let .getcfheaders(m): m.encode(&w)
        case let .cfheaders(m): m.encode(&w)
        case let .getcfcheckpt(m): m.encode(&w)
        case let .cfcheckpt(m): m.encode(&w)
        case let .sendtxrcncl(m): m.encode(&w)
        case let .feature(m): m.encode(&w)
        case let .unknown(_, payload): w.write(bytes: payload)
        }
    }

    /// Decodes the payload of a `command` message. `offset` is the payload's position in
    /// its frame (24), so errors point into the frame.
    public static func decode(command: Command, payload: ArraySlice<UInt8>, offset: Int = MessageHeader.size) throws(WireError) -> Message {
        var r = WireReader(payload, offset: offset)
        return try decode(command: command, reader: &r)
    }

    /// The decoded field tree of a payload, as far as it decodes, and the error that
    /// stopped it, if any. Ranges are offsets in the frame.
    public static func fields(command: Command, payload: ArraySlice<UInt8>, offset: Int = MessageHeader.size) -> (fields: [Field], error: WireError?) {
        let tracer = FieldTracer()
        var r = WireReader(payload, offset: offset, tracer: tracer)
        do {
            _ = try decode(command: command, reader: &r)
            return (tracer.fields, nil)
        } catch {
            while tracer.depth > 1 { tracer.end(at: r.offset) }
            return (tracer.fields, error)
        }
    }

    static func decode(command: Command, reader r: inout WireReader) throws(WireError) -> Message {
        let message: Message
        switch command {
        case .version:
            message = .version(try VersionMessage.decode(&r))
        case .verack: message = .verack
        case .ping: message = .ping(nonce: try r.readUInt64("nonce"))
        case .pong: message = .pong(nonce: try r.readUInt64("nonce"))
        case .sendheaders: message = .sendheaders
        case .sendcmpct:
            let announce = try r.readBool("announce")
            message = .sendcmpct(announce: announce, version: try r.readUInt64("version"))
        case .feefilter: message = .feefilter(feerate: try r.readInt64("feerate"))
        case .wtxidrelay: message = .wtxidrelay
        case .sendaddrv2: message = .sendaddrv2
        case .getaddr: message = .getaddr
        case .addr: message = .addr(try AddrCodec.decode(&r))
        case .addrv2: message = .addrv2(try AddrV2Entry.decodeList(&r))
        case .inv: message = .inv(try InventoryItem.decodeList(&r))
        case .getdata: message = .getdata(try InventoryItem.decodeList(&r))
        case .notfound: message = .notfound(try InventoryItem.decodeList(&r))
        case .getheaders: message = .getheaders(try BlockLocator.decode(&r))
        case .getblocks: message = .getblocks(try BlockLocator.decode(&r))
        case .headers: message = .headers(try BlockHeader.decodeList(&r))
        case .mempool: message = .mempool
        case .filterclear: message = .filterclear
        case .reject: message = .reject(try RejectMessage.decode(&r))
        case .tx: message = .tx(try Transaction.decode(&r))
        case .block: message = .block(try BlockMessage.decode(&r))
        case .cmpctblock: message = .cmpctblock(try CompactBlock.decode(&r))
        case .getblocktxn: message = .getblocktxn(try BlockTransactionsRequest.decode(&r))
        case .blocktxn: message = .blocktxn(try BlockTransactions.decode(&r))
        case .merkleblock: message = .merkleblock(try MerkleBlockMessage.decode(&r))
        case .filterload: message = .filterload(try FilterLoadMessage.decode(&r))
        case .filteradd: message = .filteradd(try FilterAddMessage.decode(&r))
        case .getcfilters: message = .getcfilters(try GetCFiltersMessage.decode(&r))
        case .cfilter: message = .cfilter(try CFilterMessage.decode(&r))
        case .getcfheaders: message = .getcfheaders(try GetCFHeadersMessage.decode(&r))
        case .cfheaders: message = .cfheaders(try CFHeadersMessage.decode(&r))
        case .getcfcheckpt: message = .getcfcheckpt(try GetCFCheckptMessage.decode(&r))
        case .cfcheckpt: message = .cfcheckpt(try CFCheckptMessage.decode(&r))
        case .sendtxrcncl: message = .sendtxrcncl(try SendTxRcnclMessage.decode(&r))
        case .feature: message = .feature(try FeatureMessage.decode(&r))
        default:
            return .unknown(command: command, payload: r.readRestSharing("payload"))
        }
        try r.expectEnd()
        return message
    }

    /// One line for a message log, as `version 70016 /Satoshi:27.0.0/ h=871234`.
    public var summary: String {
        switch self {
        case let .version(v):
            return "\(command) \(v.version) \(v.userAgent) h=\(v.startHeight)" + (v.relay == false ? " norelay" : "")
        case let .ping(nonce), let .pong(nonce):
            return "\(command) nonce=\(String(nonce, radix: 16))"
        case let .sendcmpct(announce, version): return "\(command) v\(version) announce=\(announce ? 1 : 0)"
        case let .feefilter(rate): return "\(command) \(rate) sat/kvB"
        case let .addr(entries): return "\(command) \(entries.count) address\(entries.count == 1 ? "" : "es")"
        case let .addrv2(entries): return "\(command) \(entries.count) address\(entries.count == 1 ? "" : "es")"
        case let .inv(items), let .getdata(items), let .notfound(items):
            let kinds = Set(items.map(\.typeName)).sorted().joined(separator: ",")
            return "\(command) \(items.count) item\(items.count == 1 ? "" : "s")" + (kinds.isEmpty ? "" : " \(kinds)")
        case let .getheaders(l), let .getblocks(l):
            let tip = l.hashes.first.map { String(Hex.encode($0.reversed()).prefix(16)) } ?? "-"
            return "\(command) \(l.hashes.count) locator tip=\(tip)…"
        case let .headers(h): return "\(command) \(h.count)"
        case let .reject(r): return "\(command) \(r.message) \(r.codeName) \(r.reason)"
        case let .merkleblock(m): return m.summary
        case let .filterload(m): return m.summary
        case let .filteradd(m): return m.summary
        case let .getcfilters(m): return m.summary
        case let .cfilter(m): return m.summary
        case let .getcfheaders(m): return m.summary
        case let .cfheaders(m): return m.summary
        case let .getcfcheckpt(m): return m.summary
        case let .cfcheckpt(m): return m.summary
        case let .sendtxrcncl(m): return m.summary
        case let .feature(m): return m.summary
        case let .tx(m): return m.summary
        case let .block(m): return m.summary
        case let .cmpctblock(m): return m.summary
        case let .getblocktxn(m): return m.summary
        case let .blocktxn(m): return m.summary
        case let .unknown(command, payload): return "\(command) (\(payload.count) bytes, not decoded)"
        case .verack, .sendheaders, .wtxidrelay, .sendaddrv2, .getaddr, .mempool, .filterclear: return command.name
        }
    }
}
