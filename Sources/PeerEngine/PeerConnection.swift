import BitcoinWire
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One peer: its socket, decoder, session and counters.
///
/// All mutable state is confined to `queue` (hence `@unchecked Sendable`): every entry
/// point hops onto it, and the Dispatch sources fire on it.
final class PeerConnection: @unchecked Sendable {
    /// Largest read from the socket at once.
    static let readChunk = 64 * 1024
    /// A peer that does not read what we send is failed past this many queued bytes.
    static let maxSendBuffer = 1 << 20

    let id: PeerID
    let queue: DispatchQueue
    /// Strong: the engine holds live peers and a peer holds its engine until it ends.
    private let engine: PeerEngine
    private var info: PeerInfo
    private var session: PeerSession
    private var decoder: FrameDecoder
    private let endpoint: Endpoint?

    private var fd: Int32 = -1
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var writeSourceSuspended = true
    private var isConnected = false
    /// Resolved addresses not yet tried.
    private var candidates: [SocketAddress] = []
    private var timer: DispatchSourceTimer?
    private var sendBuffer: [UInt8] = []
    /// Our last message of each command, for `resend`.
    private var lastSent: [String: Message] = [:]
    private var finished = false

    /// An outbound peer; call ``start()`` next.
    init(id: PeerID, endpoint: Endpoint, engine: PeerEngine, ourVersion: (IPAddress, UInt16) -> VersionMessage) {
        self.id = id
        self.endpoint = endpoint
        self.engine = engine
        queue = DispatchQueue(label: "verack.peer.\(id)", target: DispatchQueue.global())
        info = PeerInfo(id: id, address: endpoint.description, direction: .outbound, phase: .connecting, startedAt: engine.now)
        let ip = IPAddress(endpoint.host) ?? .unspecified
        session = PeerSession(direction: .outbound, ourVersion: ourVersion(ip, endpoint.port), settings: engine.sessionSettings, now: engine.now)
        nonce = session.ourVersion.nonce
        decoder = FrameDecoder(magic: engine.configuration.network.magic)
    }

    /// An inbound peer on an accepted socket.
    init(id: PeerID, acceptedFD: Int32, address: SocketAddress, engine: PeerEngine, ourVersion: (IPAddress, UInt16) -> VersionMessage) {
        self.id = id
        self.endpoint = nil
        self.engine = engine
        fd = acceptedFD
        queue = DispatchQueue(label: "verack.peer.\(id)", target: DispatchQueue.global())
        info = PeerInfo(id: id, address: address.description, direction: .inbound, phase: .connecting, startedAt: engine.now)
        session = PeerSession(direction: .inbound, ourVersion: ourVersion(address.ip, address.port), settings: engine.sessionSettings, now: engine.now)
        nonce = session.ourVersion.nonce
        decoder = FrameDecoder(magic: engine.configuration.network.magic)
    }

    /// Our version's nonce: set once, so other queues may read it (self-connection check).
    let nonce: UInt64

    /// Dispatch traps on releasing a suspended source: resume the write source first.
    deinit {
        if let writeSource, writeSourceSuspended {
            writeSource.resume()
            writeSource.cancel()
        }
    }

    // MARK: - Start

    func start() {
        queue.async { [self] in
            engine.post(.peerAdded(info))
            if endpoint == nil {
                becameConnected()
            } else {
                resolveAndConnect()
            }
        }
    }

