import BitcoinWire
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The networking core: one serial `DispatchQueue` per peer owns that peer's socket,
/// decoder and session; events reach `eventQueue` in order through an ``EventMailbox``.
///
/// Every public method may be called from any thread and returns at once; the work
/// happens on the peer queues. There is no thread per peer and no polling: sockets are
/// nonblocking and driven by Dispatch sources, timers are one-shot at the next deadline.
///
/// Memory bound: per peer, the decoder holds at most one frame (4,000,000 bytes of
/// payload + 24) plus one 64 KiB read (a big frame's storage is allocated at its header
/// and read into directly; other reads go through the stack), and at most 1 MiB of
/// unsent bytes; the mailbox
/// holds at most `maxPendingFrameEvents` frame events and 64 MiB of their bytes.
public final class PeerEngine: @unchecked Sendable {
    public let configuration: EngineConfiguration
    /// Every address gossiped to us and every outbound peer we met (see ``AddressBook``).
    public let addressBook: AddressBook
    let sessionSettings: PeerSession.Settings
    private let mailbox: EventMailbox
    private let started = DispatchTime.now()
    /// Unix time (seconds) of the engine's clock zero: event time + this = wall-clock time.
    public let epoch = Date().timeIntervalSince1970
    let lock = NSLock()
    /// Guarded by `lock`.
    private var peers: [PeerID: PeerConnection] = [:]
    private var nextID = 1
    var ended: Set<PeerID> = []
    /// The version nonces of live peers, with the peers that sent each (a self-connection
    /// check per version received, without a scan of every peer).
    private var localNonces: [UInt64: [PeerID]] = [:]
    private var listeners: [Listener] = []
    /// Seed candidates not yet tried, and how many seed connections should be live
    /// (guarded by `lock`; see PeerEngine+Seeds).
    var seedCandidates: [String] = []
    var seedPeers: Set<PeerID> = []
    var seedTarget = 0
    var seedsResolving = 0
    var isShutDown = false
    /// The relay listeners, pairs and intercept (see ``relay(listen:to:options:)``).
    let relayHub = RelayHub()

    /// Creates an engine that delivers events by calling `onEvent` on `eventQueue`.
    /// `addressBook`: a book shared with another engine (a crawl inside the console feeds
    /// the console's); nil makes one of ``EngineConfiguration/addressBookCapacity``.
    public init(
        configuration: EngineConfiguration, addressBook: AddressBook? = nil, eventQueue: DispatchQueue = .main,
        onEvent: @escaping @Sendable (PeerEvent) -> Void
    ) {
        self.configuration = configuration
        self.addressBook = addressBook ?? AddressBook(capacity: configuration.addressBookCapacity)
        nextID = max(1, configuration.firstPeerID)
        var settings = PeerSession.Settings()
        settings.silenceTimeout = configuration.silenceTimeout
        settings.handshakeTimeout = configuration.handshakeTimeout
        settings.pingInterval = configuration.pingInterval
        settings.pingsOnEstablish = configuration.pingsOnEstablish
        sessionSettings = settings
        mailbox = EventMailbox(queue: eventQueue, maxFrames: configuration.maxPendingFrameEvents, deliver: onEvent)
    }

