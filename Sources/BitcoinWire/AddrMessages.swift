/// `addr` and `addrv2` limits (Bitcoin Core's `MAX_ADDR_TO_SEND`).
public enum AddrLimits {
    public static let maxEntries = 1000
    /// BIP155: addresses longer than 512 bytes make the message invalid.
    public static let maxAddrV2Length = 512

    /// The entry count an `addr` or `addrv2` payload declares in its leading CompactSize,
    /// read even when the message does not decode; nil when the payload is too short to
    /// hold one.
    public static func declaredCount(_ payload: ArraySlice<UInt8>) -> Int? {
        var r = WireReader(payload)
        return (try? r.readCompactSize("count")).map { Int(clamping: $0) }
    }

    /// Bitcoin Core disconnects a peer whose `addr` or `addrv2` holds more than
    /// ``maxEntries`` entries. The reason, or nil when `payload` is within the limit.
    public static func oversizedReason(command: Command, payload: ArraySlice<UInt8>) -> String? {
        if command == .addr || command == .addrv2, let n = declaredCount(payload), n > maxEntries {
            return "\(command) with \(n) entries (more than 1,000: Core disconnects)"
        }
        // The same rule for inventories and headers (Core: MAX_INV_SZ, MAX_HEADERS_RESULTS).
        let limit: Int
        switch command {
        case .inv, .getdata: limit = InventoryItem.maxCount
        case .headers: limit = BlockHeader.maxPerMessage
        default: return nil
        }
        guard let n = declaredCount(payload), n > limit else { return nil }
        return "\(command) with \(n) entries (more than \(limit): Core disconnects)"
    }
}

/// Decoding and encoding of `addr`'s entry list.
enum AddrCodec {
    static func decode(_ r: inout WireReader) throws(WireError) -> [TimestampedAddress] {
        let count = try r.readCount("count", limit: AddrLimits.maxEntries, minimumElementSize: 30)
        var out: [TimestampedAddress] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            r.beginGroup("addr[\(i)]")
            let time = try r.readTime32("time")
            let address = try NetworkAddress.decodeFields(&r)
            r.endGroup()
            out.append(TimestampedAddress(time: time, address: address))
        }
        return out
    }

    static func encode(_ entries: [TimestampedAddress], _ w: inout WireWriter) {
        w.writeCompactSize(UInt64(entries.count))
        for e in entries {
            w.write(e.time)
            e.address.encode(&w)
        }
    }
}

/// BIP155 network identifiers.
public enum AddrV2Network: UInt8, Sendable, CaseIterable {
    case ipv4 = 1, ipv6 = 2, torV2 = 3, torV3 = 4, i2p = 5, cjdns = 6

    /// The address length BIP155 requires.
    public var addressLength: Int {
        switch self {
        case .ipv4: return 4
        case .ipv6, .cjdns: return 16
        case .torV2: return 10
        case .torV3, .i2p: return 32
        }
    }

    public var name: String {
        switch self {
        case .ipv4: return "IPV4"
        case .ipv6: return "IPV6"
        case .torV2: return "TORV2"
        case .torV3: return "TORV3"
        case .i2p: return "I2P"
        case .cjdns: return "CJDNS"
        }
    }
}

/// One BIP155 `addrv2` entry.
public struct AddrV2Entry: Hashable, Sendable {
    public var time: UInt32
    public var services: ServiceFlags
    /// The raw network id (unknown ids are kept, as BIP155 asks).
    public var networkID: UInt8
    public var address: [UInt8]
    public var port: UInt16

    public init(time: UInt32, services: ServiceFlags, networkID: UInt8, address: [UInt8], port: UInt16) {
        self.time = time
        self.services = services
        self.networkID = networkID
        self.address = address
        self.port = port
    }

    /// The address as people write it: dotted IPv4, IPv6, `….onion`, `….b32.i2p`.
    public var addressText: String {
        switch AddrV2Network(rawValue: networkID) {
        case .ipv4: return address.map(String.init).joined(separator: ".")
        case .ipv6, .cjdns: return IPAddress.formatIPv6(address)
        case .torV2: return Base32.encode(address) + ".onion"
        case .torV3: return TorV3.onionAddress(publicKey: address)
        case .i2p: return Base32.encode(address) + ".b32.i2p"
        case nil: return "network \(networkID): \(Hex.encode(address))"
        }
    }

    static func decodeList(_ r: inout WireReader) throws(WireError) -> [AddrV2Entry] {
        // time 4 + services ≥1 + network 1 + length ≥1 + port 2.
        let count = try r.readCount("count", limit: AddrLimits.maxEntries, minimumElementSize: 9)
        var out: [AddrV2Entry] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            r.beginGroup("addr[\(i)]")
            let time = try r.readTime32("time")
            let servicesStart = r.offset
            let services = ServiceFlags(rawValue: try r.readCompactSizeQuiet("services"))
            r.record("services", from: servicesStart, .services(services))
            let network = try r.readUInt8("network_id")
            let addrStart = r.offset
            let address = try r.readVarBytesQuiet("addr", limit: AddrLimits.maxAddrV2Length)
            if let known = AddrV2Network(rawValue: network), known.addressLength != address.count {
                throw .invalidValue(
                    field: "addr", offset: addrStart,
                    reason: "\(known.name) address must be \(known.addressLength) bytes, got \(address.count)")
            }
            let entry0 = AddrV2Entry(time: time, services: services, networkID: network, address: address, port: 0)
            r.record("addr", from: addrStart, .address(entry0.addressText))
            let port = try r.readPort("port")
            r.endGroup()
            out.append(AddrV2Entry(time: time, services: services, networkID: network, address: address, port: port))
        }
        return out
    }

    static func encodeList(_ entries: [AddrV2Entry], _ w: inout WireWriter) {
        w.writeCompactSize(UInt64(entries.count))
        for e in entries {
            w.write(e.time)
            w.writeCompactSize(e.services.rawValue)
            w.write(e.networkID)
            w.writeVarBytes(e.address)
            w.writePort(e.port)
        }
    }
}

/// RFC 4648 base32, lower case, no padding (as onion and I2P addresses use it).
public enum Base32 {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for b in bytes {
            buffer = buffer << 8 | UInt32(b)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Tor v3 onion addresses: base32(pubkey ‖ checksum ‖ version) + ".onion", where the
/// checksum is the first 2 bytes of SHA3-256(".onion checksum" ‖ pubkey ‖ version).
enum TorV3 {
    static func onionAddress(publicKey: [UInt8]) -> String {
        let version: UInt8 = 3
        let checksum = SHA3_256.hash(Array(".onion checksum".utf8) + publicKey + [version])
        return Base32.encode(publicKey + checksum[0..<2] + [version]) + ".onion"
    }
}
