import BitcoinWire
import Dispatch

/// A relay leg: it speaks for neither side and carries what it receives to the other leg
/// (see `Relay/`).
extension PeerConnection {
    /// The mark of a unit that belongs to this leg alone (a v2 handshake step).
    var ownMark: RelayMark? {
        relay.map { RelayMark(pair: $0.pair.id, leg: $0.side, from: $0.side, sequence: 0) }
    }

    /// A relay leg received `unit`: log it, and send it across unless intercept holds it.
    func relayReceived(_ unit: WireUnit, deliver: Message?, _ relay: RelayBinding) {
        info.received.count(command: unit.label, bytes: unit.raw.count)
        guard unit.command != nil || unit.kind == .v2UnknownID else {
            engine.post(.frame(FrameEvent(peer: id, direction: .received, time: engine.now, unit: unit, relay: ownMark)))
            return
        }
        let message = RelayedUnit(unit: unit, from: relay.side, sequence: relay.pair.takeSequence())
        let held = engine.relayHub.holdIfMatching(message, in: relay.pair)
        let mark = RelayMark(pair: relay.pair.id, leg: relay.side, from: relay.side, sequence: message.sequence, held: held)
        engine.post(.frame(FrameEvent(peer: id, direction: .received, time: engine.now, unit: unit, relay: mark)))
        if let deliver { relayObserve(deliver, sent: false) }
        if held == nil, let reason = relay.pair.route(message, from: queue) { relayPause(reason) }
    }

    /// Sends a message that came across the relay (or was injected, or released).
    func relaySend(_ message: RelayedUnit) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished, let relay else { return }
        defer { relay.pair.delivered(to: relay.side, bytes: message.inFlightBytes) }
        switch transport.forward(message.unit, corruption: message.corruption) {
        case let .failure(error):
            let what = "pair \(relay.pair.id) \(message.from.flow) #\(message.sequence) \(message.unit.label)"
            engine.post(.error(peer: id, message: "\(what) not forwarded: \(error.message)"))
        case let .success(unit):
            info.sent.count(command: unit.label, bytes: unit.raw.count)
            let mark = RelayMark(pair: relay.pair.id, leg: relay.side, from: message.from, sequence: message.sequence)
            engine.post(.frame(FrameEvent(peer: id, direction: .sent, time: engine.now, unit: unit, origin: message.origin, relay: mark)))
            socket.send(unit.raw)
            if case let .success(sent)? = unit.message { relayObserve(sent, sent: true) }
            if !holdingPartner && socket.unsentByteCount > RelayPair.highWater {
                holdingPartner = true
                socket.drainThreshold = RelayPair.lowWater
                relay.pair.backpressure(from: relay.side, paused: true)
            }
        }
    }

    func socketDrained() {
        guard holdingPartner, let relay else { return }
        holdingPartner = false
        relay.pair.backpressure(from: relay.side, paused: false)
    }

    /// The handshake as it goes by: the leg's phase, and the version of the node it faces.
    func relayObserve(_ message: Message, sent: Bool) {
        if !sent, case let .version(v) = message, info.version == nil {
            info.version = v
            engine.post(.peerUpdated(info))
        }
        if let phase = session.observe(message, sent: sent, now: engine.now) { enter(phase) }
    }

    func relayPause(_ reason: RelayPause) {
        guard !finished else { return }
        pauses.insert(reason)
        socket.pauseReading()
    }

    func relayResume(_ reason: RelayPause) {
        guard !finished, pauses.remove(reason) != nil, pauses.isEmpty else { return }
        socket.resumeReading()
    }

    /// The other leg ended: this one ends too, saying why.
    func relayPartnerEnded(_ reason: String) {
        queue.async { [self] in finish(.dropped(reason: reason)) }
    }
}
