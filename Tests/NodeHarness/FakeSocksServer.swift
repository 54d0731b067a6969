import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The server side of SOCKS5 for scripted proxies: run on a ``FakePeer``'s accepted
/// descriptor, it reads what the client sends, so a test can answer as a good, refusing,
/// silent or broken proxy would.
public enum FakeSocksServer {
    /// What the client asked for.
    public struct Request: Equatable, Sendable {
        public var methods: [UInt8]
        public var username: String?
        public var password: String?
        /// The CONNECT target as sent (ATYP 3: a name).
        public var host: String
        public var port: UInt16
    }

    /// Reads exactly `count` bytes; nil if the connection ends first.
    public static func read(_ fd: Int32, count: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var byte: UInt8 = 0
        while out.count < count {
            guard Glibc.read(fd, &byte, 1) == 1 else { return nil }
            out.append(byte)
        }
        return out
    }

    /// Reads the greeting, picks user/password if offered and `auth`, else no
    /// authentication, checks nothing, then reads the CONNECT request. Nil if the client
    /// sends something else or hangs up.
    public static func acceptRequest(_ fd: Int32, auth: Bool = false) -> Request? {
        guard let head = read(fd, count: 2), head[0] == 5, let methods = read(fd, count: Int(head[1])) else { return nil }
        var username: String?, password: String?
        if auth && methods.contains(2) {
            FakePeer.send(fd, [0x05, 0x02])
            guard let v = read(fd, count: 2), v[0] == 1, let user = read(fd, count: Int(v[1])),
                  let plen = read(fd, count: 1), let pass = read(fd, count: Int(plen[0])) else { return nil }
            username = String(decoding: user, as: UTF8.self)
            password = String(decoding: pass, as: UTF8.self)
            FakePeer.send(fd, [0x01, 0x00])
        } else {
            FakePeer.send(fd, [0x05, 0x00])
        }
        guard let request = read(fd, count: 5), request[0..<4] == [0x05, 0x01, 0x00, 0x03],
              let name = read(fd, count: Int(request[4])), let port = read(fd, count: 2) else { return nil }
        return Request(methods: methods, username: username, password: password,
                       host: String(decoding: name, as: UTF8.self), port: UInt16(port[0]) << 8 | UInt16(port[1]))
    }

    /// A reply with REP `code` binding 127.0.0.1:`port`.
    public static func reply(_ code: UInt8, port: UInt16 = 0) -> [UInt8] {
        [0x05, code, 0x00, 0x01, 127, 0, 0, 1, UInt8(port >> 8), UInt8(port & 0xFF)]
    }
}
