import BitcoinWire
import Dispatch
import Foundation

/// A case's connections: dialling, the handshake up to the phase a case needs, and
/// pumping what the peer sends into the observation.
extension ProbeRunner {
    struct LinkState {
        var established = false
        var establishedAt: Double?
        var peerVersion: VersionMessage?
        var followUpNonce: UInt64?
        var followUpVersion = false
        var awaitedPong: UInt64?
        var pongAt: Double?
        /// Send nothing more, not even a pong: the case left the stream mid-frame.
        var mute = false
    }

    func makeVersion() -> VersionMessage {
        VersionMessage(
            version: VersionMessage.currentProtocol, services: [], timestamp: Int64(Date().timeIntervalSince1970),
            receiver: NetworkAddress(ip: IPAddress(target.host) ?? .unspecified, port: target.port),
            nonce: UInt64.random(in: 1...UInt64.max), userAgent: settings.userAgent, startHeight: 0, relay: false)
    }

    /// A new connection, or nil with the reason in `o` (the address refused us).
    var checkFraming: ProbeFraming { settings.transport == .v2 ? .v2() : .v1 }

    /// The frame hook's tap for case `name`'s connection; nil when nobody listens.
    func tap(_ name: String) -> ProbeLinkTap? {
        guard let onFrame else { return nil }
        let clock = clock
        return { direction, unit, origin in
            onFrame(ProbeFrame(caseName: name, direction: direction, time: clock.now, unit: unit, origin: origin))
        }
    }

    func open(_ o: inout ProbeObservation, framing: ProbeFraming, tap: ProbeLinkTap? = nil) -> ProbeLink? {
        switch ProbeLink.open(target, magic: settings.network.magic, framing: framing, timeout: settings.connectTimeout, tap: tap) {
        case let .failure(e):
            o.notRun = "cannot connect: \(e); an earlier case may have got the address refused"
            o.refusedLater = true
            return nil
        case let .success(link):
            return link
        }
    }

    func openEstablished(_ o: inout ProbeObservation, framing: ProbeFraming) -> (ProbeLink, VersionMessage)? {
        guard let link = open(&o, framing: framing) else { return nil }
        guard let peer = handshake(link, version: makeVersion(), observation: &o) else {
            link.close()
            return nil
        }
        return (link, peer)
    }

    /// The transport's own handshake (v2), then our version, the peer's version and verack,
    /// our verack: the peer's version, or nil with the reason in `o`.
    func handshake(_ link: ProbeLink, version: VersionMessage, observation o: inout ProbeObservation, timeout: Double? = nil) -> VersionMessage? {
        let seconds = timeout ?? settings.handshakeTimeout
        let deadline = clock.now + seconds
        var peer: VersionMessage?
        var verack = false
        var sentVersion = false
        while peer == nil || !verack {
            if link.isReady && !sentVersion {
                sentVersion = true
                guard link.send(.version(version)) else {
                    o.notRun = "the connection ended as our version went out"
                    return nil
                }
            }
            switch link.next(until: deadline, clock: clock) {
            case .timeout:
                o.notRun = "no handshake within \(Int(seconds)) s"
                return nil
            case .closed where link.unreadable:
                o.notRun = "the peer's answer to our handshake is no \(link.framingName) (\(link.endNote ?? "unreadable"))"
                return nil
            case .closed:
                o.notRun = "the peer closed during our handshake (\(link.endNote ?? "closed")); an earlier case may have got the address refused"
                o.refusedLater = true
                return nil
            case .ready:
                continue
            case let .unit(_, message):
                switch message {
                case let .version(v)? where peer == nil:
                    peer = v
                    link.send(.verack)
                case .verack?:
                    verack = true
                case let .ping(nonce)? where peer != nil:
                    link.send(.pong(nonce: nonce))
                default:
                    break
                }
            }
        }
        return peer
    }

    /// Reads until `deadline`, recording what arrives, answering pings once established,
    /// noting the follow-up's answer and the close.
    /// Returns early once `stop` holds after a frame.
    func pump(
        _ link: ProbeLink, until deadline: Double, _ state: inout LinkState, _ o: inout ProbeObservation,
        stop: (LinkState, ProbeObservation) -> Bool = { _, _ in false }
    ) {
        while o.closedAt == nil && !stop(state, o) {
            switch link.next(until: deadline, clock: clock) {
            case .timeout:
                return
            case .closed:
                noteClosed(link, &o)
                return
            case .ready:
                continue
            case let .unit(command, message):
                let now = clock.now
                switch message {
                case let .pong(nonce) where nonce == state.followUpNonce:
                    if o.followUpAnsweredAt == nil { o.followUpAnsweredAt = now }
                    continue
                case let .pong(nonce) where nonce == state.awaitedPong:
                    state.pongAt = now
                case let .ping(nonce) where (state.established || state.peerVersion != nil) && !state.mute:
                    link.send(.pong(nonce: nonce))
                case let .version(v) where state.followUpVersion && o.followUpAt != nil:
                    if state.peerVersion == nil {
                        state.peerVersion = v
                        link.send(.verack)
                    }
                    if o.followUpAnsweredAt == nil { o.followUpAnsweredAt = now }
                case let .version(v) where state.peerVersion == nil:
                    state.peerVersion = v
                default:
                    break
                }
                o.received.append(.init(time: now, command: command))
            }
        }
    }

    func noteClosed(_ link: ProbeLink, _ o: inout ProbeObservation) {
        guard o.closedAt == nil else { return }
        o.closedAt = clock.now
        o.closeNote = link.endNote
        if link.unreadable { o.unreadableAt = o.closedAt }
    }
}
