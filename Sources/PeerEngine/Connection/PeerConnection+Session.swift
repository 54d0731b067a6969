import BitcoinWire
import Dispatch

/// Writing our messages, the session's actions, and the one timer at its next deadline.
extension PeerConnection {
    func sendMessage(_ message: Message, corruption: Corruption? = nil, origin: FrameOrigin = .protocol) {
        dispatchPrecondition(condition: .onQueue(queue))
        switch transport.encode(message, corruption: corruption) {
        case let .failure(error):
            engine.post(.error(peer: id, message: error.message))
        case let .success(unit):
            if corruption == nil { lastSent[message.command] = message }
            info.sent.count(command: message.command.name, bytes: unit.raw.count)
            engine.post(.frame(FrameEvent(peer: id, direction: .sent, time: engine.now, unit: unit, origin: origin)))
            socket.send(unit.raw)
        }
    }

    // MARK: - Session actions, timers

    func apply(_ actions: [PeerSession.Action]) {
        dispatchPrecondition(condition: .onQueue(queue))
        var changed = false
        for action in actions {
            switch action {
            case let .send(message):
                if case .version = message, let corruption = engine.configuration.corruptVersion, lastSent[.version] == nil,
                   !Corruption.v2HandshakeKinds.contains(corruption) {
                    lastSent[.version] = message
                    if let refusal = transport.refusal(of: corruption) {
                        engine.post(.error(peer: id, message: refusal + "; version sent intact"))
                        sendMessage(message)
                    } else {
                        sendMessage(message, corruption: corruption, origin: .corrupted(corruption))
                    }
                } else {
                    sendMessage(message)
                }
            case let .phaseChanged(phase):
                enter(phase)
                if phase == .established && engine.configuration.releasesEstablished && relay == nil {
                    release()
                    return
                }
            case let .peerVersion(v):
                if engine.isLocalNonce(v.nonce, except: id) {
                    finish(.failed(reason: "connected to ourselves (our own nonce came back)"))
                    return
                }
                info.version = v
                engine.learnVersion(v, of: info.address, direction: info.direction)
                changed = true
            case let .roundTrip(ms):
                info.pingMs = ms
                changed = true
            case let .silenceChanged(s):
                info.silence = s
                changed = true
            case .close:
                end()
                return
            }
        }
        if changed && !finished { engine.post(.peerUpdated(info)) }
        armTimer()
    }

    /// Records the session's new phase and reports it.
    func enter(_ phase: PeerPhase) {
        let old = info.phase
        info.phase = phase
        info.phaseChangedAt = engine.now
        if phase == .established { info.establishedAt = engine.now }
        engine.post(.phaseChanged(info, from: old))
    }

    /// One one-shot timer at the session's next deadline (and the connect timeout): no polling.
    func armTimer() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished else { return }
        var deadline = session.nextDeadline
        if awaitsConnect {
            let connectDeadline = info.startedAt + engine.configuration.connectTimeout
            deadline = min(deadline ?? connectDeadline, connectDeadline)
        }
        // Setting a Dispatch timer wakes Dispatch's manager thread (a context switch or
        // two per peer): a timer already due no later than the new deadline is left as it
        // is. When it fires early the session's tick finds nothing due and the timer is set
        // again. For the same reason the first setting is no later than the earliest
        // deadline a handshake brings (the silence timeout on our version): then a whole
        // handshake sets the timer once.
        guard var deadline else { return }
        if timer != nil, let scheduled = timerDeadline, scheduled <= deadline { return }
        if timer == nil { deadline = min(deadline, engine.now + engine.configuration.silenceTimeout) }
        timerDeadline = deadline
        if timer == nil {
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.setEventHandler { [weak self] in self?.timerFired() }
            timer = t
            t.schedule(deadline: engine.dispatchTime(at: deadline), leeway: .milliseconds(10))
            t.resume()
        } else {
            timer?.schedule(deadline: engine.dispatchTime(at: deadline), leeway: .milliseconds(10))
        }
    }

    func timerFired() {
        dispatchPrecondition(condition: .onQueue(queue))
        timerDeadline = nil
        guard !finished else { return }
        let now = engine.now
        if awaitsConnect && now - info.startedAt >= engine.configuration.connectTimeout {
            let seconds = Int(engine.configuration.connectTimeout)
            let reason: String
            if negotiation != nil {
                reason = "\(proxyPrefix)no SOCKS5 answer within \(seconds) s"
            } else if socket.isOpen {
                reason = "no v2 key exchange within \(seconds) s"
            } else {
                reason = "\(proxyPrefix)connect timeout after \(seconds) s"
            }
            finish(.failed(reason: reason))
            return
        }
        apply(session.tick(now: now))
    }

    /// An outbound connection still on its way: the connect timeout runs until its
    /// transport is ready (a relay leg's phase stays `connecting` until a version goes by,
    /// which may be never: the relay carries whatever the nodes say).
    var awaitsConnect: Bool {
        session.direction == .outbound && !transportReady && !info.phase.isEnd
    }
}
