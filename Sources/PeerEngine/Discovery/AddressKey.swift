import BitcoinWire

/// One address as the address book keys it: BIP155 network id, up to 32 address bytes and
/// the port, stored inline (no heap allocation per entry: 40 bytes).
///
/// IPv4 is network 1 with 4 bytes, whether it came in `addr` (IPv4-mapped) or `addrv2`.
/// Unknown network ids are kept with their bytes when they fit in 32 bytes.
public struct AddressKey: Hashable, Sendable, CustomStringConvertible {
    public let networkID: UInt8
    public let port: UInt16
    /// Number of address bytes (4, 16, 32, … up to 32).
    public let length: UInt8
    private let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The longest address kept (TorV3 and I2P: 32 bytes).
    public static let maxLength = 32

    /// Nil when `bytes` is longer than ``maxLength``.
    public init?(networkID: UInt8, bytes: [UInt8], port: UInt16) {
        guard bytes.count <= Self.maxLength else { return nil }
        self.init(packing: networkID, bytes, port)
    }

    /// Packs at most the first 32 bytes.
    private init(packing network: UInt8, _ bytes: [UInt8], _ port: UInt16) {
        // Four words in registers: a [UInt64] here was a heap allocation per key.
        func word(_ n: Int) -> UInt64 {
            var w: UInt64 = 0
            for i in stride(from: min(bytes.count, Self.maxLength, 8 * n + 8) - 1, through: 8 * n, by: -1) {
                w = w << 8 | UInt64(bytes[i])
            }
            return w
        }
        networkID = network
        self.port = port
        length = UInt8(min(bytes.count, Self.maxLength))
        (w0, w1, w2, w3) = (word(0), word(1), word(2), word(3))
    }

    /// From an `addr` entry: IPv4-mapped addresses become IPv4.
    public init(_ address: NetworkAddress) {
        if let v4 = address.ip.ipv4 {
            self.init(packing: 1, v4, address.port)
        } else {
            self.init(packing: 2, address.ip.bytes, address.port)
        }
    }

    /// From `host:port` or `[v6]:port` with a numeric host; nil for names and bad text.
    public init?(endpoint text: String) {
        guard case let .success(e) = Endpoint.parse(text, defaultPort: 0), let ip = IPAddress(e.host) else { return nil }
        self.init(NetworkAddress(ip: ip, port: e.port))
    }

    /// The address bytes.
    public var bytes: [UInt8] {
        (0..<Int(length)).map { i in
            let word = i < 16 ? (i < 8 ? w0 : w1) : (i < 24 ? w2 : w3)
            return UInt8(truncatingIfNeeded: word >> UInt64(8 * (i % 8)))
        }
    }

    /// The BIP155 network, nil for an unknown id.
    public var network: AddrV2Network? { AddrV2Network(rawValue: networkID) }

    /// `ipv4`, `ipv6`, `torv3`, `i2p`, `cjdns`, `torv2` or `unknown`.
    public var networkName: String { network?.name.lowercased() ?? "unknown" }

    /// IPv4 and IPv6: reachable over a plain TCP connection (the others need a proxy or
    /// are not dialable at all).
    public var isDialable: Bool { (networkID == 1 || networkID == 2) && port != 0 }

    /// 127.0.0.0/8 or ::1.
    public var isLoopback: Bool {
        let b = bytes
        switch networkID {
        case 1: return b.first == 127
        case 2: return b == [UInt8](repeating: 0, count: 15) + [1]
        default: return false
        }
    }

    /// The host as people write it: dotted IPv4, IPv6, `….onion`, `….b32.i2p`.
    public var host: String {
        AddrV2Entry(time: 0, services: [], networkID: networkID, address: bytes, port: port).addressText
    }

    /// `1.2.3.4:8333`, `[2001:db8::1]:8333`, `….onion:8333` (the form `connect` takes for
    /// IPv4 and IPv6).
    public var description: String {
        networkID == 2 || networkID == 6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
