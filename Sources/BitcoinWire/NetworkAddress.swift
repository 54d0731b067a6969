/// A 16-byte IPv6 address; IPv4 addresses are IPv4-mapped (`::ffff:a.b.c.d`).
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// Always 16 bytes, network order.
    public private(set) var bytes: [UInt8]

    /// From 16 bytes, or 4 bytes of IPv4 (mapped). Other lengths give `::`.
    public init(bytes: [UInt8]) {
        switch bytes.count {
        case 16: self.bytes = bytes
        case 4: self.bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] + bytes
        default: self.bytes = [UInt8](repeating: 0, count: 16)
        }
    }

    public static let unspecified = IPAddress(bytes: [UInt8](repeating: 0, count: 16))

    /// Parses dotted IPv4 or textual IPv6.
    public init?(_ text: String) {
        if let v4 = Self.parseIPv4(Substring(text)) { self.init(bytes: v4); return }
        guard let v6 = Self.parseIPv6(text) else { return nil }
        self.init(bytes: v6)
    }

    /// The IPv4 bytes when the address is IPv4-mapped.
    public var ipv4: [UInt8]? {
        bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff ? Array(bytes[12...]) : nil
    }

    public var description: String {
        if let v4 = ipv4 { return v4.map(String.init).joined(separator: ".") }
        return Self.formatIPv6(bytes)
    }

    /// RFC 5952 text: lower-case hex groups, the longest run of zero groups (2 or more) as `::`.
    public static func formatIPv6(_ bytes: [UInt8]) -> String {
        guard bytes.count == 16 else { return Hex.encode(bytes) }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var bestStart = -1, bestLength = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLength && j - i >= 2 { bestStart = i; bestLength = j - i }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ range: Range<Int>) -> String { range.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    /// Dotted-quad text: four decimal numbers of one to three digits, each at most 255.
    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(4)
        var value = 0, digits = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, out.count < 3 else { return nil }
                out.append(UInt8(value))
                value = 0
                digits = 0
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                guard digits <= 3, value <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, out.count == 3 else { return nil }
        out.append(UInt8(value))
        return out
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.utf8.contains(UInt8(ascii: ":")), text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt8]? {
            if s.isEmpty { return [] }
            var out: [UInt8] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, p) in parts.enumerated() {
                if i == parts.count - 1, p.contains(".") {
                    guard let v4 = parseIPv4(p) else { return nil }
                    out += v4
                } else {
                    guard !p.isEmpty, p.count <= 4, let v = UInt16(p, radix: 16) else { return nil }
                    out += [UInt8(v >> 8), UInt8(v & 0xff)]
                }
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

/// A network address as in `version` (no time field) and `addr` (with one).
public struct NetworkAddress: Hashable, Sendable, CustomStringConvertible {
    public var services: ServiceFlags
    public var ip: IPAddress
    public var port: UInt16

    public init(services: ServiceFlags = [], ip: IPAddress = .unspecified, port: UInt16 = 0) {
        self.services = services
        self.ip = ip
        self.port = port
    }

    /// `1.2.3.4:8333` or `[::1]:8333`.
    public var description: String {
        ip.ipv4 != nil ? "\(ip):\(port)" : "[\(ip)]:\(port)"
    }

    /// 26 bytes: services, IP, port.
    public static let encodedSize = 26

    /// An address as the group field `name` (as `addr_recv` in version).
    static func decode(_ r: inout WireReader, _ name: String) throws(WireError) -> NetworkAddress {
        r.beginGroup(name)
        let address = try decodeFields(&r)
        r.endGroup()
        return address
    }

    /// The three fields, recorded in the current group (an `addr` entry adds its time).
    static func decodeFields(_ r: inout WireReader) throws(WireError) -> NetworkAddress {
        let services = try r.readServices("services")
        let ipStart = r.offset
        let ip = IPAddress(bytes: try r.readBytesUntraced(16, "ip"))
        r.record("ip", from: ipStart, .address(ip.description))
        let port = try r.readPort("port")
        return NetworkAddress(services: services, ip: ip, port: port)
    }

    func encode(_ w: inout WireWriter) {
        w.write(services.rawValue)
        w.write(bytes: ip.bytes)
        w.writePort(port)
    }
}

/// An `addr` entry: a network address with the time it was last seen.
public struct TimestampedAddress: Hashable, Sendable {
    public var time: UInt32
    public var address: NetworkAddress

    public init(time: UInt32, address: NetworkAddress) {
        self.time = time
        self.address = address
    }
}
