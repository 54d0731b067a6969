import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Blocking loopback TCP sockets for the relay benchmarks: plain `socket(2)` calls, so the
/// ends around the relay cost as little as they can and the same ends serve socat.
enum LoopbackSocket {
    /// A listening socket on 127.0.0.1 with a free port.
    static func listen(backlog: Int32 = 4096) -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { Bench.fail("relay: socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else { Bench.fail("relay: bind/listen: \(String(cString: strerror(errno)))") }
        return (fd, localPort(fd))
    }

    /// A port that was free a moment ago (for socat, which must be told one).
    static func freePort() -> UInt16 {
        let (fd, port) = listen()
        close(fd)
        return port
    }

    static func localPort(_ fd: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }

    /// Connects to 127.0.0.1:`port`, retrying for up to `patience` seconds while it is
    /// refused (a socat that is still starting). Nodelay is set.
    static func connect(port: UInt16, patience: Double = 3) -> Int32 {
        let deadline = Bench.now() + patience
        while true {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { Bench.fail("relay: socket: \(String(cString: strerror(errno)))") }
            var address = loopback(port: port)
            let code = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if code == 0 {
                noDelay(fd)
                return fd
            }
            let err = errno
            close(fd)
            if Bench.now() > deadline { Bench.fail("relay: connect to port \(port): \(String(cString: strerror(err)))") }
            usleep(10_000)
        }
    }

    static func accept(_ listener: Int32) -> Int32 {
        while true {
            let fd = Glibc.accept(listener, nil, nil)
            if fd >= 0 {
                noDelay(fd)
                return fd
            }
            if errno != EINTR { Bench.fail("relay: accept: \(String(cString: strerror(errno)))") }
        }
    }

    static func noDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Seconds a blocking read waits before it fails with EAGAIN.
    static func receiveTimeout(_ fd: Int32, seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes all of `bytes`; false once the connection is gone.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Reads exactly `count` bytes, or fails the benchmark saying `what`.
    static func readExact(_ fd: Int32, _ count: Int, _ what: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, count - offset) }
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                Bench.fail("relay: \(what): \(n == 0 ? "connection closed" : String(cString: strerror(errno)))")
            }
        }
        return out
    }
}
