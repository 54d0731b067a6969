/// BIP157/158 filter types.
public enum CompactFilterType {
    /// BIP158's basic filter.
    public static let basic: UInt8 = 0
    /// Bitcoin Core's `MAX_GETCFILTERS_SIZE`: filters per `getcfilters`.
    public static let maxFiltersPerRequest = 1000
    /// Bitcoin Core's `MAX_GETCFHEADERS_SIZE`: hashes per `cfheaders`.
    public static let maxHeadersPerMessage = 2000

    /// `basic`, or the number of a type BIP158 does not define.
    public static func name(_ type: UInt8) -> String { type == basic ? "basic" : "type \(type)" }

    static func read(_ r: inout WireReader) throws(WireError) -> UInt8 {
        let start = r.offset
        let type = try r.readUInt8Quiet("filter_type")
        r.record("filter_type", from: start, .text(type == basic ? "0 (basic)" : "\(type) (unknown)"))
        return type
    }

    /// The first 16 hex digits of a hash in display order.
    static func short(_ hash: [UInt8]) -> String { String(Hex.encode(hash.reversed()).prefix(16)) + "…" }
}

/// The layout `getcfilters` and `getcfheaders` share: filter type, start height, stop hash.
enum CompactFilterRange {
    static func read(_ r: inout WireReader) throws(WireError) -> (UInt8, UInt32, [UInt8]) {
        let type = try CompactFilterType.read(&r)
        let start = try r.readUInt32("start_height")
        return (type, start, try r.readHash("stop_hash"))
    }

    static func write(_ type: UInt8, _ start: UInt32, _ stop: [UInt8], _ w: inout WireWriter) {
        w.write(type)
        w.write(start)
        w.write(bytes: stop)
    }
}

/// BIP157 `getcfilters`: asks for the filters of the blocks from `startHeight` to `stopHash`.
public struct GetCFiltersMessage: Hashable, Sendable {
    public static let command = Command.getcfilters

    public var filterType: UInt8
    public var startHeight: UInt32
    /// Wire order.
    public var stopHash: [UInt8]

    public init(filterType: UInt8 = CompactFilterType.basic, startHeight: UInt32, stopHash: [UInt8]) {
        self.filterType = filterType
        self.startHeight = startHeight
        self.stopHash = stopHash
    }

    /// `getcfilters basic from 800000 to 00000000000000000002…`.
    public var summary: String {
        "getcfilters \(CompactFilterType.name(filterType)) from \(startHeight) to \(CompactFilterType.short(stopHash))"
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> GetCFiltersMessage {
        let (type, start, stop) = try CompactFilterRange.read(&r)
        return GetCFiltersMessage(filterType: type, startHeight: start, stopHash: stop)
    }

    public func encode(_ w: inout WireWriter) { CompactFilterRange.write(filterType, startHeight, stopHash, &w) }
}

/// BIP157 `getcfheaders`: asks for the filter headers from `startHeight` to `stopHash`.
public struct GetCFHeadersMessage: Hashable, Sendable {
    public static let command = Command.getcfheaders

    public var filterType: UInt8
    public var startHeight: UInt32
    /// Wire order.
    public var stopHash: [UInt8]

    public init(filterType: UInt8 = CompactFilterType.basic, startHeight: UInt32, stopHash: [UInt8]) {
        self.filterType = filterType
        self.startHeight = startHeight
        self.stopHash = stopHash
    }

    /// `getcfheaders basic from 800000 to 00000000000000000002…`.
    public var summary: String {
        "getcfheaders \(CompactFilterType.name(filterType)) from \(startHeight) to \(CompactFilterType.short(stopHash))"
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> GetCFHeadersMessage {
        let (type, start, stop) = try CompactFilterRange.read(&r)
        return GetCFHeadersMessage(filterType: type, startHeight: start, stopHash: stop)
    }

    public func encode(_ w: inout WireWriter) { CompactFilterRange.write(filterType, startHeight, stopHash, &w) }
}

/// BIP157 `cfilter`: one block's filter. For BIP158 filters the bytes start with a
/// CompactSize N, the number of elements, then the Golomb-coded set.
public struct CFilterMessage: Hashable, Sendable {
    public static let command = Command.cfilter

    public var filterType: UInt8
    /// Wire order.
    public var blockHash: [UInt8]
    public var filter: [UInt8]

    public init(filterType: UInt8 = CompactFilterType.basic, blockHash: [UInt8], filter: [UInt8]) {
        self.filterType = filterType
        self.blockHash = blockHash
        self.filter = filter
    }

    /// The GCS element count N at the start of the filter, when it reads as a canonical
    /// CompactSize.
    public var elementCount: UInt64? {
        var r = WireReader(filter[...])
        return try? r.readCompactSizeQuiet("N")
    }

    /// `cfilter basic 000000000000000000012a… 1234 bytes N=2510`.
    public var summary: String {
        "cfilter \(CompactFilterType.name(filterType)) \(CompactFilterType.short(blockHash)) \(filter.count) byte\(filter.count == 1 ? "" : "s")"
            + (elementCount.map { " N=\($0)" } ?? "")
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> CFilterMessage {
        let type = try CompactFilterType.read(&r)
        let hash = try r.readHash("block_hash")
        r.beginGroup("filter")
        let length = try r.readCount("filter_length", limit: MessageHeader.maxPayloadLength, minimumElementSize: 1)
        let start = r.offset
        let filter = try r.readBytesUntraced(length, "filter")
        if r.tracer != nil {
            var inner = WireReader(filter[...], offset: start, tracer: r.tracer)
            if (try? inner.readCompactSize("N")) != nil {
                _ = inner.readRest("gcs")
            } else if !filter.isEmpty {
                _ = inner.readRest("data")
            }
        }
        r.endGroup()
        return CFilterMessage(filterType: type, blockHash: hash, filter: filter)
    }

    public func encode(_ w: inout WireWriter) {
        w.write(filterType)
        w.write(bytes: blockHash)
        w.writeVarBytes(filter)
    }
}

/// BIP157 `cfheaders`: the filter hashes of a range of blocks ending at `stopHash`, and
/// the filter header before the first, from which the others chain.
public struct CFHeadersMessage: Hashable, Sendable {
    public static let command = Command.cfheaders

