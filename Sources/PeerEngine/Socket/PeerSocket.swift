import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// What a ``PeerSocket`` tells its owner, on the owner's queue.
protocol PeerSocketDelegate: AnyObject {
    /// The connection is open (outbound: the connect completed; inbound: at once).
    func socketOpened()
    /// Bytes are ready: call `read` once with space for at most `maxBytes` (the owner's
    /// transport's own buffer, so the bytes are copied once, by the kernel); it returns how
    /// many bytes it put there. A delegate that does not call it has the bytes dropped.
    func socketReceive(upTo maxBytes: Int, _ read: (UnsafeMutableRawBufferPointer) -> Int)
    /// One read round ended with new bytes (for counters that change once per round).
    func socketReadRoundEnded()
    /// The socket ended on its own: connect failed, peer closed, reset, or a peer that
    /// does not read. Not called after ``PeerSocket/close()``.
    func socketEnded(_ end: PeerSocket.End)
    /// The unsent bytes fell to ``PeerSocket/drainThreshold`` (which is then cleared).
    func socketDrained()
}

extension PeerSocketDelegate {
    func socketDrained() {}
}

/// One TCP connection: the file descriptor, its registration with the ``Reactor``, the
/// send buffer, and trying each resolved address in turn. It knows no protocol.
///
/// Confined to `queue` (the peer's), like everything of a peer (hence `@unchecked
/// Sendable`: the reactor holds it weakly and calls it on that queue).
final class PeerSocket: ReactorHandler, @unchecked Sendable {
    /// Largest read from the socket at once.
    static let readChunk = 64 * 1024
    /// A peer that does not read what we send is failed past this many queued bytes.
    static let maxSendBuffer = 1 << 20

    /// This socket's bound on unsent bytes (``maxSendBuffer`` unless its owner sets
    /// another: a relay leg pauses its partner's reading instead, and fails only far past
    /// that).
    var sendBufferLimit = PeerSocket.maxSendBuffer
    /// When set, the delegate hears ``PeerSocketDelegate/socketDrained()`` once the unsent
    /// bytes fall to this many.
    var drainThreshold: Int?

    enum State: Equatable {
        /// Waiting for the addresses of an outbound peer.
        case resolving
        /// A nonblocking connect to one address is in progress.
        case connecting
        case open
        case closed
    }

    /// How the socket ended, without any protocol detail.
    enum End: Equatable {
        /// Every address refused or failed to connect (or none resolved).
        case connectFailed(String)
        /// The peer closed the connection cleanly (read returned 0).
        case peerClosed
        /// A read or send error: reset, or another errno's text.
        case error(String)
        /// We queued more than ``PeerSocket/maxSendBuffer`` bytes the peer did not read.
        case notReading(unsent: Int)
    }

    private(set) var state: State
    let queue: DispatchQueue
    weak var delegate: PeerSocketDelegate?

    private var fd: Int32 = -1
    /// The descriptor's place in the reactor, from the connect (or the open) to the close.
    private var registration: Reactor.Registration?
    /// Set by ``pauseReading()``: readiness is ignored and nothing is read (the kernel's
    /// receive buffer fills and TCP tells the peer to wait).
    private var readPaused = false
    /// Resolved addresses not yet tried.
    private var candidates: [SocketAddress] = []
    /// Queued bytes; the first `sent` of them already went out (they are dropped in one go
    /// once they are half the buffer, not shifted out with every `send(2)`).
    private var sendBuffer: [UInt8] = []
    private var sent = 0
    /// Set while the delegate handles an event of this socket (open, a read round):
    /// `send` only queues, and everything queued goes out in one `send(2)` afterwards (a
    /// reply of four messages is one segment, not four).
    private var holdingSends = false

    /// An outbound socket: call ``connect(_:)`` once the addresses are known.
    init(queue: DispatchQueue) {
        self.queue = queue
        state = .resolving
    }

    /// An accepted socket: call ``openAccepted()`` to start reading.
    init(queue: DispatchQueue, acceptedFD: Int32) {
        self.queue = queue
        fd = acceptedFD
        state = .connecting
    }

