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
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return .failure(EngineError("empty address")) }
        var host = t
        var portText: Substring?
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]") else { return .failure(EngineError("bad address '\(text)': missing ']'")) }
            host = String(t[t.index(after: t.startIndex)..<close])
            guard host.contains(":"), IPAddress(host) != nil else {
                return .failure(EngineError("bad address '\(text)': brackets are for IPv6 addresses"))
            }
            let rest = t[t.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return .failure(EngineError("bad address '\(text)': expected ':PORT' after ']'")) }
                portText = rest.dropFirst()
            }
        } else if t.filter({ $0 == ":" }).count == 1, let colon = t.firstIndex(of: ":") {
            host = String(t[..<colon])
            portText = t[t.index(after: colon)...]
        }
        guard !host.isEmpty else { return .failure(EngineError("bad address '\(text)': no host")) }
        if host.contains(":") && IPAddress(host) == nil {
            return .failure(EngineError("bad address '\(text)': not an IPv6 address (write [IPv6]:PORT, or HOST:PORT)"))
        }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._:".contains($0)) }) else {
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
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
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

    /// Resolves `endpoint` with getaddrinfo (blocking: call it off the main queue).
    static func resolve(_ endpoint: Endpoint, numericOnly: Bool = false) -> Result<[SocketAddress], EngineError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = numericOnly ? AI_NUMERICHOST | AI_NUMERICSERV : AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard rc == 0, let first = list else {
            let reason = rc == 0 ? "no addresses" : String(cString: gai_strerror(rc))
            return .failure(EngineError("cannot resolve \(endpoint.host): \(reason)"))
        }
        defer { freeaddrinfo(list) }
        var out: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            if let a = ai.pointee.ai_addr, ai.pointee.ai_family == AF_INET || ai.pointee.ai_family == AF_INET6 {
                var storage = sockaddr_storage()
                let len = ai.pointee.ai_addrlen
                withUnsafeMutableBytes(of: &storage) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(start: a, count: Int(len)))
                }
                out.append(SocketAddress(storage: storage, length: len))
            }
            cursor = ai.pointee.ai_next
        }
        return out.isEmpty ? .failure(EngineError("cannot resolve \(endpoint.host): no addresses")) : .success(out)
    }
}

/// Thin wrappers over the socket calls, each returning errno on failure.
enum Sockets {
    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// A nonblocking, close-on-exec TCP socket.
    static func makeSocket(family: Int32) -> Result<Int32, EngineError> {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(EngineError("socket: \(errorText(errno))")) }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return .success(fd)
    }

    /// The pending error of a socket after a nonblocking connect.
    static func pendingError(_ fd: Int32) -> Int32 {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 { return errno }
        return err
    }

    /// The words a phase reason uses for a connect error.
    static func connectFailureReason(_ code: Int32) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused"
        case ENETUNREACH, EHOSTUNREACH: return "unreachable (\(errorText(code)))"
        case ETIMEDOUT: return "timeout"
        default: return errorText(code)
        }
    }
}
