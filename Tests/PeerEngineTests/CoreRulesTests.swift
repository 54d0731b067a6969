import BitcoinWire
import Testing
@testable import PeerEngine

/// Rules verack keeps as Bitcoin Core does, found by `verack probe` against `verack serve`.
struct CoreRulesTests {
    @Test func protocolBelow31800IsDropped() {
        var s = PeerSession(direction: .inbound, ourVersion: PeerSessionTests.version(nonce: 42), now: 0)
        let actions = s.receive(.version(PeerSessionTests.version(nonce: 7, protocolVersion: 31799)), now: 0.1)
        #expect(PeerSessionTests.sent(actions).isEmpty, "nothing is answered")
        #expect(s.phase == .failed(reason: "protocol version 31799 is below 31800"))
        var ok = PeerSession(direction: .inbound, ourVersion: PeerSessionTests.version(nonce: 42), now: 0)
        _ = ok.receive(.version(PeerSessionTests.version(nonce: 7, protocolVersion: 31800)), now: 0.1)
        #expect(ok.phase == .versionReceived)
    }

    @Test(arguments: [Message.wtxidrelay, .sendaddrv2])
    func negotiationAfterVerackEndsTheConnection(message: Message) {
        var s = PeerSession(direction: .outbound, ourVersion: PeerSessionTests.version(nonce: 42), now: 0)
        _ = s.connected(now: 0)
        // Before verack: accepted.
        _ = s.receive(.version(PeerSessionTests.version(nonce: 7)), now: 0.01)
        #expect(s.receive(message, now: 0.02).isEmpty)
        _ = s.receive(.verack, now: 0.03)
        #expect(s.isEstablished)
        let actions = s.receive(message, now: 0.04)
        #expect(actions.contains(.close))
        #expect(s.phase == .failed(reason: "\(message.command) after the handshake"))
    }

    @Test func inventoryAndHeaderLimits() {
        func payload(count: UInt64) -> ArraySlice<UInt8> {
            var w = WireWriter()
            w.writeCompactSize(count)
            return w.bytes[...]
        }
        #expect(AddrLimits.oversizedReason(command: .inv, payload: payload(count: 50_000)) == nil)
        #expect(AddrLimits.oversizedReason(command: .inv, payload: payload(count: 50_001)) != nil)
        #expect(AddrLimits.oversizedReason(command: .getdata, payload: payload(count: 50_001)) != nil)
        #expect(AddrLimits.oversizedReason(command: .headers, payload: payload(count: 2000)) == nil)
        #expect(AddrLimits.oversizedReason(command: .headers, payload: payload(count: 2001)) != nil)
        #expect(AddrLimits.oversizedReason(command: .notfound, payload: payload(count: 50_001)) == nil)
    }
}
