import CEpoll
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every libc call of the engine, in one small funnel (in the manner of swift-system's
/// `Syscalls.swift`): each returns its result with errno, retries nothing and knows no
/// protocol. The rest of the engine calls these, never libc.
enum Syscalls {
    /// A failed call's errno.
    struct Errno: Error, Equatable {
        var code: Int32
    }

    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// A nonblocking, close-on-exec TCP socket with Nagle off.
    static func makeSocket(family: Int32) -> Result<Int32, EngineError> {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(EngineError("socket: \(errorText(errno))")) }
        setNoDelay(fd)
        return .success(fd)
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Starts a nonblocking connect: 0 when connected at once, else errno (EINPROGRESS
    /// while it goes on).
    static func connect(_ fd: Int32, to address: SocketAddress) -> Int32 {
        var storage = address.storage
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        return rc == 0 ? 0 : errno
    }

    /// The pending error of a socket after a nonblocking connect (0: connected).
    static func pendingError(_ fd: Int32) -> Int32 {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 { return errno }
        return err
    }

    /// `read(2)` into `buffer`: the count (0 at end of stream), or -1 with errno.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, error: Int32) {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        return (n, n < 0 ? errno : 0)
    }

    /// `send(2)` without SIGPIPE: the count sent, or -1 with errno.
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> (count: Int, error: Int32) {
        let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        return (n, n < 0 ? errno : 0)
    }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// A listening socket bound to `address`; returns it and the port it got.
    static func listen(on address: SocketAddress, backlog: Int32 = 4096) -> Result<(fd: Int32, port: UInt16), Errno> {
        let fd: Int32
        switch makeSocket(family: address.family) {
        case .failure: return .failure(Errno(code: errno))
        case let .success(s): fd = s
        }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = address.storage
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            Glibc.close(fd)
            return .failure(Errno(code: code))
        }
        var actual = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return .success((fd, SocketAddress(storage: actual, length: length).port))
    }

    /// The local address a connected socket is bound to.
    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var actual = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return rc == 0 ? SocketAddress(storage: actual, length: length) : nil
    }

    /// Accepts one connection, made nonblocking and close-on-exec with Nagle off.
    static func accept(_ listener: Int32) -> Result<(fd: Int32, address: SocketAddress), Errno> {
        var peerAddress = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let client = withUnsafeMutablePointer(to: &peerAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                verack_accept4(listener, $0, &len, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        guard client >= 0 else { return .failure(Errno(code: errno)) }
        setNoDelay(client)
        return .success((client, SocketAddress(storage: peerAddress, length: len)))
    }

    /// getaddrinfo: the IPv4 and IPv6 stream addresses of `host` (blocking).
    static func resolve(host: String, port: UInt16, numericOnly: Bool) -> Result<[SocketAddress], EngineError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = numericOnly ? AI_NUMERICHOST | AI_NUMERICSERV : AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            return .failure(EngineError(rc == 0 ? "no addresses" : String(cString: gai_strerror(rc))))
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
        return .success(out)
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
