import Testing
@testable import PeerEngine

/// The SOCKS5 client state machine in memory: RFC 1928 and 1929 byte for byte, every
/// reply code, garbage, and replies fed whole or byte by byte.
struct Socks5NegotiationTests {
    static let host = "example.onion"
    static let connectRequest: [UInt8] = [0x05, 0x01, 0x00, 0x03, UInt8(host.utf8.count)] + Array(host.utf8) + [0x20, 0x8D]
    /// A success reply binding 127.0.0.1:8333.
    static let success: [UInt8] = [0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0x20, 0x8D]

    func machine(_ credentials: Socks5Negotiation.Credentials? = nil) throws -> Socks5Negotiation {
        try Socks5Negotiation(host: Self.host, port: 8333, credentials: credentials)
    }

    /// Feeds `bytes` one at a time; the last step, and every step before it must be `.wait`.
    func feedByteByByte(_ m: inout Socks5Negotiation, _ bytes: [UInt8]) -> Socks5Negotiation.Step {
        for (i, b) in bytes.enumerated() {
            #expect(m.wanted >= 1, "wants nothing at byte \(i)")
            let step = m.receive([b])
            if i < bytes.count - 1 { #expect(step == .wait, "step at byte \(i) of \(bytes.count): \(step)") } else { return step }
        }
        return .wait
    }

    @Test func successWithoutAuthentication() throws {
        var m = try machine()
        #expect(m.start() == [0x05, 0x01, 0x00])
        #expect(m.wanted == 2)
        #expect(m.receive([0x05, 0x00]) == .send(Self.connectRequest))
        #expect(m.wanted == 5)
        #expect(m.receive(Self.success) == .connected(bound: "127.0.0.1:8333", extra: []))
        #expect(m.isFinished && m.wanted == 0)
    }

    @Test func successWithUsernameAndPassword() throws {
        var m = try machine(.init(username: "alice", password: "s3cret"))
        #expect(m.start() == [0x05, 0x02, 0x00, 0x02])
        #expect(m.receive([0x05, 0x02]) == .send([0x01, 5] + Array("alice".utf8) + [6] + Array("s3cret".utf8)))
        #expect(m.receive([0x01, 0x00]) == .send(Self.connectRequest))
        #expect(m.receive(Self.success) == .connected(bound: "127.0.0.1:8333", extra: []))
    }

    /// Offered credentials are not forced on a proxy that wants none (as Core).
    @Test func credentialsOfferedButNotRequired() throws {
        var m = try machine(.init(username: "u", password: "p"))
        _ = m.start()
        #expect(m.receive([0x05, 0x00]) == .send(Self.connectRequest))
    }

    @Test func wholeNegotiationByteByByte() throws {
        var m = try machine(.init(username: "alice", password: "pw"))
        _ = m.start()
        #expect(feedByteByByte(&m, [0x05, 0x02]) == .send([0x01, 5] + Array("alice".utf8) + [2] + Array("pw".utf8)))
        #expect(feedByteByByte(&m, [0x01, 0x00]) == .send(Self.connectRequest))
        #expect(feedByteByByte(&m, Self.success) == .connected(bound: "127.0.0.1:8333", extra: []))
    }

    /// The bound address of each ATYP, whole and byte by byte; `wanted` never overshoots.
    @Test(arguments: [
        ([0x05, 0x00, 0x00, 0x01, 10, 1, 2, 3, 0x00, 0x50], "10.1.2.3:80"),
        ([0x05, 0x00, 0x00, 0x03, 4] + Array("tor1".utf8) + [0x23, 0x82], "tor1:9090"),
        ([0x05, 0x00, 0x00, 0x03, 0, 0x00, 0x00], ":0"),
        ([0x05, 0x00, 0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1, 0x01, 0xBB], "[2001:db8:0:0:0:0:0:1]:443"),
    ] as [([UInt8], String)])
    func boundAddress(reply: [UInt8], bound: String) throws {
        var whole = try machine()
        _ = whole.start()
        _ = whole.receive([0x05, 0x00])
        #expect(whole.receive(reply) == .connected(bound: bound, extra: []))

        var bytewise = try machine()
        _ = bytewise.start()
        _ = bytewise.receive([0x05, 0x00])
        var taken = 0
        while !bytewise.isFinished {
            let n = bytewise.wanted
            #expect(n >= 1 && taken + n <= reply.count, "wanted \(n) after \(taken) of \(reply.count) bytes")
            guard n >= 1, taken + n <= reply.count else { return }
            let step = bytewise.receive(reply[taken..<(taken + n)])
            taken += n
            if bytewise.isFinished { #expect(step == .connected(bound: bound, extra: [])) }
        }
        #expect(taken == reply.count)
    }

    /// Bytes past the reply (the target's, relayed at once) come back for the transport.
    @Test func bytesAfterTheReplyAreHandedOn() throws {
        var m = try machine()
        _ = m.start()
        _ = m.receive([0x05, 0x00])
        #expect(m.receive(Self.success + [0xF9, 0xBE]) == .connected(bound: "127.0.0.1:8333", extra: [0xF9, 0xBE]))
    }

    @Test(arguments: [
        (UInt8(1), "general SOCKS server failure (REP 1)"),
        (2, "connection not allowed by ruleset (REP 2)"),
        (3, "network unreachable (REP 3)"),
        (4, "host unreachable (REP 4)"),
        (5, "connection refused (REP 5)"),
        (6, "TTL expired (REP 6)"),
        (7, "command not supported (REP 7)"),
        (8, "address type not supported (REP 8)"),
        (0xF0, "onion service descriptor not found (REP 0xf0)"),
        (0xF1, "onion service descriptor is invalid (REP 0xf1)"),
        (0xF2, "onion service introduction failed (REP 0xf2)"),
        (0xF3, "onion service rendezvous failed (REP 0xf3)"),
        (0xF4, "onion service missing client authorization (REP 0xf4)"),
        (0xF5, "onion service wrong client authorization (REP 0xf5)"),
        (0xF6, "onion service bad address (REP 0xf6)"),
        (0xF7, "onion service introduction timed out (REP 0xf7)"),
        (0x42, "unknown reply code (REP 0x42)"),
    ] as [(UInt8, String)])
    func replyCodes(code: UInt8, meaning: String) throws {
        var m = try machine()
        _ = m.start()
        _ = m.receive([0x05, 0x00])
        // Known at the fifth byte: a proxy that closes after a short error reply still names it.
        let step = m.receive([0x05, code, 0x00, 0x01, 0])
        #expect(step == .failed(.refused(Socks5Reply(code: code))))
        #expect(Socks5Error.refused(Socks5Reply(code: code)).description == meaning)
        #expect(m.isFinished && m.wanted == 0)
    }

    @Test(arguments: [
        // greeting replies
        ([0x04, 0x00], Socks5Error.notSocks5(version: 4)),
        ([0x48, 0x54], .notSocks5(version: 0x48)),  // "HTTP/1.1 400"
        ([0x05, 0xFF], .noAcceptableMethod(offeredCredentials: false)),
        ([0x05, 0x02], .unofferedMethod(2)),
        ([0x05, 0x01], .unofferedMethod(1)),
        ([0x05, 0x00, 0x01], .unexpectedBytes),
    ] as [([UInt8], Socks5Error)])
    func badGreetingReplies(reply: [UInt8], error: Socks5Error) throws {
        var m = try machine()
        _ = m.start()
        #expect(m.receive(reply) == .failed(error))
        #expect(m.isFinished)
        #expect(m.receive([0x05, 0x00]) == .wait, "a finished negotiation takes nothing more")
    }

    @Test func malformedConnectReplies() throws {
        for (reply, error) in [
            ([0x04, 0x00, 0x00, 0x01, 1], Socks5Error.notSocks5(version: 4)),
            ([0x05, 0x00, 0x07, 0x01, 1], .malformedReply("reserved byte 7")),
            ([0x05, 0x00, 0x00, 0x02, 1], .malformedReply("unknown address type 2")),
        ] as [([UInt8], Socks5Error)] {
            var m = try machine()
            _ = m.start()
            _ = m.receive([0x05, 0x00])
            #expect(m.receive(reply) == .failed(error))
        }
    }

    @Test func authenticationRefusedOrGarbled() throws {
        for (reply, error) in [
            ([0x01, 0x01], Socks5Error.authenticationFailed(status: 1)),
            ([0x05, 0x00], .badAuthReply(version: 5)),
        ] as [([UInt8], Socks5Error)] {
            var m = try machine(.init(username: "u", password: "p"))
            _ = m.start()
            _ = m.receive([0x05, 0x02])
            #expect(m.receive(reply) == .failed(error))
        }
        var m = try machine(.init(username: "u", password: "p"))
        _ = m.start()
        #expect(m.receive([0x05, 0xFF]) == .failed(.noAcceptableMethod(offeredCredentials: true)))
    }

    @Test func whatSOCKS5CannotCarryIsRefused() {
        #expect(throws: Socks5Error.hostTooLong(256)) { try Socks5Negotiation(host: String(repeating: "a", count: 256), port: 1, credentials: nil) }
        #expect(throws: Socks5Error.hostTooLong(0)) { try Socks5Negotiation(host: "", port: 1, credentials: nil) }
        #expect(throws: Socks5Error.badCredentials) { try Socks5Negotiation(host: "a", port: 1, credentials: .init(username: "", password: "p")) }
        #expect(throws: Socks5Error.badCredentials) {
            try Socks5Negotiation(host: "a", port: 1, credentials: .init(username: "u", password: String(repeating: "p", count: 256)))
        }
    }

    /// However long the garbage, the buffer holds at most one reply.
    @Test func endlessGarbageStaysBounded() throws {
        var m = try machine()
        _ = m.start()
        _ = m.receive([0x05, 0x00])
        _ = m.receive([0x05, 0x00, 0x00, 0x03, 255])
        var taken = 5
        while !m.isFinished {
            let n = m.wanted
            guard n >= 1 else { break }
            _ = m.receive([UInt8](repeating: 0x41, count: n))
            taken += n
        }
        #expect(taken == 4 + 1 + 255 + 2)
    }
}
