import BitcoinWire

/// One end of a TCP connection: an IPv4 address (kept in its IPv4-mapped IPv6 form) or an
/// IPv6 address, and a port. Compact and cheap to hash: a capture looks one up per packet.
public struct TCPEndpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 16 address bytes, big-endian, as two halves.
    var high: UInt64
    var low: UInt64
    public var port: UInt16

    public var isIPv4: Bool { high == 0 && low >> 32 == 0xffff }

    init(high: UInt64, low: UInt64, port: UInt16) {
        self.high = high
        self.low = low
        self.port = port
    }

    public var ip: IPAddress {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i)))
        }
        return IPAddress(bytes: bytes)
    }

    /// `1.2.3.4:8333` or `[2001:db8::1]:8333`, as the peer table writes addresses.
    public var description: String {
        if isIPv4 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\(v >> 16 & 0xff).\(v >> 8 & 0xff).\(v & 0xff):\(port)"
        }
        return "[\(IPAddress.formatIPv6(ip.bytes))]:\(port)"
    }

    public static func < (a: TCPEndpoint, b: TCPEndpoint) -> Bool {
        (a.high, a.low, a.port) < (b.high, b.low, b.port)
    }
}

/// The TCP flags a reassembler needs.
public struct TCPFlags: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let ack = TCPFlags(rawValue: 0x10)
}

/// A TCP segment found in a packet. `payload` points into the packet's bytes.
public struct TCPSegment {
    public var source: TCPEndpoint
    public var destination: TCPEndpoint
    public var sequence: UInt32
    public var flags: TCPFlags
    /// The payload bytes captured (fewer than `length` when a snaplen cut the packet).
    public var payload: UnsafeRawBufferPointer
    /// The payload's length according to the IP header.
    public var length: Int
}

/// What a packet holds, for the reader of a capture.
public enum ParsedPacket {
    case tcp(TCPSegment)
    /// Not TCP over IPv4 or IPv6 (ARP, UDP, ICMP, …).
    case notTCP
    /// An IP fragment (reassembling IP fragments is not done).
    case fragment
    /// The headers are cut short or inconsistent.
    case malformed
}

/// Parses the link layer, IPv4 or IPv6, and TCP headers of one captured packet.
public enum PacketParser {
    /// The link types understood, as `pcap_datalink` reports them.
    public static let supportedLinkTypes: Set<Int32> = [
        0,  // DLT_NULL: BSD loopback, a 4-byte address family in the writer's byte order
        1,  // DLT_EN10MB: Ethernet (with 802.1Q / 802.1ad tags)
        12, 14, 101,  // DLT_RAW (12 here, 14 on OpenBSD), LINKTYPE_RAW: a bare IP packet
        108,  // DLT_LOOP: OpenBSD loopback, the family big-endian
        113,  // DLT_LINUX_SLL: Linux cooked capture v1 (tcpdump -i any)
        228, 229,  // LINKTYPE_IPV4, LINKTYPE_IPV6
        276,  // DLT_LINUX_SLL2: Linux cooked capture v2 (tcpdump -i any since libpcap 1.10)
    ]

    public static func parse(_ bytes: UnsafeRawBufferPointer, linkType: Int32) -> ParsedPacket {
        var at: Int
        var etherType: Int?  // nil: tell IPv4 from IPv6 by the version nibble
        switch linkType {
        case 1:
            guard bytes.count >= 14 else { return .malformed }
            at = 12
            var type = u16(bytes, at)
            // 802.1Q, 802.1ad and the old QinQ tag: 4 bytes each, the type after them.
            while type == 0x8100 || type == 0x88a8 || type == 0x9100 {
                at += 4
                guard bytes.count >= at + 2 else { return .malformed }
                type = u16(bytes, at)
            }
            at += 2
            etherType = type
        case 113:
            guard bytes.count >= 16 else { return .malformed }
            etherType = u16(bytes, 14)
            at = 16
        case 276:
            guard bytes.count >= 20 else { return .malformed }
            etherType = u16(bytes, 0)
            at = 20
        case 0, 108:
            at = 4
        default:  // raw IP
            at = 0
        }
        if let etherType, etherType != 0x0800, etherType != 0x86dd { return .notTCP }
        guard bytes.count > at else { return .malformed }
        switch bytes[at] >> 4 {
        case 4: return ipv4(bytes, at)
        case 6: return ipv6(bytes, at)
        default: return etherType == nil ? .notTCP : .malformed
        }
    }

