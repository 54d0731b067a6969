import BitcoinWire
import Dispatch

/// What the engine asks of a peer on behalf of a person (`drop`, `resend`, `send`): each
/// hops onto the peer's queue.
extension PeerConnection {
    func drop(reason: String = "dropped by command") {
        queue.async { [self] in finish(.dropped(reason: reason)) }
    }

    /// Refuses an operation on a peer that cannot take messages now, with a one-line reason.
    func refusalToSend() -> String? {
        if finished { return "peer \(id) is \(info.phase.word)" }
        if !socket.isOpen || negotiation != nil { return "peer \(id) is not connected yet" }
        if transport.kind == nil || transport.inKeyExchange { return "peer \(id) is still in the v2 key exchange" }
        return nil
    }

    func resend(command: Command, corruption: Corruption?) {
        queue.async { [self] in
            if let refusal = refusalToSend() {
                engine.post(.error(peer: id, message: refusal))
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
                } else if let fresh = freshMessage(command) {
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
                engine.post(.error(peer: id, message: refusal.hasSuffix("yet") ? "peer \(id) is not connected" : refusal))
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

    /// A message of `command` verack can make from nothing.
    func freshMessage(_ command: Command) -> Message? {
        switch command {
        case .verack: return .verack
        case .getaddr: return .getaddr
        case .sendheaders: return .sendheaders
        case .wtxidrelay: return .wtxidrelay
        case .sendaddrv2: return .sendaddrv2
        case .mempool: return .mempool
        case .filterclear: return .filterclear
        case .getheaders: return .getheaders(BlockLocator(hashes: [engine.genesisHash]))
        case .feefilter: return .feefilter(feerate: 1000)
        case .sendcmpct: return .sendcmpct(announce: false, version: 2)
        default: return nil
        }
    }
}