    private func resolveAndConnect() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let endpoint else { return }
        armTimer()
        let numeric = IPAddress(endpoint.host) != nil
        if numeric {
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
        case let .failure(error):
            finish(.failed(reason: error.message))
        case let .success(addresses):
            candidates = addresses
            connectToNextCandidate(lastError: nil)
        }
    }

    /// Tries the resolved addresses in order until one accepts.
    private func connectToNextCandidate(lastError: Int32?) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !candidates.isEmpty else {
            finish(.failed(reason: Sockets.connectFailureReason(lastError ?? ECONNREFUSED)))
            return
        }
        connect(to: candidates.removeFirst())
    }

    private func connect(to address: SocketAddress) {
        dispatchPrecondition(condition: .onQueue(queue))
        switch Sockets.makeSocket(family: address.family) {
        case let .failure(error):
            finish(.failed(reason: error.message))
        case let .success(socketFD):
            fd = socketFD
            var storage = address.storage
            let rc = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socketFD, $0, address.length) }
            }
            if rc == 0 {
                becameConnected()
            } else if errno == EINPROGRESS {
                // One write source serves the socket: first it reports the connect's
                // completion, then it drives writes.
                makeWriteSource()
                setWriteInterest(true)
            } else {
                let code = errno
                close(socketFD)
                fd = -1
                connectToNextCandidate(lastError: code)
            }
        }
    }

    private func makeWriteSource() {
        let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        write.setEventHandler { [weak self] in self?.writable() }
        writeSource = write
        writeSourceSuspended = true
    }

    private func writable() {
        if isConnected {
            flush()
        } else {
            connectCompleted()
        }
    }

    private func connectCompleted() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished else { return }
        let err = Sockets.pendingError(fd)
        if err == 0 {
            becameConnected()
        } else {
            // This address refused: release its socket and sources, try the next one.
            let failed = fd
            fd = -1
            if let writeSource {
                if writeSourceSuspended { writeSource.resume() }
                writeSource.setCancelHandler { close(failed) }
                writeSource.cancel()
                self.writeSource = nil
            } else {
                close(failed)
            }
            connectToNextCandidate(lastError: err)
        }
    }

    private func becameConnected() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished else { return }
        isConnected = true
        if writeSource == nil { makeWriteSource() }
        setWriteInterest(false)
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        read.setEventHandler { [weak self] in self?.readAvailable() }
        readSource = read
        read.resume()
        apply(session.connected(now: engine.now))
        armTimer()
    }

    // MARK: - Reading

    /// Reads until the socket would block (Dispatch may report readiness only once per
    /// arrival), but at most 16 chunks in a row: then the rest is read in a new block on
    /// the queue, so commands for this peer are not starved by a flood.
    private func readAvailable() {
        dispatchPrecondition(condition: .onQueue(queue))
        for _ in 0..<16 {
            guard !finished else { return }
            // A stack buffer: 2,000 idle peers must not hold 64 KiB each.
            let (n, code) = withUnsafeTemporaryAllocation(byteCount: Self.readChunk, alignment: 16) { buffer in
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                let code = n < 0 ? errno : 0
                if n > 0 { decoder.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) }
                return (n, code)
            }
            if n > 0 {
                info.lastHeard = engine.now
                drainFrames()
                if !finished { engine.post(.peerUpdated(info)) }
                continue
            }
            if n == 0 {
                let pending = decoder.bufferedByteCount
                finish(.closed(reason: pending > 0
                    ? "peer closed the connection in the middle of a frame (\(pending) bytes pending)"
                    : "peer closed the connection"))
            } else if code == EINTR {
                continue
            } else if code != EAGAIN && code != EWOULDBLOCK {
                let pending = decoder.bufferedByteCount
                let what = code == ECONNRESET ? "connection reset by peer" : Sockets.errorText(code)
                finish(.closed(reason: pending > 0 ? "\(what) in the middle of a frame (\(pending) bytes pending)" : what))
            }
            return
        }
        queue.async { [weak self] in self?.readAvailable() }
    }

    private func drainFrames() {
        while !finished {
            let frame: Frame?
            do {
                frame = try decoder.next()
            } catch {
                switch error {
                case .badMagic: finish(.failed(reason: "bad magic: \(error)"))
                case .payloadTooLarge: finish(.failed(reason: "oversized frame: \(error)"))
                default: finish(.failed(reason: error.description))
                }
                return
            }
            guard let frame else { return }
            let command = frame.header.command
            info.received.count(command: command, bytes: frame.raw.count)
            engine.post(.frame(FrameEvent(peer: id, time: engine.now, frame: frame)))
            // Like Core: a frame with a bad checksum or an undecodable payload is dropped.
            guard frame.checksumOK, case let .success(message) = frame.message else { continue }
            apply(session.receive(message, now: engine.now))
        }
    }

    // MARK: - Writing

    /// `injected`: sent by a person's command rather than by the session.
    private func sendMessage(_ message: Message, corruption: Corruption? = nil, injected: Bool = false) {
        dispatchPrecondition(condition: .onQueue(queue))
        let magic = engine.configuration.network.magic
        var raw = FrameEncoder.encode(message, magic: magic)
        if let corruption {
            do {
                raw = try corruption.apply(to: raw)
            } catch {
                engine.post(.error(peer: id, message: "cannot corrupt \(message.command): \(error)"))
                return
            }
        } else {
            lastSent[message.command] = message
        }
        let checksumOK = corruption != .checksum
        let size = raw.count >= 20 ? Int(MessageHeader.uint32(raw[...], at: 16)) : 0
        info.sent.count(command: message.command, bytes: raw.count)
        engine.post(.frame(FrameEvent(
            peer: id, direction: .sent, time: engine.now, raw: raw, command: message.command, size: size,
            checksumOK: checksumOK, message: .success(message), corruption: corruption, injected: injected)))
        sendBuffer.append(contentsOf: raw)
        flush()
    }

    private func flush() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished, fd >= 0 else { return }
        while !sendBuffer.isEmpty {
            let n = sendBuffer.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                sendBuffer.removeFirst(n)
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                break
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                let code = errno
                finish(.closed(reason: code == EPIPE || code == ECONNRESET ? "connection reset by peer" : Sockets.errorText(code)))
                return
            }
        }
        if sendBuffer.count > Self.maxSendBuffer {
            finish(.failed(reason: "peer is not reading (\(sendBuffer.count) bytes unsent)"))
            return
        }
        setWriteInterest(!sendBuffer.isEmpty)
    }

    private func setWriteInterest(_ wanted: Bool) {
        guard let writeSource else { return }
        if wanted && writeSourceSuspended {
            writeSource.resume()
            writeSourceSuspended = false
        } else if !wanted && !writeSourceSuspended {
            writeSource.suspend()
            writeSourceSuspended = true
        }
    }

    // MARK: - Session actions, timers

    private func apply(_ actions: [PeerSession.Action]) {
        dispatchPrecondition(condition: .onQueue(queue))
        var changed = false
        for action in actions {
            switch action {
            case let .send(message):
                if case .version = message, let corruption = engine.configuration.corruptVersion, lastSent["version"] == nil {
                    lastSent["version"] = message
                    sendMessage(message, corruption: corruption)
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
                changed = true
            case let .roundTrip(ms):
                info.pingMs = ms
                changed = true
            case let .silenceChanged(s):
                info.silence = s
                changed = true
            case .close:
                closeSocket()
                engine.post(.peerUpdated(info))
                engine.peerFinished(id)
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
        guard let deadline else {
            timer?.cancel()
            timer = nil
            return
        }
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
        guard !finished else { return }
        let now = engine.now
        if info.phase == .connecting && session.direction == .outbound && now - info.startedAt >= engine.configuration.connectTimeout {
            finish(.failed(reason: "connect timeout after \(Int(engine.configuration.connectTimeout)) s"))
            return
        }
        apply(session.tick(now: now))
    }

    // MARK: - Operations (called from any thread)

    func drop(reason: String = "dropped by command") {
        queue.async { [self] in finish(.dropped(reason: reason)) }
    }

    func resend(command: String, corruption: Corruption?) {
        queue.async { [self] in
            guard !finished else {
                engine.post(.error(peer: id, message: "peer \(id) is \(info.phase.word)"))
                return
            }
            guard fd >= 0, readSource != nil else {
                engine.post(.error(peer: id, message: "peer \(id) is not connected yet"))
                return
            }
            let message: Message
            switch command {
            case "ping":
                message = session.makePing(now: engine.now)
            case "version":
                message = lastSent["version"] ?? .version(session.ourVersion)
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
            sendMessage(message, corruption: corruption, injected: true)
            armTimer()
        }
    }

    func send(_ kind: SendKind) {
        queue.async { [self] in
            guard !finished, fd >= 0, readSource != nil else {
                engine.post(.error(peer: id, message: "peer \(id) is not connected"))
                return
            }
            switch kind {
            case .ping: sendMessage(session.makePing(now: engine.now), injected: true)
            case .getaddr: sendMessage(.getaddr, injected: true)
            case .getheaders: sendMessage(.getheaders(BlockLocator(hashes: [engine.genesisHash])), injected: true)
            }
            armTimer()
        }
    }

    /// A message of `command` verack can make from nothing.
    private func freshMessage(_ command: String) -> Message? {
        switch command {
        case "verack": return .verack
        case "getaddr": return .getaddr
        case "sendheaders": return .sendheaders
        case "wtxidrelay": return .wtxidrelay
        case "sendaddrv2": return .sendaddrv2
        case "mempool": return .mempool
        case "getheaders": return .getheaders(BlockLocator(hashes: [engine.genesisHash]))
        case "feefilter": return .feefilter(feerate: 1000)
        case "sendcmpct": return .sendcmpct(announce: false, version: 2)
        default: return nil
        }
    }

    // MARK: - End

    private func finish(_ phase: PeerPhase) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished else { return }
        for action in session.ended(phase) {
            switch action {
            case let .phaseChanged(p):
                enter(p)
            case let .silenceChanged(s):
                info.silence = s
            default:
                break
            }
        }
        finished = true
        closeSocket()
        engine.post(.peerUpdated(info))
        engine.peerFinished(id)
    }

    /// Cancels the sources and closes the socket once all of them are cancelled (closing
    /// earlier would let a new socket reuse the descriptor under a live source).
    private func closeSocket() {
        dispatchPrecondition(condition: .onQueue(queue))
        finished = true
        timer?.cancel()
        timer = nil
        let fdToClose = fd
        fd = -1
        if let writeSource, writeSourceSuspended {
            writeSource.resume()
            writeSourceSuspended = false
        }
        let sources: [any DispatchSourceProtocol] = [writeSource, readSource].compactMap { $0 }
        writeSource = nil
        readSource = nil
        sendBuffer = []
        decoder = FrameDecoder(magic: engine.configuration.network.magic)
        guard fdToClose >= 0 else { return }
        if sources.isEmpty {
            close(fdToClose)
            return
        }
        let group = DispatchGroup()
        for source in sources {
            group.enter()
            source.setCancelHandler { group.leave() }
            source.cancel()
        }
        group.notify(queue: queue) { close(fdToClose) }
    }
}
