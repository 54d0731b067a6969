import BitcoinWire
import PeerEngine
@testable import ConsoleUI

/// A relayed pair for the tests: leg A (peer 3, the node that connected to the relay) and
/// leg B (peer 4, the target), pair 1.
enum RelayFixtures {
    static let sessionA: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 0x1a) }
    static let sessionB: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 0x9f) }

    static func leg(_ side: RelaySide, v2: Bool = false) -> PeerInfo {
        let id = side == .a ? 3 : 4
        var info = Fixtures.peer(id, address: side == .a ? "127.0.0.1:50123" : "127.0.0.1:18444")
        info.direction = side == .a ? .inbound : .outbound
        info.relay = RelayLeg(pair: 1, side: side, partner: side == .a ? 4 : 3)
        if v2 {
            info.transport = .v2
            info.sessionID = side == .a ? sessionA : sessionB
        }
        return info
    }

    /// A v1 frame of the pair: `leg` is the wire it crossed, `from` the side it came from.
    static func v1(
        _ message: Message, leg: RelaySide, from: RelaySide, sequence: Int, held: Int? = nil, time: Double, corruption: Corruption? = nil
    ) -> FrameEvent {
        var f = Fixtures.frame(
            message, peer: leg == .a ? 3 : 4, direction: leg == from ? .received : .sent, time: time, corruption: corruption)
        f.relay = RelayMark(pair: 1, leg: leg, from: from, sequence: sequence, held: held)
        return f
    }

    /// A v2 packet of a ping: other ciphertext on each leg, the same plaintext.
    static func v2Ping(nonce: UInt64, leg: RelaySide, from: RelaySide, sequence: Int, held: Int? = nil, time: Double) -> FrameEvent {
        let payload = (0..<8).map { UInt8(truncatingIfNeeded: nonce >> (8 * UInt64($0))) }
        let key: UInt8 = leg == .a ? 0x5a : 0xc3
        let raw = (0..<(20 + 1 + payload.count)).map { UInt8(truncatingIfNeeded: $0 &* 31) ^ key }
        let unit = WireUnit(
            transport: .v2, raw: raw, layout: .v2Packet(count: raw.count), command: Command.ping, size: 1 + payload.count,
            checksumOK: true, message: .success(.ping(nonce: nonce)), plaintext: payload)
        return FrameEvent(
            peer: leg == .a ? 3 : 4, direction: leg == from ? .received : .sent, time: time, unit: unit,
            relay: RelayMark(pair: 1, leg: leg, from: from, sequence: sequence, held: held))
    }

    /// A console with the pair established (v1 or v2), its versions relayed both ways,
    /// `intercept ping` on and a ping from A held as h1.
    static func heldPing(v2: Bool = false, width: Int = 100, height: Int = 30) -> ConsoleModel {
        var m = ConsoleModel(networkName: "regtest", width: width, height: height)
        m.handle(PeerEvent(time: 0, .relay(.listening(listen: "127.0.0.1:18555", port: 18555, target: "127.0.0.1:18444"))))
        m.handle(.peerAdded(leg(.a, v2: v2)))
        m.handle(.peerAdded(leg(.b, v2: v2)))
        m.handle(.frame(v1(.version(Fixtures.version(agent: "/Satoshi:27.0.0/")), leg: .a, from: .a, sequence: 1, time: 0.010)))
        m.handle(.frame(v1(.version(Fixtures.version(agent: "/Satoshi:27.0.0/")), leg: .b, from: .a, sequence: 1, time: 0.011)))
        m.handle(.frame(v1(.version(Fixtures.version()), leg: .b, from: .b, sequence: 2, time: 0.020)))
        m.handle(.frame(v1(.version(Fixtures.version()), leg: .a, from: .b, sequence: 2, time: 0.021)))
        m.handle(PeerEvent(time: 1, .relay(.intercepting(InterceptRule(commands: [Command.ping])))))
        if v2 {
            m.handle(.frame(v2Ping(nonce: 0xabc, leg: .a, from: .a, sequence: 3, held: 1, time: 1.5)))
        } else {
            m.handle(.frame(v1(.ping(nonce: 0xabc), leg: .a, from: .a, sequence: 3, held: 1, time: 1.5)))
        }
        m.tick(now: 3)
        return m
    }
}

/// The relay's screens (printed by `VERACK_DUMP=1 swift test --filter dumpRelayScreens`).
enum RelayScenarios {
    static func heldPing() -> Screen { RelayFixtures.heldPing().render() }

    static func v2Detail() -> Screen {
        var m = RelayFixtures.heldPing(v2: true, width: 120, height: 30)
        m.handle(PeerEvent(time: 2, .relay(.released(held: 1, pair: 1, sequence: 3, forwarded: true, note: "forwarded"))))
        m.handle(.frame(RelayFixtures.v2Ping(nonce: 0xabc, leg: .b, from: .a, sequence: 3, time: 2.001)))
        _ = m.press(.tab, .tab, .enter)
        return m.render()
    }

    static func v1Detail() -> Screen {
        var m = RelayFixtures.heldPing(width: 120, height: 30)
        _ = m.press(.tab, .tab, .home, .enter)
        return m.render()
    }

    static func ladder() -> Screen {
        var m = RelayFixtures.heldPing(width: 120, height: 30)
        m.handle(.frame(RelayFixtures.v1(.pong(nonce: 0xabc), leg: .b, from: .b, sequence: 4, time: 2.5)))
        m.handle(.frame(RelayFixtures.v1(.pong(nonce: 0xabc), leg: .a, from: .b, sequence: 4, time: 2.501)))
        _ = m.press(.tab, .enter)
        return m.render()
    }

    static let all: [(String, @Sendable () -> Screen)] = [
        ("heldPing", heldPing), ("v2Detail", v2Detail), ("v1Detail", v1Detail), ("ladder", ladder),
    ]
}