    deinit {
        if let registration { Reactor.shared.unregister(registration) }
        if fd >= 0 { Syscalls.close(fd) }
    }

    var isOpen: Bool { state == .open }

    /// Our end of the connection (`ip:port`), once open.
    private(set) var localAddress: String?

    /// Bytes queued but not yet taken by the kernel.
    var unsentByteCount: Int { sendBuffer.count - sent }

    // MARK: - Opening

    /// Tries `addresses` in order until one accepts.
    func connect(_ addresses: [SocketAddress]) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard state == .resolving else { return }
        candidates = addresses
        connectToNextCandidate(lastError: nil)
    }

    func openAccepted() {
        dispatchPrecondition(condition: .onQueue(queue))
        becameOpen()
    }

    private func connectToNextCandidate(lastError: Int32?) {
        guard !candidates.isEmpty else {
            end(.connectFailed(Syscalls.connectFailureReason(lastError ?? ECONNREFUSED)))
            return
        }
        let address = candidates.removeFirst()
        state = .connecting
        switch Syscalls.makeSocket(family: address.family) {
        case let .failure(error):
            end(.connectFailed(error.message))
        case let .success(socketFD):
            fd = socketFD
            let code = Syscalls.connect(socketFD, to: address)
            if code == 0 {
                becameOpen()
            } else if code == EINPROGRESS {
                // Writability reports the connect's completion (or its failure).
                if !register() { return }
            } else {
                Syscalls.close(socketFD)
                fd = -1
                connectToNextCandidate(lastError: code)
            }
        }
    }

    /// Adds the descriptor to the reactor, once; false (and the socket ended) if it cannot.
    private func register() -> Bool {
        if registration != nil { return true }
        switch Reactor.shared.register(fd, queue: queue, handler: self) {
        case let .success(r):
            registration = r
            return true
        case let .failure(error):
            end(state == .connecting ? .connectFailed(error.message) : .error(error.message))
            return false
        }
    }

    /// Readiness from the reactor (edge-triggered: each edge is read, or sent, to `EAGAIN`).
    func reactorEvents(_ events: UInt32) {
        dispatchPrecondition(condition: .onQueue(queue))
        if state == .connecting {
            guard events & Reactor.Bits.writable != 0 else { return }
            connectCompleted()
            // Bytes that came with the connect raised no edge of their own.
            if state == .open && events & Reactor.Bits.readable != 0 { readAvailable() }
            return
        }
        guard state == .open else { return }
        if events & Reactor.Bits.readable != 0 { readAvailable() }
        if events & Reactor.Bits.output != 0 && unsentByteCount > 0 { flush() }
    }

    private func connectCompleted() {
        let err = Syscalls.pendingError(fd)
        if err == 0 {
            becameOpen()
            return
        }
        // This address refused: release its socket, try the next one.
        if let registration { Reactor.shared.unregister(registration) }
        registration = nil
        Syscalls.close(fd)
        fd = -1
        connectToNextCandidate(lastError: err)
    }

    private func becameOpen() {
        state = .open
        localAddress = Syscalls.localAddress(fd)?.description
        // Accepted, or connected at once: registering reports what is already there.
        if !register() { return }
        holdingSends = true
        delegate?.socketOpened()
        holdingSends = false
        flush()
    }

    // MARK: - Reading

    /// Reads until the socket would block (the reactor reports each arrival once), but at
    /// most 16 chunks in a row: then the rest is read in a new block on the queue, so
    /// commands for this peer are not starved by a flood.
    private func readAvailable() {
        dispatchPrecondition(condition: .onQueue(queue))
        var gotBytes = false
        holdingSends = true
        defer {
            holdingSends = false
            if gotBytes && state == .open { delegate?.socketReadRoundEnded() }
            flush()
        }
        for _ in 0..<16 {
            guard state == .open, !readPaused else { return }
            let (n, code) = readOnce()
            if n > 0 {
                gotBytes = true
                continue
            }
            if n == 0 {
                end(.peerClosed)
            } else if code == EINTR {
                continue
            } else if code != EAGAIN && code != EWOULDBLOCK {
                end(.error(code == ECONNRESET ? "connection reset by peer" : Syscalls.errorText(code)))
            }
            return
        }
        queue.async { [weak self] in self?.readAvailable() }
    }

    /// Stops reading until ``resumeReading()``: what the peer sends waits in the kernel,
    /// and TCP's window makes the peer wait too. Idempotent.
    func pauseReading() {
        dispatchPrecondition(condition: .onQueue(queue))
        readPaused = true
    }

    /// Reads again after ``pauseReading()``. Idempotent.
    func resumeReading() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard readPaused else { return }
        readPaused = false
        guard state == .open else { return }
        // Bytes that arrived while paused raised their edge then: read them now.
        queue.async { [weak self] in self?.readAvailable() }
    }

    /// One `read(2)` of at most ``readChunk`` bytes, into the space the delegate gives.
    private func readOnce() -> (count: Int, error: Int32) {
        let fd = self.fd
        var result: (count: Int, error: Int32)?
        delegate?.socketReceive(upTo: Self.readChunk) { space in
            guard result == nil else { return 0 }
            let r = Syscalls.read(fd, into: space)
            result = r
            return max(0, r.count)
        }
        if let result { return result }
        return withUnsafeTemporaryAllocation(byteCount: Self.readChunk, alignment: 16) { Syscalls.read(fd, into: $0) }
    }

    // MARK: - Writing

    /// Queues `bytes` and sends what the kernel takes now.
    func send(_ bytes: [UInt8]) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard state != .closed else { return }
        if unsentByteCount == 0 {
            sendBuffer = bytes
            sent = 0
        } else {
            sendBuffer.append(contentsOf: bytes)
        }
        if state == .open && !holdingSends { flush() }
    }

    private func flush() {
        guard state == .open, fd >= 0 else { return }
        while sent < sendBuffer.count {
            let (n, code) = sendBuffer.withUnsafeBytes { Syscalls.send(fd, UnsafeRawBufferPointer(rebasing: $0[sent...])) }
            if n > 0 {
                sent += n
            } else if code == EAGAIN || code == EWOULDBLOCK {
                break
            } else if code == EINTR {
                continue
            } else {
                end(.error(code == EPIPE || code == ECONNRESET ? "connection reset by peer" : Syscalls.errorText(code)))
                return
            }
        }
        if sent == sendBuffer.count {
            sendBuffer = []
            sent = 0
        } else if sent > sendBuffer.count / 2 {
            sendBuffer.removeFirst(sent)
            sent = 0
        }
        if unsentByteCount > sendBufferLimit {
            end(.notReading(unsent: unsentByteCount))
            return
        }
        if let threshold = drainThreshold, unsentByteCount <= threshold {
            drainThreshold = nil
            delegate?.socketDrained()
        }
    }

    // MARK: - Closing

    /// Sends what is queued now, a reply held during a read round included. True when all
    /// of it went out and the socket is still open (so it can be closed without losing a
    /// byte); false when it was closed already, when the send failed (the socket ended and
    /// told its delegate), or when some of it must wait.
    func sendQueuedNow() -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        guard state != .closed else { return false }
        let held = holdingSends
        holdingSends = false
        flush()
        holdingSends = held
        return state != .closed && unsentByteCount == 0
    }

    private func end(_ how: End) {
        guard state != .closed else { return }
        close()
        delegate?.socketEnded(how)
    }

    /// Leaves the reactor and closes the descriptor. An event the reactor already drew
    /// for it is not delivered (the registration is looked up again on this queue), so a
    /// new socket that gets the same descriptor number hears only its own.
    func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard state != .closed else { return }
        state = .closed
        candidates = []
        if let registration { Reactor.shared.unregister(registration) }
        registration = nil
        if fd >= 0 { Syscalls.close(fd) }
        fd = -1
        readPaused = false
        sendBuffer = []
        sent = 0
    }
}
