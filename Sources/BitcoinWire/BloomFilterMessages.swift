/// BIP37 `filterload`: a bloom filter the peer should match transactions against.
public struct FilterLoadMessage: Hashable, Sendable {
    public static let command = Command.filterload
    /// Bitcoin Core's `MAX_BLOOM_FILTER_SIZE`, in bytes.
    public static let maxFilterLength = 36_000
    /// Bitcoin Core's `MAX_HASH_FUNCS`.
    public static let maxHashFunctions: UInt32 = 50

    public var filter: [UInt8]
    public var hashFunctions: UInt32
    public var tweak: UInt32
    /// `BLOOM_UPDATE_NONE` 0, `BLOOM_UPDATE_ALL` 1, `BLOOM_UPDATE_P2PUBKEY_ONLY` 2.
    public var flags: UInt8

    public init(filter: [UInt8], hashFunctions: UInt32, tweak: UInt32, flags: UInt8) {
        self.filter = filter
        self.hashFunctions = hashFunctions
        self.tweak = tweak
        self.flags = flags
    }

    /// The name of an `nFlags` value; unknown values are shown in hex.
    public static func flagsName(_ flags: UInt8) -> String {
        switch flags {
        case 0: return "BLOOM_UPDATE_NONE"
        case 1: return "BLOOM_UPDATE_ALL"
        case 2: return "BLOOM_UPDATE_P2PUBKEY_ONLY"
        default: return "0x" + Hex.encode([flags])
        }
    }

    /// `filterload 1024 bytes 11 hash functions tweak=0x1234 BLOOM_UPDATE_ALL`.
    public var summary: String {
        "filterload \(filter.count) byte\(filter.count == 1 ? "" : "s") \(hashFunctions) hash function\(hashFunctions == 1 ? "" : "s")"
            + " tweak=0x\(String(tweak, radix: 16)) \(Self.flagsName(flags))"
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> FilterLoadMessage {
        let filter = try r.readVarBytes("filter", limit: maxFilterLength)
        let funcsStart = r.offset
        let funcs = try r.readUInt32("nHashFuncs")
        guard funcs <= maxHashFunctions else {
            throw .invalidValue(field: "nHashFuncs", offset: funcsStart, reason: "\(funcs) is above the limit of \(maxHashFunctions)")
        }
        let tweak = try r.readUInt32("nTweak")
        let flagsStart = r.offset
        let flags = try r.readUInt8Quiet("nFlags")
        r.record("nFlags", from: flagsStart, .text(flagsName(flags)))
        return FilterLoadMessage(filter: filter, hashFunctions: funcs, tweak: tweak, flags: flags)
    }

    public func encode(_ w: inout WireWriter) {
        w.writeVarBytes(filter)
        w.write(hashFunctions)
        w.write(tweak)
        w.write(flags)
    }
}

/// BIP37 `filteradd`: one element (a script push) to add to the loaded bloom filter.
public struct FilterAddMessage: Hashable, Sendable {
    public static let command = Command.filteradd
    /// Bitcoin Core's `MAX_SCRIPT_ELEMENT_SIZE`.
    public static let maxElementLength = 520

    public var element: [UInt8]

    public init(element: [UInt8]) { self.element = element }

    /// `filteradd 20 bytes 89abcdef…`.
    public var summary: String {
        "filteradd \(element.count) byte\(element.count == 1 ? "" : "s")" + (element.isEmpty ? "" : " \(Hex.encode(element.prefix(8)))\(element.count > 8 ? "…" : "")")
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> FilterAddMessage {
        FilterAddMessage(element: try r.readVarBytes("data", limit: maxElementLength))
    }

    public func encode(_ w: inout WireWriter) { w.writeVarBytes(element) }
}