    public var filterType: UInt8
    /// Wire order.
    public var stopHash: [UInt8]
    /// Wire order.
    public var previousFilterHeader: [UInt8]
    /// Wire order.
    public var filterHashes: [[UInt8]]

    public init(filterType: UInt8 = CompactFilterType.basic, stopHash: [UInt8], previousFilterHeader: [UInt8], filterHashes: [[UInt8]]) {
        self.filterType = filterType
        self.stopHash = stopHash
        self.previousFilterHeader = previousFilterHeader
        self.filterHashes = filterHashes
    }

    /// The filter headers the hashes chain to: header = dSHA256(filter hash ‖ previous header).
    public var filterHeaders: [[UInt8]] {
        var previous = previousFilterHeader
        return filterHashes.map { h in
            previous = DoubleSHA256.hash(h + previous)
            return previous
        }
    }

    /// `cfheaders basic 2000 hashes to 00000000000000000002…`.
    public var summary: String {
        "cfheaders \(CompactFilterType.name(filterType)) \(filterHashes.count) hash\(filterHashes.count == 1 ? "" : "es") to \(CompactFilterType.short(stopHash))"
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> CFHeadersMessage {
        let type = try CompactFilterType.read(&r)
        let stop = try r.readHash("stop_hash")
        let previous = try r.readHash("previous_filter_header")
        let count = try r.readCount("filter_hashes_length", limit: CompactFilterType.maxHeadersPerMessage, minimumElementSize: 32)
        var hashes: [[UInt8]] = []
        hashes.reserveCapacity(count)
        r.beginGroup("filter_hashes")
        for i in 0..<count { hashes.append(try r.readHash("filter_hash[\(i)]")) }
        r.endGroup()
        return CFHeadersMessage(filterType: type, stopHash: stop, previousFilterHeader: previous, filterHashes: hashes)
    }

    public func encode(_ w: inout WireWriter) {
        w.write(filterType)
        w.write(bytes: stopHash)
        w.write(bytes: previousFilterHeader)
        w.writeCompactSize(UInt64(filterHashes.count))
        for h in filterHashes { w.write(bytes: h) }
    }
}

/// BIP157 `getcfcheckpt`: asks for the filter header of every 1000th block up to `stopHash`.
public struct GetCFCheckptMessage: Hashable, Sendable {
    public static let command = Command.getcfcheckpt

    public var filterType: UInt8
    /// Wire order.
    public var stopHash: [UInt8]

    public init(filterType: UInt8 = CompactFilterType.basic, stopHash: [UInt8]) {
        self.filterType = filterType
        self.stopHash = stopHash
    }

    /// `getcfcheckpt basic to 00000000000000000002…`.
    public var summary: String { "getcfcheckpt \(CompactFilterType.name(filterType)) to \(CompactFilterType.short(stopHash))" }

    public static func decode(_ r: inout WireReader) throws(WireError) -> GetCFCheckptMessage {
        let type = try CompactFilterType.read(&r)
        return GetCFCheckptMessage(filterType: type, stopHash: try r.readHash("stop_hash"))
    }

    public func encode(_ w: inout WireWriter) {
        w.write(filterType)
        w.write(bytes: stopHash)
    }
}

/// BIP157 `cfcheckpt`: the filter headers at every 1000th block up to `stopHash`.
public struct CFCheckptMessage: Hashable, Sendable {
    public static let command = Command.cfcheckpt
    /// BIP157 sets no limit; a 4 MB payload holds at most this many.
    public static let maxHeaders = MessageHeader.maxPayloadLength / 32

    public var filterType: UInt8
    /// Wire order.
    public var stopHash: [UInt8]
    /// Wire order.
    public var filterHeaders: [[UInt8]]

    public init(filterType: UInt8 = CompactFilterType.basic, stopHash: [UInt8], filterHeaders: [[UInt8]]) {
        self.filterType = filterType
        self.stopHash = stopHash
        self.filterHeaders = filterHeaders
    }

    /// `cfcheckpt basic 870 headers to 00000000000000000002…`.
    public var summary: String {
        "cfcheckpt \(CompactFilterType.name(filterType)) \(filterHeaders.count) header\(filterHeaders.count == 1 ? "" : "s") to \(CompactFilterType.short(stopHash))"
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> CFCheckptMessage {
        let type = try CompactFilterType.read(&r)
        let stop = try r.readHash("stop_hash")
        let count = try r.readCount("filter_headers_length", limit: maxHeaders, minimumElementSize: 32)
        var headers: [[UInt8]] = []
        headers.reserveCapacity(count)
        r.beginGroup("filter_headers")
        for i in 0..<count { headers.append(try r.readHash("filter_header[\(i)]")) }
        r.endGroup()
        return CFCheckptMessage(filterType: type, stopHash: stop, filterHeaders: headers)
    }

    public func encode(_ w: inout WireWriter) {
        w.write(filterType)
        w.write(bytes: stopHash)
        w.writeCompactSize(UInt64(filterHeaders.count))
        for h in filterHeaders { w.write(bytes: h) }
    }
}
