/// The reply code of a SOCKS5 CONNECT that failed: RFC 1928's REP 1-8 and Tor's extended
/// onion-service codes (`SOCKS5_*` in Tor's `socks5.trunnel`, proposal 304), each with its
/// meaning in words.
struct Socks5Reply: Equatable, Sendable, CustomStringConvertible {
    var code: UInt8

    /// What the code means, as a proxy user would say it.
    var meaning: String {
        switch code {
        case 0x01: return "general SOCKS server failure"
        case 0x02: return "connection not allowed by ruleset"
        case 0x03: return "network unreachable"
        case 0x04: return "host unreachable"
        case 0x05: return "connection refused"
        case 0x06: return "TTL expired"
        case 0x07: return "command not supported"
        case 0x08: return "address type not supported"
        case 0xF0: return "onion service descriptor not found"
        case 0xF1: return "onion service descriptor is invalid"
        case 0xF2: return "onion service introduction failed"
        case 0xF3: return "onion service rendezvous failed"
        case 0xF4: return "onion service missing client authorization"
        case 0xF5: return "onion service wrong client authorization"
        case 0xF6: return "onion service bad address"
        case 0xF7: return "onion service introduction timed out"
        default: return "unknown reply code"
        }
    }

    /// `connection refused (REP 5)`, `onion service … (REP 0xf0)`.
    var description: String {
        let number = code > 8 ? "0x" + String(code, radix: 16) : String(code)
        return "\(meaning) (REP \(number))"
    }
}

/// Why a SOCKS5 negotiation failed, with the facts; ``description`` is the reason a peer
/// shows (the engine prefixes `proxy `).
enum Socks5Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The target host is empty or longer than a SOCKS5 domain name may be (255 bytes).
    case hostTooLong(Int)
    /// A username or password is empty or longer than 255 bytes (RFC 1929).
    case badCredentials
    /// The reply's version byte is not 5.
    case notSocks5(version: UInt8)
    /// The proxy accepts none of the methods we offered (method 0xFF).
    case noAcceptableMethod(offeredCredentials: Bool)
    /// The proxy chose a method we did not offer.
    case unofferedMethod(UInt8)
    /// The RFC 1929 reply's version byte is not 1.
    case badAuthReply(version: UInt8)
    /// The proxy refused the username and password (RFC 1929 status).
    case authenticationFailed(status: UInt8)
    /// The proxy refused the CONNECT.
    case refused(Socks5Reply)
    /// A CONNECT reply that is not one (reserved byte, unknown address type).
    case malformedReply(String)
    /// Bytes before we asked for them.
    case unexpectedBytes

    var description: String {
        switch self {
        case let .hostTooLong(n): return "cannot carry a host name of \(n) bytes (SOCKS5 allows 1-255)"
        case .badCredentials: return "username and password must be 1-255 bytes each"
        case let .notSocks5(v): return "did not answer as SOCKS5 (version byte \(v))"
        case let .noAcceptableMethod(offered):
            return offered ? "accepts neither no authentication nor username/password" : "requires authentication (give user:pass@ in --proxy)"
        case let .unofferedMethod(m): return "chose authentication method \(m), which we did not offer"
        case let .badAuthReply(v): return "answered the username/password with version \(v)"
        case let .authenticationFailed(status): return "refused the username and password (status \(status))"
        case let .refused(reply): return reply.description
        case let .malformedReply(what): return "sent a malformed reply (\(what))"
        case .unexpectedBytes: return "sent bytes before it was asked"
        }
    }
}
