import BitcoinWire
import Testing
@testable import PeerEngine

/// The handshake state machine in memory: no sockets, no clocks.
struct PeerSessionTests {
    static func version(nonce: UInt64, protocolVersion: Int32 = 70016, agent: String = "/Satoshi:27.0.0/") -> VersionMessage {
        VersionMessage(
            version: protocolVersion, services: [.network, .witness], timestamp: 1_700_000_000,
            receiver: NetworkAddress(ip: IPAddress("127.0.0.1")!, port: 8333), nonce: nonce,
            userAgent: agent, startHeight: 871_234, relay: true)
    }

    static func sent(_ actions: [PeerSession.Action]) -> [String] {
        actions.compactMap { if case let .send(m) = $0 { return m.command.name } else { return nil } }
    }

    static func phases(_ actions: [PeerSession.Action]) -> [PeerPhase] {
        actions.compactMap { if case let .phaseChanged(p) = $0 { return p } else { return nil } }
    }

    func outbound() -> PeerSession {
        PeerSession(direction: .outbound, ourVersion: Self.version(nonce: 42, agent: "/verack:0.1.0/"), now: 0)
    }

    @Test func outboundHandshakeWithMessagesBetweenVersionAndVerack() {
        var s = outbound()
        let start = s.connected(now: 0)
        #expect(Self.sent(start) == ["version"])
        #expect(Self.phases(start) == [.versionSent])

        let afterVersion = s.receive(.version(Self.version(nonce: 7)), now: 0.01)
        #expect(Self.sent(afterVersion) == ["wtxidrelay", "sendaddrv2", "verack"])
        #expect(Self.phases(afterVersion) == [.versionReceived])
        #expect(s.peerVersion?.userAgent == "/Satoshi:27.0.0/")

        // Core sends these between version and verack: accepted, no phase change.
        #expect(s.receive(.wtxidrelay, now: 0.02).isEmpty)
        #expect(s.receive(.sendaddrv2, now: 0.02).isEmpty)
        #expect(s.receive(.sendheaders, now: 0.02).isEmpty)
        #expect(s.phase == .versionReceived)

        let afterVerack = s.receive(.verack, now: 0.03)
        #expect(Self.phases(afterVerack) == [.established])
        #expect(Self.sent(afterVerack) == ["ping"], "a ping measures the round trip at once")
        #expect(s.isEstablished)
    }

    @Test func inboundWaitsForTheirVersionThenAnswers() {
        var s = PeerSession(direction: .inbound, ourVersion: Self.version(nonce: 42), now: 0)
        #expect(s.connected(now: 0).isEmpty, "inbound: we wait for the peer's version")
        #expect(s.phase == .connecting)
        let answer = s.receive(.version(Self.version(nonce: 9)), now: 0.1)
        #expect(Self.sent(answer) == ["version", "wtxidrelay", "sendaddrv2", "verack"])
        #expect(Self.phases(answer) == [.versionReceived])
        #expect(Self.phases(s.receive(.verack, now: 0.2)) == [.established])
    }

    @Test func oldPeersGetNoWtxidrelay() {
        var s = outbound()
        _ = s.connected(now: 0)
        #expect(Self.sent(s.receive(.version(Self.version(nonce: 7, protocolVersion: 70015)), now: 0)) == ["verack"])
    }

    @Test func verackBeforeVersionIsVerackReceived() {
        var s = outbound()
        _ = s.connected(now: 0)
        #expect(Self.phases(s.receive(.verack, now: 0.1)) == [.verackReceived])
        #expect(Self.phases(s.receive(.version(Self.version(nonce: 7)), now: 0.2)) == [.established])
    }

    @Test func duplicateVersionIsIgnored() {
        var s = outbound()
        _ = s.connected(now: 0)
        _ = s.receive(.version(Self.version(nonce: 7)), now: 0.1)
        #expect(s.receive(.version(Self.version(nonce: 8, agent: "/other/")), now: 0.2).isEmpty)
        #expect(s.peerVersion?.nonce == 7)
    }

    @Test func messagesBeforeVersionAreIgnored() {
        var s = PeerSession(direction: .inbound, ourVersion: Self.version(nonce: 42), now: 0)
        #expect(s.receive(.ping(nonce: 5), now: 0.1).isEmpty, "no pong before the handshake starts")
        #expect(s.receive(.verack, now: 0.1).isEmpty)
        #expect(s.phase == .connecting)
    }

    @Test func selfConnectionIsDetectedByNonce() {
        var s = outbound()
        _ = s.connected(now: 0)
        let actions = s.receive(.version(Self.version(nonce: 42)), now: 0.1)
        #expect(actions.contains(.close))
        guard case let .failed(reason) = s.phase else {
            Issue.record("expected failed, got \(s.phase)")
            return
        }
        #expect(reason.contains("ourselves"))
    }