    private static func ipv4(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> ParsedPacket {
        guard bytes.count >= start + 20 else { return .malformed }
        let headerLength = Int(bytes[start] & 0x0f) * 4
        let total = u16(bytes, start + 2)
        // A total length of 0 comes from segmentation offload: take what was captured.
        let end = total == 0 ? bytes.count : start + total
        guard headerLength >= 20, total == 0 || total >= headerLength, bytes.count >= start + headerLength else { return .malformed }
        let fragment = u16(bytes, start + 6)
        guard bytes[start + 9] == 6 else { return .notTCP }
        if fragment & 0x2000 != 0 || fragment & 0x1fff != 0 { return .fragment }
        let source = TCPEndpoint(high: 0, low: 0xffff_0000_0000 | UInt64(u32(bytes, start + 12)), port: 0)
        let destination = TCPEndpoint(high: 0, low: 0xffff_0000_0000 | UInt64(u32(bytes, start + 16)), port: 0)
        return tcp(bytes, start + headerLength, end: end, source, destination)
    }

    private static func ipv6(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> ParsedPacket {
        guard bytes.count >= start + 40 else { return .malformed }
        let end = start + 40 + u16(bytes, start + 4)
        var next = bytes[start + 6]
        var at = start + 40
        // Extension headers: hop-by-hop, routing, destination options, fragment, AH.
        while true {
            switch next {
            case 6:
                let source = TCPEndpoint(high: u64(bytes, start + 8), low: u64(bytes, start + 16), port: 0)
                let destination = TCPEndpoint(high: u64(bytes, start + 24), low: u64(bytes, start + 32), port: 0)
                return tcp(bytes, at, end: end, source, destination)
            case 0, 43, 60:
                guard bytes.count >= at + 2 else { return .malformed }
                next = bytes[at]
                at += (Int(bytes[at + 1]) + 1) * 8
            case 44:
                guard bytes.count >= at + 8 else { return .malformed }
                if u16(bytes, at + 2) & 0xfff9 != 0 { return .fragment }  // an offset, or more to come
                next = bytes[at]
                at += 8
            case 51:
                guard bytes.count >= at + 2 else { return .malformed }
                next = bytes[at]
                at += (Int(bytes[at + 1]) + 2) * 4
            default:
                return .notTCP
            }
        }
    }

    private static func tcp(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, end: Int, _ source: TCPEndpoint, _ destination: TCPEndpoint
    ) -> ParsedPacket {
        guard bytes.count >= start + 20, end >= start + 20 else { return .malformed }
        let headerLength = Int(bytes[start + 12] >> 4) * 4
        guard headerLength >= 20, end >= start + headerLength, bytes.count >= start + headerLength else { return .malformed }
        var s = source, d = destination
        s.port = UInt16(u16(bytes, start))
        d.port = UInt16(u16(bytes, start + 2))
        let payloadStart = start + headerLength
        let captured = min(end, bytes.count)
        let payload = UnsafeRawBufferPointer(rebasing: bytes[payloadStart..<max(payloadStart, captured)])
        return .tcp(TCPSegment(
            source: s, destination: d, sequence: u32(bytes, start + 4),
            flags: TCPFlags(rawValue: bytes[start + 13] & 0x17), payload: payload, length: end - payloadStart))
    }

    private static func u16(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int { Int(b[at]) << 8 | Int(b[at + 1]) }
    private static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }
    private static func u64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(u32(b, at)) << 32 | UInt64(u32(b, at + 4))
    }
}