    /// Seconds since the engine started (the clock of every event).
    public var now: Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }

    func dispatchTime(at seconds: Double) -> DispatchTime {
        started + .nanoseconds(Int(max(0, seconds) * 1e9))
    }

    /// Posts an event stamped with the engine's clock now (a frame event only when
    /// ``EngineConfiguration/postsFrameEvents``).
    func post(_ kind: PeerEvent.Kind) {
        if !configuration.postsFrameEvents, case .frame = kind { return }
        mailbox.post(PeerEvent(time: now, kind))
    }

    /// Genesis block hash of the network in wire order, for `getheaders`.
    var genesisHash: [UInt8] { configuration.network.genesisHash }

    /// The service bits our version advertises.
    var ourServices: ServiceFlags {
        configuration.transport.acceptsV2 ? configuration.services.union(.p2pV2) : configuration.services
    }

    func makeVersion(receiver ip: IPAddress, port: UInt16) -> VersionMessage {
        VersionMessage(
            version: configuration.protocolVersion, services: ourServices, timestamp: Int64(time(nil)),
            receiver: NetworkAddress(services: [], ip: ip, port: port), sender: NetworkAddress(services: ourServices),
            nonce: UInt64.random(in: 1...UInt64.max), userAgent: configuration.userAgent, startHeight: 0, relay: configuration.relay)
    }

    /// An outbound peer's version marks its address reachable, with the services it
    /// advertises, in the address book (an inbound peer's address has an ephemeral port,
    /// so it is not worth keeping).
    func learnVersion(_ version: VersionMessage, of address: String, direction: PeerDirection) {
        guard direction == .outbound, let key = AddressKey(endpoint: address) else { return }
        addressBook.record(
            .reachable(userAgent: version.userAgent, version: version.version, height: version.startHeight),
            for: key, services: version.services, now: UInt32(clamping: time(nil)))
    }

    /// Addresses gossiped in `addr` and `addrv2` go to the address book, with their services.
    func learn(from message: Message, peer: PeerID, address: String) {
        switch message {
        case .addr, .addrv2: addressBook.name(peer: peer, address: address)
        default: return
        }
        addressBook.take(message, from: peer, now: UInt32(clamping: time(nil)))
    }

    private func register(_ make: (PeerID) -> PeerConnection) -> PeerConnection? {
        registerPair { id, _ in (make(id), nil) }?.0
    }

    /// Registers one peer, or two with consecutive ids (a relay's legs: `make` is given
    /// both ids and returns the second peer too).
    func registerPair(_ make: (PeerID, PeerID) -> (PeerConnection, PeerConnection?)) -> (PeerConnection, PeerConnection?)? {
        lock.lock()
        defer { lock.unlock() }
        guard !isShutDown else { return nil }
        let made = make(nextID, nextID + 1)
        for peer in [made.0, made.1].compactMap({ $0 }) {
            peers[peer.id] = peer
            localNonces[peer.nonce, default: []].append(peer.id)
        }
        nextID += made.1 == nil ? 1 : 2
        return made
    }

    /// Opens an outbound connection to `HOST[:PORT]` (`[v6]:port` for IPv6). The id is
    /// returned at once; resolution and connection happen off the calling thread.
    /// `transport`: force v1 or v2 for this peer; nil follows ``EngineConfiguration/transport``.
    @discardableResult
    public func connect(_ address: String, transport: TransportKind? = nil) -> Result<PeerID, EngineError> {
        switch Endpoint.parse(address, defaultPort: configuration.network.defaultPort) {
        case let .failure(error):
            return .failure(error)
        case let .success(endpoint):
            let route = ProxyRoute.route(to: endpoint.host, settings: configuration.proxy)
            if case let .refused(reason) = route { return .failure(EngineError(reason)) }
            let choice = outboundTransport(for: endpoint, asked: transport)
            let ip = IPAddress(endpoint.host) ?? .unspecified
            guard let peer = register({ id in
                PeerConnection(id: id, endpoint: endpoint, route: route, transport: choice, engine: self, ourVersion: makeVersion(receiver: ip, port: endpoint.port))
            }) else { return .failure(EngineError("the engine is shut down")) }
            peer.start()
            return .success(peer.id)
        }
    }

    /// Listens for inbound peers on `HOST:PORT` or `PORT` (loopback); returns the bound port.
    @discardableResult
    public func listen(_ endpoint: String) -> Result<UInt16, EngineError> {
        let parsed: Endpoint
        switch Endpoint.parseListen(endpoint) {
        case let .failure(error): return .failure(error)
        case let .success(e): parsed = e
        }
        switch Listener.open(parsed, engine: self, accept: { [weak self] fd, address in
            if let self { self.accepted(fd: fd, address: address) } else { Syscalls.close(fd) }
        }) {
        case let .failure(error):
            return .failure(error)
        case let .success(listener):
            lock.lock()
            listeners.append(listener)
            lock.unlock()
            return .success(listener.port)
        }
    }

    func accepted(fd: Int32, address: SocketAddress) {
        guard let peer = register({ id in
            PeerConnection(id: id, acceptedFD: fd, address: address, engine: self, ourVersion: makeVersion(receiver: address.ip, port: address.port))
        }) else {
            Syscalls.close(fd)
            return
        }
        peer.start()
    }

    private func peer(_ id: PeerID) -> Result<PeerConnection, EngineError> {
        lock.lock()
        defer { lock.unlock() }
        guard let p = peers[id] else {
            return .failure(EngineError(id >= configuration.firstPeerID && id < nextID ? "peer \(id) is already closed" : "no peer \(id)"))
        }
        return .success(p)
    }

    /// Closes one peer's connection (phase `dropped`).
    @discardableResult
    public func drop(_ id: PeerID) -> Result<Void, EngineError> {
        peer(id).map { $0.drop() }
    }

    /// Drops every live peer.
    public func dropAll() {
        lock.lock()
        let all = Array(peers.values)
        seedTarget = 0
        lock.unlock()
        for p in all { p.drop() }
    }

    /// Sends our last `command` message to peer `id` again (or a fresh one), optionally
    /// corrupted.
    @discardableResult
    public func resend(_ id: PeerID, command: Command, corruption: Corruption? = nil) -> Result<Void, EngineError> {
        peer(id).map { $0.resend(command: command, corruption: corruption) }
    }

    /// Sends `message` to peer `id`, optionally corrupted, marked as injected by a person (a
    /// `ping`'s nonce is awaited as our own pings are). `Message.unknown` sends any command
    /// with any payload.
    @discardableResult
    public func send(_ id: PeerID, _ message: Message, corruption: Corruption? = nil) -> Result<Void, EngineError> {
        peer(id).map { $0.send(message, corruption: corruption) }
    }

    /// Whether `nonce` is the version nonce of one of our connections other than `id`
    /// (then a peer that sends it is us).
    func isLocalNonce(_ nonce: UInt64, except id: PeerID) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return localNonces[nonce]?.contains { $0 != id } ?? false
    }

    /// A peer reached an end state: release it.
    /// `reported`: false for a peer released once established
    /// (``EngineConfiguration/releasesEstablished``: no `peerRemoved`, and a released seed
    /// peer is not replaced: it did its work).
    func peerFinished(_ id: PeerID, reported: Bool = true) {
        lock.lock()
        if let peer = peers.removeValue(forKey: id) {
            localNonces[peer.nonce]?.removeAll { $0 == id }
            if localNonces[peer.nonce]?.isEmpty == true { localNonces[peer.nonce] = nil }
        }
        ended.insert(id)
        addressBook.forget(peer: id)
        let wasSeed = seedPeers.contains(id)
        lock.unlock()
        guard reported else { return }
        post(.peerRemoved(id))
        if wasSeed { topUpSeeds() }
    }

    /// Number of peers not yet ended.
    public var livePeerCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return peers.count
    }

    /// Closes everything.
    public func shutdown() {
        lock.lock()
        isShutDown = true
        let all = Array(peers.values)
        let ls = listeners
        listeners = []
        lock.unlock()
        for l in ls { l.close() }
        for relay in relayHub.removeAll().relays { relay.listener.close() }
        for p in all { p.drop(reason: "shutting down") }
    }
}

/// An array appended to from several threads.
final class LockedList<Element>: @unchecked Sendable {
    let lock = NSLock()
    private var storage: [Element] = []

    func append(contentsOf elements: [Element]) {
        lock.lock()
        storage += elements
        lock.unlock()
    }

    var items: [Element] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
