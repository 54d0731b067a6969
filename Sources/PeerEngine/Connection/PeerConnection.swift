import BitcoinWire
import Dispatch

/// One peer: wires its ``PeerSocket`` to its ``Transport`` to its ``PeerSession`` to the
/// engine's events, and ends in one place (``finish(_:)``).
///
/// All mutable state is confined to `queue` (hence `@unchecked Sendable`): every entry
/// point hops onto it, and the socket's Dispatch sources fire on it. The parts live in
/// `PeerConnection+Proxy` (SOCKS5), `+Session` (our messages, the session's actions, the
/// timer), `+Relay` (a relay leg) and `+Operations` (drop, resend, send); the state they
/// share is internal to the module for them, and touched on `queue` only.
final class PeerConnection: @unchecked Sendable, PeerSocketDelegate {
    let id: PeerID
    let queue: DispatchQueue
    /// Strong: the engine holds live peers and a peer holds its engine until it ends.
    let engine: PeerEngine
    var info: PeerInfo
    var session: PeerSession
    var socket: PeerSocket
    var transport: any Transport
    let endpoint: Endpoint?
    /// How an outbound peer is reached (direct for inbound peers).
    let route: ProxyRoute
    /// Set while the SOCKS5 proxy is asked to connect: between the TCP connect to the
    /// proxy and the transport's start.
    var negotiation: Socks5Negotiation?
    /// For an outbound peer: the transport asked for (`auto` may fall back to v1 once).
    let outboundChoice: OutboundTransport?
    var timer: DispatchSourceTimer?
    /// When `timer` is set to fire (nil once it fired or was cancelled): never later than
    /// the session's next deadline, maybe earlier.
    var timerDeadline: Double?
    /// Our last message of each command, for `resend`.
    var lastSent: [Command: Message] = [:]
    var finished = false
    /// Set once the transport can carry messages (TCP connected, and for v2 the key
    /// exchange done): the connect timeout no longer applies.
    var transportReady = false
    /// Set on a leg of a relayed pair: it speaks for neither side, only carries across.
    let relay: RelayBinding?
    /// Set while this leg's unsent bytes keep the other leg from reading.
    var holdingPartner = false
    /// Why this relay leg does not read now (it reads when the set is empty).
    var pauses: Set<RelayPause> = []

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
        relay: RelayBinding? = nil, queue shared: DispatchQueue? = nil
    ) {
        self.id = id
        self.endpoint = endpoint
        self.route = route
        self.engine = engine
        self.relay = relay
        outboundChoice = choice
        queue = shared ?? DispatchQueue(label: "verack.peer.\(id)", target: DispatchQueue.global())
        info = PeerInfo(id: id, address: endpoint.description, direction: .outbound, phase: .connecting, startedAt: engine.now)
        session = Self.session(.outbound, ourVersion: ourVersion, relay: relay, engine: engine)
        nonce = session.ourVersion.nonce
        socket = PeerSocket(queue: queue)
        transport = engine.makeTransport(choice == .v1 ? .v1 : .v2, initiating: true, decodeOnly: Self.decodeOnly(relay: relay, engine: engine))
        info.transport = transport.kind
        if case let .proxy(server) = route { info.proxy = server.description }
        bindRelay()
        socket.delegate = self
    }

    /// An inbound peer on an accepted socket. `policy`: the transports it may speak (nil:
    /// the engine's).
    init(
        id: PeerID, acceptedFD: Int32, address: SocketAddress, engine: PeerEngine, ourVersion: VersionMessage,
        policy: TransportPolicy? = nil, relay: RelayBinding? = nil, queue shared: DispatchQueue? = nil
    ) {
        self.id = id
        self.endpoint = nil
        route = .direct
        self.engine = engine
        self.relay = relay
        outboundChoice = nil
        queue = shared ?? DispatchQueue(label: "verack.peer.\(id)", target: DispatchQueue.global())
        info = PeerInfo(id: id, address: address.description, direction: .inbound, phase: .connecting, startedAt: engine.now)
        session = Self.session(.inbound, ourVersion: ourVersion, relay: relay, engine: engine)
        nonce = session.ourVersion.nonce
        socket = PeerSocket(queue: queue, acceptedFD: acceptedFD)
        transport = engine.makeInboundTransport(policy ?? engine.configuration.transport, decodeOnly: Self.decodeOnly(relay: relay, engine: engine))
        info.transport = transport.kind
        bindRelay()
        socket.delegate = self
    }

    /// A relay leg whose frames no one reads decodes only what its handshake needs.
    private static func decodeOnly(relay: RelayBinding?, engine: PeerEngine) -> Set<Command>? {
        relay != nil && !engine.configuration.postsFrameEvents ? RelayPair.observedCommands : nil
    }

    /// Our own session, or for a relay leg a session that only watches the handshake go by.
    static func session(_ direction: PeerDirection, ourVersion: VersionMessage, relay: RelayBinding?, engine: PeerEngine) -> PeerSession {
        guard relay == nil else { return .observer(direction: direction, now: engine.now) }
        return PeerSession(direction: direction, ourVersion: ourVersion, settings: engine.sessionSettings, now: engine.now)
    }

    func bindRelay() {
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

    func resolveAndConnect() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let target = endpoint else { return }
        armTimer()
        // Through a proxy we dial the proxy; the target's name goes in the SOCKS5 request.
        let endpoint: Endpoint
        if case let .proxy(server) = route { endpoint = server.endpoint } else { endpoint = target }
        if let ip = IPAddress(endpoint.host) {
            resolved(.success([SocketAddress(ip: ip, port: endpoint.port)]))
            return
        }
        // getaddrinfo blocks: keep it off this queue, so the connect timeout and `drop`
        // still work while a slow DNS server thinks.
        DispatchQueue.global().async { [self] in
            let result = SocketAddress.resolve(endpoint)
            queue.async { [self] in resolved(result) }
        }
    }

    func resolved(_ result: Result<[SocketAddress], EngineError>) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished else { return }
        switch result {
        case let .failure(error): finish(.failed(reason: proxyPrefix + error.message))
        case let .success(addresses): socket.connect(addresses)
        }
    }

    /// `proxy HOST:PORT: ` before a reason about the proxy's own connection, else nothing.
    var proxyPrefix: String {
        guard case let .proxy(server) = route else { return "" }
        return "proxy \(server): "
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
            let proxyWhat: String
            switch end {
            case let .error(text): (what, proxyWhat) = (text, text)
            default: (what, proxyWhat) = ("peer closed the connection", "closed the connection")
            }
            if negotiation != nil {
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
    func retryInV1(after what: String) {
        engine.post(.notice("peer \(id): \(what) during the v2 key exchange; retrying in v1"))
        info.fellBackToV1 = true
        transport = engine.makeTransport(.v1, initiating: true, decodeOnly: Self.decodeOnly(relay: relay, engine: engine))
        info.transport = .v1
        info.sessionID = nil
        socket = PeerSocket(queue: queue)
        bindRelay()
        socket.delegate = self
        engine.post(.peerUpdated(info))
        resolveAndConnect()
    }

    // MARK: - Transport outputs

    func handle(_ outputs: [TransportOutput]) {
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
                transportReady = true
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

    // MARK: - End

    /// The one way a peer ends: the session records the end phase, the socket closes, the
    /// engine forgets the peer.
    func finish(_ phase: PeerPhase) {
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

    func end() {
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
