import BitcoinWire
import PeerEngine
@testable import ConsoleUI

/// Events and models for the tests, with fixed times so screens are reproducible.
enum Fixtures {
    static let magic = Magic(0xda, 0xb5, 0xbf, 0xfa)

    static func version(agent: String = "/Bitcoin SV:1.0.13/", height: Int32 = 871_234) -> VersionMessage {
        VersionMessage(
            version: 70016, services: [.network, .bloom], timestamp: 1_700_000_000,
            receiver: NetworkAddress(), nonce: 42, userAgent: agent, startHeight: height)
    }

    static func peer(_ id: PeerID, _ phase: PeerPhase = .established, address: String = "127.0.0.1:18444") -> PeerInfo {
        var info = PeerInfo(id: id, address: address, direction: .outbound, phase: phase, startedAt: 0)
        info.transport = .v1
        if phase != .connecting && phase != .versionSent { info.version = version() }
        info.pingMs = 0.4
        info.sent.count(command: "version", bytes: 150)
        info.received.count(command: "version", bytes: 1234)
        info.lastHeard = 1
        return info
    }

    static func frame(
        _ message: Message, peer: PeerID = 1, direction: FrameDirection = .sent, time: Double = 0.5,
        corruption: Corruption? = nil
    ) -> FrameEvent {
        var raw = FrameEncoder.encode(message, magic: magic)
        if let corruption, let broken = try? corruption.apply(to: raw) { raw = broken }
        let ok = corruption != .checksum
        return FrameEvent(
            peer: peer, direction: direction, time: time, raw: raw, command: message.command,
            size: Int(raw.count - 24), checksumOK: ok, message: .success(message), corruption: corruption)
    }

    /// A model with one established peer and a short handshake in the log.
    static func handshake(width: Int = 80, height: Int = 24) -> ConsoleModel {
        var model = ConsoleModel(networkName: "custom-dab5bffa", width: width, height: height)
        model.handle(.peerAdded(peer(1, .connecting)))
        model.handle(.frame(frame(.version(version(agent: "/verack:0.1.0/", height: 0)), time: 0.010)))
        model.handle(.frame(frame(.version(version()), direction: .received, time: 0.012)))
        model.handle(.frame(frame(.verack, direction: .received, time: 0.013)))
        model.handle(.frame(frame(.verack, time: 0.014)))
        model.handle(.phaseChanged(peer(1), from: .verackReceived))
        model.handle(.frame(frame(.ping(nonce: 0xabc), direction: .received, time: 0.020)))
        model.handle(.frame(frame(.pong(nonce: 0xabc), time: 0.021)))
        model.tick(now: 3)
        return model
    }
}

extension ConsoleModel {
    /// Types `text` and presses Enter.
    mutating func type(_ text: String, enter: Bool = true) -> [ConsoleAction] {
        var actions: [ConsoleAction] = []
        for ch in text { actions += handle(key: .char(ch)) }
        if enter { actions += handle(key: .enter) }
        return actions
    }

    mutating func press(_ keys: Key...) -> [ConsoleAction] {
        keys.flatMap { handle(key: $0) }
    }
}

extension Screen {
    /// The rows joined by newlines, without trailing empty rows.
    var text: String {
        var rows = lines
        while rows.last == "" { rows.removeLast() }
        return rows.joined(separator: "\n")
    }
}

/// Events as tests write them: a frame at its own time, the rest at time 0 unless given.
extension PeerEvent {
    static func frame(_ f: FrameEvent) -> PeerEvent { PeerEvent(time: f.time, .frame(f)) }
    static func peerAdded(_ info: PeerInfo, at t: Double = 0) -> PeerEvent { PeerEvent(time: t, .peerAdded(info)) }
    static func phaseChanged(_ info: PeerInfo, from old: PeerPhase, at t: Double = 0) -> PeerEvent { PeerEvent(time: t, .phaseChanged(info, from: old)) }
    static func peerUpdated(_ info: PeerInfo, at t: Double = 0) -> PeerEvent { PeerEvent(time: t, .peerUpdated(info)) }
    static func peerRemoved(_ id: PeerID, at t: Double = 0) -> PeerEvent { PeerEvent(time: t, .peerRemoved(id)) }
    static func error(peer: PeerID?, message: String, at t: Double = 0) -> PeerEvent { PeerEvent(time: t, .error(peer: peer, message: message)) }
    static func notice(_ text: String, at t: Double = 0) -> PeerEvent { PeerEvent(time: t, .notice(text)) }
    static func framesDropped(count: Int, at t: Double = 0) -> PeerEvent { PeerEvent(time: t, .framesDropped(count: count)) }
}
