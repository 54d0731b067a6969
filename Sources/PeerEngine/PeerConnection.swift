import BitcoinWire
import Dispatch

/// One peer: wires its ``PeerSocket`` to its ``Transport`` to its ``PeerSession`` to the
/// engine's events, and ends in one place (``finish(_:)``).
///
/// All mutable state is confined to `queue` (hence `@unchecked Sendable`): every entry
/// point hops onto it, and the socket's Dispatch sources fire on it.
final class PeerConnection: @unchecked Sendable, PeerSocketDelegate {
    let id: PeerID
    let queue: DispatchQueue
    /// Strong: the engine holds live peers and a peer holds its engine until it ends.
    private let engine: PeerEngine
    private var info: PeerInfo
    private var session: PeerSession
    private var socket: PeerSocket
    private var transport: any Transport
    private let endpoint: Endpoint?
    /// How an outbound peer is reached (direct for inbound peers).
    private let route: ProxyRoute
    /// Set while the SOCKS5 proxy is asked to connect: between the TCP connect to the
    /// proxy and the transport's start.
    private var negotiation: Socks5Negotiation?
    /// For an outbound peer: the transport asked for (`auto` may fall back to v1 once).
    private let outboundChoice: OutboundTransport?
    private var timer: DispatchSourceTimer?
    /// When `timer` is set to fire (nil once it fired or was cancelled): never later than
    /// the session's next deadline, maybe earlier.
    private var timerDeadline: Double?
    /// Our last message of each command, for `resend`.
    private var lastSent: [Command: Message] = [:]
    private var finished = false
    /// Set on a leg of a relayed pair: it speaks for neither side, only carries across.
    let relay: RelayBinding?
    /// Set while this leg's unsent bytes keep the other leg from reading.
    private var holdingPartner = false
    /// Why this relay leg does not read now (it reads when the set is empty).
    private var pauses: Set<RelayPause> = []

    /// A relay leg's pair and side.
    struct RelayBinding {
        let pair: RelayPair
        let side: RelaySide
        let partner: PeerID
    }

    /// How an outbound connection picks its transport.
    enum OutboundTransport: Equatable {
        case v1
        /// v2; `fallback`: retry once in v1 if the peer hangs up during the key exchange.
        case v2(fallback: Bool)
    }

    /// An outbound peer; call ``start()`` next.
    init(
        id: PeerID, endpoint: Endpoint, route: ProxyRoute, transport choice: OutboundTransport, engine: PeerEngine, ourVersion: VersionMessage,
        relay: RelayBinding? = nil
    ) {
        self.id = id
        self.endpoint = endpoint
        self.route = route
        self.engine = engine
        self.relay = relay
        outboundChoice = choice
        queue = DispatchQueue(label: "verack.peer.\(id)", target: DispatchQueue.global())
        info = PeerInfo(id: id, address: endpoint.description, direction: .outbound, phase: .connecting, startedAt: engine.now)
        session = Self.session(.outbound, ourVersion: ourVersion, relay: relay, engine: engine)
        nonce = session.ourVersion.nonce
        socket = PeerSocket(queue: queue)
        transport = engine.makeTransport(choice == .v1 ? .v1 : .v2, initiating: true)
        info.transport = transport.kind
        if case let .proxy(server) = route { info.proxy = server.description }
        bindRelay()
        socket.delegate = self
    }

    /// An inbound peer on an accepted socket. `policy`: the transports it may speak (nil:
    /// the engine's).
    init(
        id: PeerID, acceptedFD: Int32, address: SocketAddress, engine: PeerEngine, ourVersion: VersionMessage,
        policy: TransportPolicy? = nil, relay: RelayBinding? = nil
    ) {
        self.id = id
        self.endpoint = nil
        route = .direct
        self.engine = engine
        self.relay = relay
        outboundChoice = nil
        queue = DispatchQueue(label: "verack.peer.\(id)", target: DispatchQueue.global())
        info = PeerInfo(id: id, address: address.description, direction: .inbound, phase: .connecting, startedAt: engine.now)
        session = Self.session(.inbound, ourVersion: ourVersion, relay: relay, engine: engine)
        nonce = session.ourVersion.nonce
        socket = PeerSocket(queue: queue, acceptedFD: acceptedFD)
        transport = engine.makeInboundTransport(policy ?? engine.configuration.transport)
        info.transport = transport.kind
        bindRelay()
        socket.delegate = self
    }

