import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A sender that writes as fast as a blocking socket takes, to see where a receiver (or a
/// relay before it) makes it wait.
public enum LoopbackFlood {
    /// A blocking TCP connection to `127.0.0.1:port`.
    public static func dial(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
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