    @Test func pingIsAnsweredAndOurPingMeasured() {
        var s = outbound()
        _ = s.connected(now: 0)
        _ = s.receive(.version(Self.version(nonce: 7)), now: 0.1)
        let established = s.receive(.verack, now: 0.2)
        guard case let .send(.ping(nonce))? = established.last else {
            Issue.record("no ping after establishment")
            return
        }
        #expect(s.receive(.ping(nonce: 99), now: 0.3) == [.send(.pong(nonce: 99))])
        #expect(s.receive(.pong(nonce: nonce &+ 1), now: 0.3).isEmpty, "a pong with another nonce is not ours")
        let rtt = s.receive(.pong(nonce: nonce), now: 0.25)
        #expect(rtt == [.roundTrip(ms: (0.25 - 0.2) * 1000)])
    }

    @Test func silenceWhileWaitingForVersionThenRecovery() {
        var s = outbound()
        _ = s.connected(now: 0)
        #expect(s.nextDeadline == 5)
        #expect(s.tick(now: 4.9).isEmpty)
        #expect(s.tick(now: 5.0) == [.silenceChanged(Silence(awaiting: "version", since: 0))])
        #expect(s.tick(now: 6).isEmpty, "reported once")
        let late = s.receive(.version(Self.version(nonce: 7)), now: 7)
        // The version ends the silence, and the wait for verack begins.
        #expect(late.contains(.silenceChanged(nil)))
        #expect(s.silence == nil)
    }

    /// The nonce of a `send(ping)` action, nil for anything else.
    static func pingNonce(_ action: PeerSession.Action?) -> UInt64? {
        if case let .send(.ping(nonce))? = action { return nonce }
        return nil
    }

    @Test func corruptedPingLeavesThePeerSilent() throws {
        var s = outbound()
        _ = s.connected(now: 0)
        _ = s.receive(.version(Self.version(nonce: 7)), now: 0)
        let first = try #require(Self.pingNonce(s.receive(.verack, now: 0).last))
        _ = s.receive(.pong(nonce: first), now: 0.01)
        // `resend 1 ping --corrupt checksum`: the engine makes a ping, the peer never sees it.
        _ = s.makePing(now: 10)
        #expect(s.tick(now: 14).isEmpty)
        #expect(s.tick(now: 15) == [.silenceChanged(Silence(awaiting: "pong", since: 10))])
        // Other traffic does not end the silence: only the pong would.
        #expect(s.receive(.inv([]), now: 16).isEmpty)
        #expect(s.silence != nil)
    }

    @Test func aLaterPongEndsTheSilenceOfALostPing() throws {
        var s = outbound()
        _ = s.connected(now: 0)
        _ = s.receive(.version(Self.version(nonce: 7)), now: 0)
        let first = try #require(Self.pingNonce(s.receive(.verack, now: 0).last))
        _ = s.receive(.pong(nonce: first), now: 0.01)
        _ = s.makePing(now: 10)  // corrupted on the wire: never answered
        #expect(s.tick(now: 15) == [.silenceChanged(Silence(awaiting: "pong", since: 10))])
        let second = try #require(Self.pingNonce(.send(s.makePing(now: 20))))
        let answered = s.receive(.pong(nonce: second), now: 20.5)
        #expect(answered.contains(.silenceChanged(nil)))
        #expect(s.silence == nil)
        #expect(s.tick(now: 100).isEmpty, "the lost ping is no longer awaited")
    }

    @Test func handshakeTimeoutDrops() {
        var s = outbound()
        _ = s.connected(now: 0)
        _ = s.tick(now: 5)
        let actions = s.tick(now: 60)
        #expect(Self.phases(actions) == [.dropped(reason: "no handshake within 60 s")])
        #expect(actions.contains(.close))
        #expect(actions.contains(.silenceChanged(nil)))
        #expect(s.nextDeadline == nil)
    }

    @Test(arguments: [
        PeerPhase.closed(reason: "peer closed the connection"),
        .dropped(reason: "dropped by command"),
        .failed(reason: "bad magic"),
    ])
    func endStatesAreFinal(_ end: PeerPhase) {
        var s = outbound()
        _ = s.connected(now: 0)
        #expect(Self.phases(s.ended(end)) == [end])
        #expect(s.phase.isEnd)
        #expect(s.receive(.version(Self.version(nonce: 7)), now: 1).isEmpty)
        #expect(s.tick(now: 100).isEmpty)
        #expect(s.ended(.closed(reason: "again")).isEmpty)
    }

    @Test func keepAlivePingsAfterTheInterval() throws {
        var settings = PeerSession.Settings()
        settings.pingInterval = 30
        var s = PeerSession(direction: .outbound, ourVersion: Self.version(nonce: 42), settings: settings, now: 0)
        _ = s.connected(now: 0)
        _ = s.receive(.version(Self.version(nonce: 7)), now: 0)
        let first = try #require(Self.pingNonce(s.receive(.verack, now: 0).last))
        _ = s.receive(.pong(nonce: first), now: 0.1)
        #expect(s.nextDeadline == 30)
        #expect(Self.sent(s.tick(now: 30)) == ["ping"])
    }
}
