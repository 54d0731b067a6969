import BitcoinWire
import Dispatch

/// The relay: verack in the middle of two nodes. Each connection accepted on a relay
/// listener (leg A) is paired with a new connection to the target (leg B); what one leg
/// receives goes out on the other, v1 frames byte for byte, v2 decrypted and sealed again.
/// Neither leg speaks for verack: the nodes' own versions pass through.
extension PeerEngine {
    /// Listens on `listen` (`HOST:PORT` or `PORT`) and relays each connection to `target`
    /// (`HOST[:PORT]`). Returns the bound port.
    @discardableResult
    public func relay(listen: String, to target: String, options: RelayOptions = RelayOptions()) -> Result<UInt16, EngineError> {
        let listenEndpoint: Endpoint
        switch Endpoint.parseListen(listen) {
        case let .failure(error): return .failure(error)
        case let .success(e): listenEndpoint = e
        }
        let targetEndpoint: Endpoint
        switch Endpoint.parse(target, defaultPort: configuration.network.defaultPort) {
        case let .failure(error): return .failure(EngineError("relay target: \(error.message)"))
        case let .success(e): targetEndpoint = e
        }
        let route = ProxyRoute.route(to: targetEndpoint.host, settings: configuration.proxy)
        if case let .refused(reason) = route { return .failure(EngineError(reason)) }
        let opened = Listener.open(listenEndpoint, engine: self, accept: { [weak self] fd, address in
            if let self {
                self.acceptedRelay(fd: fd, address: address, target: targetEndpoint, route: route, options: options)
            } else {
                Syscalls.close(fd)
            }
        })
        switch opened {
        case let .failure(error):
            return .failure(error)
        case let .success(listener):
            relayHub.add(RelayHub.Relay(listen: listen, listener: listener))
            post(.relay(.listening(listen: listen, port: listener.port, target: targetEndpoint.description)))
            return .success(listener.port)
        }
    }

    /// Closes the relay listeners and drops every relayed pair. Returns how many pairs
    /// were live.
    @discardableResult
    public func stopRelay() -> Result<Int, EngineError> {
        let (relays, pairs) = relayHub.removeAll()
        guard !relays.isEmpty else { return .failure(EngineError("no relay is running")) }
        for relay in relays { relay.listener.close() }
        let live = pairs.filter { !$0.isEnded }
        for pair in live {
            for side in RelaySide.allCases { pair.liveLeg(side)?.drop(reason: "relay stopped") }
        }
        for relay in relays { post(.relay(.stopped(listen: relay.listen, pairs: live.count))) }
        return .success(live.count)
    }

    private func acceptedRelay(fd: Int32, address: SocketAddress, target: Endpoint, route: ProxyRoute, options: RelayOptions) {
        let pair = relayHub.newPair(target: target.description)
        let choice: PeerConnection.OutboundTransport
        switch options.outbound {
        case .v1: choice = .v1
        case .v2: choice = .v2(fallback: false)
        case .auto: choice = .v2(fallback: true)
        }
        let ip = IPAddress(target.host) ?? .unspecified
        // The two legs share one serial queue: what one receives goes out on the other in
        // the same block, with no hop between threads (the pair is one peer's worth of state).
        let queue = DispatchQueue(label: "verack.relay.\(pair.id)", target: DispatchQueue.global())
        let made = registerPair { idA, idB in
            let a = PeerConnection(
                id: idA, acceptedFD: fd, address: address, engine: self, ourVersion: makeVersion(receiver: address.ip, port: address.port),
                policy: options.inbound, relay: .init(pair: pair, side: .a, partner: idB), queue: queue)
            let b = PeerConnection(
                id: idB, endpoint: target, route: route, transport: choice, engine: self, ourVersion: makeVersion(receiver: ip, port: target.port),
                relay: .init(pair: pair, side: .b, partner: idA), queue: queue)
            return (a, b)
        }
        guard let (a, b) = made, let b else {
            Syscalls.close(fd)
            _ = relayHub.pairEnded(pair.id)
            return
        }
        pair.attach(a: a, b: b)
        a.start()
        b.start()
    }

    /// A pair ended: its held messages are lost with it.
    func relayPairEnded(_ pair: RelayPair) {
        for (id, held) in relayHub.pairEnded(pair.id) {
            post(.relay(.released(held: id, pair: pair.id, sequence: held.message.sequence, forwarded: false, note: "pair \(pair.id) ended")))
        }
    }

    // MARK: - Intercept

    /// Holds relayed messages matching `rule` from now on (nil: stop holding; messages
    /// already held stay held until released).
    public func intercept(_ rule: InterceptRule?) {
        relayHub.interceptRule = rule
        post(.relay(.intercepting(rule)))
    }

    public var interceptRule: InterceptRule? { relayHub.interceptRule }

    /// How many messages intercept holds now.
    public var heldCount: Int { relayHub.heldCount }

    /// Sends held message `id` on (nil: all of them, in the order held), broken by
    /// `corruption` if given. Returns how many were released.
    @discardableResult
    public func forwardHeld(_ id: Int?, corruption: Corruption? = nil) -> Result<Int, EngineError> {
        relayHub.release(id).map { taken in
            for (heldID, held) in taken {
                var message = held.message
                message.corruption = corruption
                if let corruption { message.origin = .corrupted(corruption) }
                let note = corruption.map { "forwarded with a corrupted \($0)" } ?? "forwarded"
                post(.relay(.released(held: heldID, pair: held.pair.id, sequence: message.sequence, forwarded: true, note: note)))
                send(message, across: held.pair)
            }
            return taken.count
        }
    }

    /// Drops held message `id`: it never reaches the other side.
    @discardableResult
    public func dropHeld(_ id: Int) -> Result<Void, EngineError> {
        relayHub.release(id).map { taken in
            for (heldID, held) in taken {
                post(.relay(.released(held: heldID, pair: held.pair.id, sequence: held.message.sequence, forwarded: false, note: "dropped")))
            }
        }
    }

    /// Sends `message` into pair `pair` as if it came from side `from` (so it goes out on
    /// the other leg), broken by `corruption` if given.
    @discardableResult
    public func inject(pair id: Int, from: RelaySide, _ message: Message, corruption: Corruption? = nil) -> Result<Void, EngineError> {
        guard let pair = relayHub.pair(id), !pair.isEnded else { return .failure(EngineError("no live pair \(id)")) }
        let raw = FrameEncoder.encode(message, magic: configuration.network.magic)
        let unit = WireUnit(
            transport: .v1, raw: raw, layout: .v1(count: raw.count), command: message.command, size: raw.count - MessageHeader.size,
            checksumOK: true, message: .success(message))
        var relayed = RelayedUnit(unit: unit, from: from, sequence: pair.takeSequence(), origin: .injected, corruption: corruption)
        if let corruption { relayed.origin = .corrupted(corruption) }
        send(relayed, across: pair)
        return .success(())
    }

    /// Routes a message that did not arrive on its source leg's queue (released, injected):
    /// if the other leg is not ready and the wait grew too big, the source stops reading.
    private func send(_ message: RelayedUnit, across pair: RelayPair) {
        if let reason = pair.route(message), let source = pair.liveLeg(message.from) {
            source.queue.async { source.relayPause(reason) }
        }
    }
}
