import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Plain IPv4 TCP sockets on loopback for the harness's fake nodes and test clients: one
/// place for the `sockaddr_in` dance.
public enum LoopbackSocket {
    /// A listening socket on `host:port` (0: any free port); returns it and its port.
    public static func listen(host: String = "127.0.0.1", port: UInt16 = 0, backlog: Int32, reuseAddress: Bool = false) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if reuseAddress {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = address(host, port)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && Glibc.listen(fd, backlog) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else {
            close(fd)
            throw SpawnError("cannot listen on \(host):\(port)")
        }
        return (fd, UInt16(bigEndian: addr.sin_port))
    }

    /// A blocking TCP connection to `127.0.0.1:port`.
    public static func dial(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = address("127.0.0.1", UInt16(port))
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard ok else {
            close(fd)
            throw SpawnError("cannot connect to 127.0.0.1:\(port)")
        }
        return fd
    }

    /// The port of `127.0.0.1:PORT`.
    public static func port(of address: String) -> Int {
        address.split(separator: ":").last.flatMap { Int($0) } ?? 0
    }

    private static func address(_ host: String, _ port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr(host)
        addr.sin_port = port.bigEndian
        return addr
    }
}

/// A sender that writes as fast as a blocking socket takes, to see where a receiver (or a
/// relay before it) makes it wait.
public enum LoopbackFlood {
    /// Sends `frame` again and again until `limit` bytes went out, or a send waited
    /// `stallSeconds` without taking a byte (the receiver side stopped reading), or failed.
    public static func send(_ frame: [UInt8], to fd: Int32, limit: Int, stallSeconds: Int) -> (written: Int, stalled: Bool, error: Int32) {
        var timeout = timeval(tv_sec: stallSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var written = 0
        while written < limit {
            let n = frame.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                let code = errno
                return (written, code == EAGAIN || code == EWOULDBLOCK, code)
            }
            written += n
        }
        return (written, false, 0)
    }
}

/// A descriptor a fake peer's thread accepted and keeps without reading, closed at the
/// end of a test.
public final class ParkedSocket: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32 = -1

    public init() {}

    public func set(_ value: Int32) {
        lock.lock()
        fd = value
        lock.unlock()
    }

    public func close() {
        lock.lock()
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        lock.unlock()
    }
}