    /// Our own session, or for a relay leg a session that only watches the handshake go by.
    private static func session(_ direction: PeerDirection, ourVersion: VersionMessage, relay: RelayBinding?, engine: PeerEngine) -> PeerSession {
        guard relay == nil else { return .observer(direction: direction, now: engine.now) }
        return PeerSession(direction: direction, ourVersion: ourVersion, settings: engine.sessionSettings, now: engine.now)
    }

    private func bindRelay() {
        guard let relay else { return }
        info.relay = RelayLeg(pair: relay.pair.id, side: relay.side, partner: relay.partner)
        socket.sendBufferLimit = RelayPair.sendBufferLimit
    }

    /// Our version's nonce: set once, so other queues may read it (self-connection check).
    let nonce: UInt64

    // MARK: - Start

    func start() {
        queue.async { [self] in
            engine.post(.peerAdded(info))
            if endpoint == nil {
                armTimer()
                socket.openAccepted()
            } else {
                resolveAndConnect()
            }
        }
    }

    private func resolveAndConnect() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let target = endpoint else { return }
        armTimer()
        // Through a proxy we dial the proxy; the target's name goes in the SOCKS5 request.
        let endpoint: Endpoint
        if case let .proxy(server) = route { endpoint = server.endpoint } else { endpoint = target }
        if IPAddress(endpoint.host) != nil {
            resolved(SocketAddress.resolve(endpoint, numericOnly: true))
            return
        }
        // getaddrinfo blocks: keep it off this queue, so the connect timeout and `drop`
        // still work while a slow DNS server thinks.
        DispatchQueue.global().async { [self] in
            let result = SocketAddress.resolve(endpoint)
            queue.async { [self] in resolved(result) }
        }
    }

    private func resolved(_ result: Result<[SocketAddress], EngineError>) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished else { return }
        switch result {
        case let .failure(error): finish(.failed(reason: proxyPrefix + error.message))
        case let .success(addresses): socket.connect(addresses)
        }
    }

    /// `proxy HOST:PORT: ` before a reason about the proxy's own connection, else nothing.
    private var proxyPrefix: String {
        guard case let .proxy(server) = route else { return "" }
        return "proxy \(server): "
    }

    // MARK: - SOCKS5

    /// Asks the proxy to connect to the target (the transport waits until it has).
    private func startProxyNegotiation(_ server: ProxyServer) {
        guard let endpoint else { return }
        var credentials: Socks5Negotiation.Credentials?
        if engine.configuration.proxy.randomizeCredentials {
            var rng = SystemRandomNumberGenerator()
            credentials = .init(username: String(rng.next() as UInt64, radix: 16), password: String(rng.next() as UInt64, radix: 16))
        } else if let username = server.username, let password = server.password {
            credentials = .init(username: username, password: password)
        }
        do {
            var machine = try Socks5Negotiation(host: endpoint.host, port: endpoint.port, credentials: credentials)
            let greeting = machine.start()
            negotiation = machine
            socket.send(greeting)
        } catch {
            finish(.failed(reason: "proxy \(server): \(error)"))
        }
    }

    /// Reply bytes of the proxy: no more than the negotiation can use, so whatever the
    /// target sends after the proxy's reply stays in the socket for the transport.
    private func receiveFromProxy(upTo maxBytes: Int, _ read: (UnsafeMutableRawBufferPointer) -> Int) {
        guard var machine = negotiation else { return }
        let wanted = max(1, min(machine.wanted, maxBytes))
        var chunk = [UInt8](repeating: 0, count: wanted)
        let count = chunk.withUnsafeMutableBytes { read($0) }
        guard count > 0 else { return }
        let step = machine.receive(chunk[0..<count])
        negotiation = machine
        switch step {
        case .wait:
            break
        case let .send(bytes):
            socket.send(bytes)
        case let .failed(error):
            negotiation = nil
            finish(.failed(reason: proxyPrefix + error.description))
        case let .connected(_, extra):
            negotiation = nil
            info.lastHeard = engine.now
            handle(transport.open())
            armTimer()
            if !extra.isEmpty && !finished {
                let (_, outputs) = transport.receive(upTo: extra.count) { space in
                    extra.withUnsafeBytes { space.copyMemory(from: $0) }
                    return extra.count
                }
                handle(outputs)
            }
        }
    }

    // MARK: - Socket events

    func socketOpened() {
        dispatchPrecondition(condition: .onQueue(queue))
        info.localAddress = socket.localAddress
        engine.post(.peerUpdated(info))
        if case let .proxy(server) = route {
            startProxyNegotiation(server)
            return
        }
        handle(transport.open())
        armTimer()
    }

    func socketReceive(upTo maxBytes: Int, _ read: (UnsafeMutableRawBufferPointer) -> Int) {
        guard !finished else { return }
        if negotiation != nil {
            receiveFromProxy(upTo: maxBytes, read)
            return
        }
        let wasKnown = transport.kind != nil
        let (count, outputs) = transport.receive(upTo: maxBytes, read)
        guard count > 0 else { return }
        info.lastHeard = engine.now
        if !wasKnown, let kind = transport.kind {
            info.transport = kind
            engine.post(.peerUpdated(info))
        }
        handle(outputs)
    }

    func socketReadRoundEnded() {
        if !finished { engine.post(.peerUpdated(info)) }
    }

    func socketEnded(_ end: PeerSocket.End) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished else { return }
        let pending = transport.bufferedByteCount
        let midFrame = pending > 0 ? " in the middle of a frame (\(pending) bytes pending)" : ""
        switch end {
        case let .connectFailed(reason):
            finish(.failed(reason: proxyPrefix + reason))
        case .peerClosed, .error:
            let what: String
            if case let .error(text) = end { what = text } else { what = "peer closed the connection" }
            if negotiation != nil {
                let proxyWhat = what == "peer closed the connection" ? "closed the connection" : what
                finish(.failed(reason: "\(proxyPrefix)\(proxyWhat) during the SOCKS5 negotiation"))
            } else if transport.inKeyExchange {
                if outboundChoice == .v2(fallback: true) && !info.fellBackToV1 {
                    retryInV1(after: what)
                } else {
                    finish(.closed(reason: "\(what) during the v2 key exchange"))
                }
            } else {
                finish(.closed(reason: what + midFrame))
            }
        case let .notReading(unsent):
            finish(.failed(reason: "peer is not reading (\(unsent) bytes unsent)"))
        }
    }

    /// Auto mode, as Core: a peer that hangs up during the v2 key exchange may not speak
    /// v2; connect once more in v1.
    private func retryInV1(after what: String) {
        engine.post(.notice("peer \(id): \(what) during the v2 key exchange; retrying in v1"))
        info.fellBackToV1 = true
        transport = engine.makeTransport(.v1, initiating: true)
        info.transport = .v1
        info.sessionID = nil
        socket = PeerSocket(queue: queue)
        bindRelay()
        socket.delegate = self
        engine.post(.peerUpdated(info))
        resolveAndConnect()
    }

    // MARK: - Transport outputs

    private func handle(_ outputs: [TransportOutput]) {
        for output in outputs {
            guard !finished else { return }
            switch output {
            case let .send(unit, origin):
                info.sent.count(command: unit.label, bytes: unit.raw.count)
                engine.post(.frame(FrameEvent(peer: id, direction: .sent, time: engine.now, unit: unit, origin: origin, relay: ownMark)))
                socket.send(unit.raw)
            case let .received(unit, deliver):
                if let relay {
                    relayReceived(unit, deliver: deliver, relay)
                    continue
                }
                info.received.count(command: unit.label, bytes: unit.raw.count)
                // The book learns first, so whoever reads the event finds the addresses there
                // (a crawl in `auto` dials v2 to an address gossiped with NODE_P2P_V2).
                if let deliver { engine.learn(from: deliver, peer: id, address: info.address) }
                let event = FrameEvent(peer: id, direction: .received, time: engine.now, unit: unit)
                engine.post(.frame(event))
                if let deliver {
                    apply(session.receive(deliver, now: engine.now))
                } else if let command = event.command, let reason = AddrLimits.oversizedReason(command: command, payload: event.payload) {
                    // As Core: an address list over the protocol's limit ends the connection.
                    finish(.failed(reason: reason))
                }
            case .ready:
                info.transport = transport.kind
                if let relay {
                    engine.post(.peerUpdated(info))
                    for message in relay.pair.legReady(relay.side) { relaySend(message) }
                } else {
                    apply(session.connected(now: engine.now))
                }
            case let .sessionID(sid):
                info.sessionID = sid
                engine.post(.peerUpdated(info))
            case let .failed(reason):
                finish(.failed(reason: reason))
            }
        }
    }

    // MARK: - Relay

    /// The mark of a unit that belongs to this leg alone (a v2 handshake step).
    private var ownMark: RelayMark? {
        relay.map { RelayMark(pair: $0.pair.id, leg: $0.side, from: $0.side, sequence: 0) }
    }

    /// A relay leg received `unit`: log it, and send it across unless intercept holds it.
    private func relayReceived(_ unit: WireUnit, deliver: Message?, _ relay: RelayBinding) {
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
        if held == nil, let reason = relay.pair.route(message) { relayPause(reason) }
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
    private func relayObserve(_ message: Message, sent: Bool) {
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

    // MARK: - Writing

    private func sendMessage(_ message: Message, corruption: Corruption? = nil, origin: FrameOrigin = .protocol) {
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

    private func apply(_ actions: [PeerSession.Action]) {
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
    private func enter(_ phase: PeerPhase) {
        let old = info.phase
        info.phase = phase
        info.phaseChangedAt = engine.now
        if phase == .established { info.establishedAt = engine.now }
        engine.post(.phaseChanged(info, from: old))
    }

    /// One one-shot timer at the session's next deadline (and the connect timeout): no polling.
    private func armTimer() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished else { return }
        var deadline = session.nextDeadline
        if info.phase == .connecting && session.direction == .outbound {
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

    private func timerFired() {
        dispatchPrecondition(condition: .onQueue(queue))
        timerDeadline = nil
        guard !finished else { return }
        let now = engine.now
        if info.phase == .connecting && session.direction == .outbound && now - info.startedAt >= engine.configuration.connectTimeout {
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

    // MARK: - Operations (called from any thread)

    func drop(reason: String = "dropped by command") {
        queue.async { [self] in finish(.dropped(reason: reason)) }
    }

    /// Refuses an operation on a peer that cannot take messages now, with a one-line reason.
    private func refusalToSend() -> String? {
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
    private func freshMessage(_ command: Command) -> Message? {
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

    // MARK: - End

    /// The one way a peer ends: the session records the end phase, the socket closes, the
    /// engine forgets the peer.
    private func finish(_ phase: PeerPhase) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished else { return }
        for action in session.ended(phase) {
            switch action {
            case let .phaseChanged(p): enter(p)
            case let .silenceChanged(s): info.silence = s
            default: break
            }
        }
        end()
    }

    private func end() {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        timer = nil
        socket.close()
        engine.post(.peerUpdated(info))
        if let relay, relay.pair.legEnded(relay.side, id: id, phase: info.phase) { engine.relayPairEnded(relay.pair) }
        engine.peerFinished(id)
    }
}
