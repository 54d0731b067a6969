import BitcoinWire
import Dispatch

/// What the engine asks of a peer on behalf of a person (`drop`, `resend`, `send`): each
/// hops onto the peer's queue.
extension PeerConnection {
    func drop(reason: String = "dropped by command") {
        queue.async { [self] in finish(.dropped(reason: reason)) }
    }

    /// Closes the connection without a word (``EngineConfiguration/releasesEstablished``).
    /// What we queued goes out first (the release comes in the middle of a read round, when
    /// our verack may still be held for that round's one send); a peer whose kernel buffer
    /// cannot take it now is left open, for the process's exit.
    /// The engine forgets the peer before the socket closes, so the far side cannot see the
    /// close while the engine still counts the peer.
    func release() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished, socket.sendQueuedNow() else { return }
        finished = true
        timer?.cancel()
        timer = nil
        engine.peerFinished(id, reported: false)
        socket.close()
    }

    /// Why a peer cannot take messages now.
    enum SendRefusal {
        case ended(PeerPhase)
        case notConnected
        case inKeyExchange

        /// The one-line reason; `yet`: the peer is still on its way (for `resend`, which
        /// follows the protocol's course).
        func text(peer id: PeerID, yet: Bool) -> String {
            switch self {
            case let .ended(phase): return "peer \(id) is \(phase.word)"
            case .notConnected: return "peer \(id) is not connected\(yet ? " yet" : "")"
            case .inKeyExchange: return "peer \(id) is still in the v2 key exchange"
            }
        }
    }

    /// Refuses an operation on a peer that cannot take messages now.
    func refusalToSend() -> SendRefusal? {
        if finished { return .ended(info.phase) }
        if !socket.isOpen || negotiation != nil { return .notConnected }
        if transport.kind == nil || transport.inKeyExchange { return .inKeyExchange }
        return nil
    }

    func resend(command: Command, corruption: Corruption?) {
        queue.async { [self] in
            if let refusal = refusalToSend() {
                engine.post(.error(peer: id, message: refusal.text(peer: id, yet: true)))
                return
            }
            if let corruption, let refusal = transport.refusal(of: corruption) {
                engine.post(.error(peer: id, message: refusal))
                return
            }
            let message: Message
            switch command {
            case .ping:
                message = session.makePing(now: engine.now)
            case .version:
                message = lastSent[.version] ?? .version(session.ourVersion)
                session.noteVersionResent(now: engine.now)
            default:
                if let last = lastSent[command] {
                    message = last
                } else if let fresh = Message.fresh(command, network: engine.configuration.network) {
                    message = fresh
                } else {
                    engine.post(.error(peer: id, message: "no \(command) sent to peer \(id) yet, and verack cannot make one"))
                    return
                }
            }
            sendMessage(message, corruption: corruption, origin: corruption.map { .corrupted($0) } ?? .injected)
            armTimer()
        }
    }

    func send(_ message: Message, corruption: Corruption?) {
        queue.async { [self] in
            if let refusal = refusalToSend() {
                engine.post(.error(peer: id, message: refusal.text(peer: id, yet: false)))
                return
            }
            if let corruption, let refusal = transport.refusal(of: corruption) {
                engine.post(.error(peer: id, message: refusal))
                return
            }
            if case let .ping(nonce) = message, corruption == nil { session.notePing(nonce: nonce, now: engine.now) }
            sendMessage(message, corruption: corruption, origin: corruption.map { .corrupted($0) } ?? .injected)
            armTimer()
        }
    }
}
