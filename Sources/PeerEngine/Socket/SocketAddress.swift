import BitcoinWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `HOST[:PORT]` the user typed, before resolution.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    /// Parses `host`, `host:port`, `1.2.3.4:port`, `[v6]:port` or a bare IPv6 address.
    public static func parse(_ text: String, defaultPort: UInt16, allowPortZero: Bool = false) -> Result<Endpoint, EngineError> {
        // Most addresses come untrimmed-clean (thousands at once from a script): Foundation's
        // trimming only when an end is not plain ASCII.
        let t = text.utf8.first.map(Self.isPlainASCII) == true && text.utf8.last.map(Self.isPlainASCII) == true
            ? text : text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return .failure(EngineError("empty address")) }
        var host = t
        var portText: Substring?
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]") else { return .failure(EngineError("bad address '\(text)': missing ']'")) }
            host = String(t[t.index(after: t.startIndex)..<close])
            guard host.utf8.contains(UInt8(ascii: ":")), IPAddress(host) != nil else {
                return .failure(EngineError("bad address '\(text)': brackets are for IPv6 addresses"))
            }
            let rest = t[t.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return .failure(EngineError("bad address '\(text)': expected ':PORT' after ']'")) }
                portText = rest.dropFirst()
            }
        } else if t.utf8.lazy.filter({ $0 == UInt8(ascii: ":") }).count == 1, let colon = t.firstIndex(of: ":") {
            host = String(t[..<colon])
            portText = t[t.index(after: colon)...]
        }
        guard !host.isEmpty else { return .failure(EngineError("bad address '\(text)': no host")) }
        if host.utf8.contains(UInt8(ascii: ":")) && IPAddress(host) == nil {
            return .failure(EngineError("bad address '\(text)': not an IPv6 address (write [IPv6]:PORT, or HOST:PORT)"))
        }
        guard host.utf8.allSatisfy(Self.isHostByte) else {
            return .failure(EngineError("bad address '\(text)': invalid characters in host"))
        }
        var port = defaultPort
        if let portText {
            guard let p = UInt16(portText), p > 0 || allowPortZero else {
                return .failure(EngineError("bad port '\(portText)' in '\(text)': use 1-65535"))
            }
            port = p
        }
        return .success(Endpoint(host: host, port: port))
    }

    /// A printable ASCII byte other than a space.
    private static func isPlainASCII(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7f }

    /// A letter, a digit, or one of `-._:`.
    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }

    /// A place to listen: `HOST:PORT`, or a bare `PORT` meaning loopback (0 picks a free
    /// port).
    public static func parseListen(_ text: String) -> Result<Endpoint, EngineError> {
        let full = !text.isEmpty && text.allSatisfy(\.isNumber) ? "127.0.0.1:\(text)" : text
        guard case let .success(parsed) = parse(full, defaultPort: 0, allowPortZero: true),
              parsed.port != 0 || full.hasSuffix(":0")
        else {
            return .failure(EngineError("bad listen address '\(text)': use HOST:PORT or PORT (1-65535, or 0 for any free port)"))
        }
        return .success(parsed)
    }

    /// `host:port`, or `[v6]:port`.
    public var description: String { host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A resolved IPv4 or IPv6 socket address.
struct SocketAddress: Sendable, CustomStringConvertible {
    var storage: sockaddr_storage
    var length: socklen_t

    var family: Int32 { Int32(storage.ss_family) }

    /// Numeric address and port.
    var ip: IPAddress {
        var s = storage
        return withUnsafePointer(to: &s) { p in
            if family == AF_INET {
                return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    withUnsafeBytes(of: sin.pointee.sin_addr) { IPAddress(bytes: Array($0)) }
                }
            }
            return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                withUnsafeBytes(of: sin6.pointee.sin6_addr) { IPAddress(bytes: Array($0)) }
            }
        }
    }

    var port: UInt16 {
        var s = storage
        return withUnsafePointer(to: &s) { p in
            if family == AF_INET {
                return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
            return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
        }
    }

    var description: String {
        let ip = self.ip
        return ip.ipv4 != nil ? "\(ip):\(port)" : "[\(ip)]:\(port)"
    }

    /// The socket address of a numeric `ip` and `port`, built directly (getaddrinfo costs
    /// more than the connect it serves when thousands of peers are dialled at once).
    init(ip: IPAddress, port: UInt16) {
        var storage = sockaddr_storage()
        if let v4 = ip.ipv4 {
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    sin.pointee.sin_family = sa_family_t(AF_INET)
                    sin.pointee.sin_port = port.bigEndian
                    withUnsafeMutableBytes(of: &sin.pointee.sin_addr) { $0.copyBytes(from: v4) }
                }
            }
        } else {
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                    sin6.pointee.sin6_port = port.bigEndian
                    withUnsafeMutableBytes(of: &sin6.pointee.sin6_addr) { $0.copyBytes(from: ip.bytes) }
                }
            }
        }
        self.storage = storage
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// Resolves `endpoint` (blocking: call it off the main queue).
    static func resolve(_ endpoint: Endpoint, numericOnly: Bool = false) -> Result<[SocketAddress], EngineError> {
        switch Syscalls.resolve(host: endpoint.host, port: endpoint.port, numericOnly: numericOnly) {
        case let .failure(reason): return .failure(EngineError("cannot resolve \(endpoint.host): \(reason.message)"))
        case let .success(list) where list.isEmpty: return .failure(EngineError("cannot resolve \(endpoint.host): no addresses"))
        case let .success(list): return .success(list)
        }
    }
}
