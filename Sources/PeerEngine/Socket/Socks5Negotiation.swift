/// The client side of a SOCKS5 handshake (RFC 1928, with RFC 1929 user/password), as
/// Core's `Socks5()` does it: greeting, optional sub-negotiation, then CONNECT by domain
/// name (ATYP 3, also for IP literals, so the proxy resolves and Tor sees no local DNS).
///
/// A pure state machine: ``start()`` gives the greeting, ``receive(_:)`` takes whatever
/// bytes arrived (one at a time or all at once) and says what to send or how it ended.
/// ``wanted`` is how many bytes the current step can still use, so a caller that reads no
/// more than that never takes bytes meant for the transport behind the proxy. Buffering
/// is bounded by the longest reply (4 + 1 + 255 + 2 bytes).
struct Socks5Negotiation: Equatable {
    /// RFC 1929 credentials, each 1 to 255 bytes.
    struct Credentials: Equatable, Sendable {
        var username: String
        var password: String
    }

    /// What the caller does next.
    enum Step: Equatable {
        /// Send these bytes and keep feeding replies.
        case send([UInt8])
        /// More reply bytes are needed.
        case wait
        /// The proxy connected to the target: the stream is the target's from now on.
        /// `bound`: the address the proxy reported (`host:port`); `extra`: bytes past the
        /// reply (none when the caller read at most ``wanted``).
        case connected(bound: String, extra: [UInt8])
        case failed(Socks5Error)
    }

    private enum State: Equatable {
        case idle
        /// Greeting sent; its 2-byte reply is awaited.
        case greeting
        /// RFC 1929 request sent; its 2-byte reply is awaited.
        case authenticating
        /// CONNECT sent; its reply (variable length) is awaited.
        case connecting
        case done
    }

    let host: String
    let port: UInt16
    let credentials: Credentials?
    private var state = State.idle
    private var buffer: [UInt8] = []

    /// Refuses what SOCKS5 cannot carry: an empty or over-long host, over-long credentials.
    init(host: String, port: UInt16, credentials: Credentials?) throws(Socks5Error) {
        guard !host.isEmpty, host.utf8.count <= 255 else { throw .hostTooLong(host.utf8.count) }
        if let credentials {
            guard (1...255).contains(credentials.username.utf8.count), (1...255).contains(credentials.password.utf8.count) else {
                throw .badCredentials
            }
        }
        self.host = host
        self.port = port
        self.credentials = credentials
    }

    /// The greeting: version 5, then the methods we offer (no auth; with credentials also
    /// user/password, which the proxy may pick or not, as Core offers them).
    mutating func start() -> [UInt8] {
        state = .greeting
        buffer = []
        return credentials == nil ? [0x05, 0x01, 0x00] : [0x05, 0x02, 0x00, 0x02]
    }

    /// True once connected or failed.
    var isFinished: Bool { state == .done }

    /// Reply bytes the current step can still use (0 when idle or finished).
    var wanted: Int {
        switch state {
        case .idle, .done: return 0
        case .greeting, .authenticating: return 2 - buffer.count
        case .connecting:
            guard buffer.count >= 5 else { return 5 - buffer.count }
            return (Self.connectReplyLength(buffer) ?? buffer.count) - buffer.count
        }
    }

    /// Takes reply bytes; see ``Step``.
    mutating func receive(_ bytes: some Collection<UInt8>) -> Step {
        guard state != .done, state != .idle else { return .wait }
        buffer.append(contentsOf: bytes)
        switch state {
        case .greeting: return greetingReply()
        case .authenticating: return authReply()
        case .connecting: return connectReply()
        case .idle, .done: return .wait
        }
    }

    private mutating func fail(_ error: Socks5Error) -> Step {
        state = .done
        buffer = []
        return .failed(error)
    }

    private mutating func greetingReply() -> Step {
        guard buffer.count >= 2 else { return .wait }
        guard buffer[0] == 0x05 else { return fail(.notSocks5(version: buffer[0])) }
        let method = buffer[1]
        let rest = Array(buffer.dropFirst(2))
        buffer = []
        switch method {
        case 0x00:
            return sendConnect(then: rest)
        case 0x02 where credentials != nil:
            guard let credentials else { return fail(.badCredentials) }
            state = .authenticating
            let user = Array(credentials.username.utf8), pass = Array(credentials.password.utf8)
            let request = [0x01, UInt8(user.count)] + user + [UInt8(pass.count)] + pass
            return rest.isEmpty ? .send(request) : fail(.unexpectedBytes)
        case 0xFF:
            return fail(.noAcceptableMethod(offeredCredentials: credentials != nil))
        default:
            return fail(.unofferedMethod(method))
        }
    }

    private mutating func authReply() -> Step {
        guard buffer.count >= 2 else { return .wait }
        guard buffer[0] == 0x01 else { return fail(.badAuthReply(version: buffer[0])) }
        guard buffer[1] == 0x00 else { return fail(.authenticationFailed(status: buffer[1])) }
        let rest = Array(buffer.dropFirst(2))
        buffer = []
        return sendConnect(then: rest)
    }

    private mutating func sendConnect(then rest: [UInt8]) -> Step {
        guard rest.isEmpty else { return fail(.unexpectedBytes) }
        state = .connecting
        let name = Array(host.utf8)
        return .send([0x05, 0x01, 0x00, 0x03, UInt8(name.count)] + name + [UInt8(port >> 8), UInt8(port & 0xFF)])
    }

    /// The full length of a CONNECT reply from its first 5 bytes, or nil for an unknown ATYP.
    private static func connectReplyLength(_ reply: [UInt8]) -> Int? {
        switch reply[3] {
        case 0x01: return 4 + 4 + 2
        case 0x03: return 4 + 1 + Int(reply[4]) + 2
        case 0x04: return 4 + 16 + 2
        default: return nil
        }
    }

    private mutating func connectReply() -> Step {
        guard buffer.count >= 5 else { return .wait }
        guard buffer[0] == 0x05 else { return fail(.notSocks5(version: buffer[0])) }
        // The error is reported as soon as its code is known: a proxy may close right after.
        guard buffer[1] == 0x00 else { return fail(.refused(Socks5Reply(code: buffer[1]))) }
        guard buffer[2] == 0x00 else { return fail(.malformedReply("reserved byte \(buffer[2])")) }
        guard let length = Self.connectReplyLength(buffer) else {
            return fail(.malformedReply("unknown address type \(buffer[3])"))
        }
        guard buffer.count >= length else { return .wait }
        let bound = Self.describeBound(buffer[0..<length])
        let extra = Array(buffer[length...])
        buffer = []
        state = .done
        return .connected(bound: bound, extra: extra)
    }

    /// `ip:port`, `[v6]:port` or `name:port` of a complete reply.
    private static func describeBound(_ reply: ArraySlice<UInt8>) -> String {
        let r = Array(reply)
        let port = UInt16(r[r.count - 2]) << 8 | UInt16(r[r.count - 1])
        switch r[3] {
        case 0x01:
            return r[4..<8].map(String.init).joined(separator: ".") + ":\(port)"
        case 0x04:
            let groups = stride(from: 4, to: 20, by: 2).map { String(UInt16(r[$0]) << 8 | UInt16(r[$0 + 1]), radix: 16) }
            return "[\(groups.joined(separator: ":"))]:\(port)"
        default:
            let name = String(decoding: r[5..<(r.count - 2)], as: UTF8.self)
            return "\(name):\(port)"
        }
    }
}
