import BitcoinWire
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// One probe connection: a plain TCP socket driven by blocking waits (`poll`) on the thread
/// of its case, with the engine's ``Transport`` (v1 or v2) on it.
///
/// The probe does not go through ``PeerEngine``'s connections: their session sends our
/// `version` as soon as TCP is up and keeps the handshake to the rules, while a case must
/// send before, instead of, or beside it, and bytes that are no frame at all. Used by one
/// thread at a time (hence `@unchecked Sendable`: a case hands it over, never shares it).
final class ProbeLink: @unchecked Sendable {
    private let fd: Int32
    /// The framing spoken: ``V1Transport``, or ``V2Transport`` as the initiator.
    private var transport: any Transport
    /// `v1 frame` or `v2 packet`, for reasons.
    var framingName: String { transport.kind == .v2 ? "v2 packet" : "v1 frame" }
    /// Read and drop whatever the peer sends (a case that speaks raw bytes only watches
    /// for the close).
    private let discardsInput: Bool
    /// Units received and not yet returned by ``next(until:clock:)``.
    private var pending: [(command: Command, message: Message?)] = []
    /// The transport finished its handshake (v1: at once).
    private(set) var isReady = false
    private var readyReported = false
    private(set) var isClosed = false
    /// Why the link ended: the peer closed, reset, or the stream stopped decoding.
    private(set) var endNote: String?
    /// The link ended because the peer's bytes could not be read as our transport's (a v2
    /// key sent to a v1 link, say), not because the peer closed.
    private(set) var unreadable = false

    /// Hears each unit sent or received (``ProbeRunner``'s frame hook); nil: nobody listens.
    private let tap: ProbeLinkTap?

    private let magic: Magic

    private init(fd: Int32, transport: any Transport, discardsInput: Bool, magic: Magic, tap: ProbeLinkTap?) {
        self.fd = fd
        self.magic = magic
        self.transport = transport
        self.discardsInput = discardsInput
        self.tap = tap
    }

    deinit { if fd >= 0 { Syscalls.close(fd) } }

    /// Connects to `endpoint` within `timeout` seconds and starts the transport (a v2
    /// link sends its key and garbage at once).
    static func open(_ endpoint: Endpoint, magic: Magic, framing: ProbeFraming, timeout: Double, tap: ProbeLinkTap? = nil) -> Result<ProbeLink, EngineError> {
        let addresses: [SocketAddress]
        switch SocketAddress.resolve(endpoint, numericOnly: IPAddress(endpoint.host) != nil) {
        case let .failure(e): return .failure(e)
        case let .success(list): addresses = list
        }
        var lastError = "no address"
        for address in addresses {
            let fd: Int32
            switch Syscalls.makeSocket(family: address.family) {
            case let .failure(e): return .failure(e)
            case let .success(s): fd = s
            }
            var code = Syscalls.connect(fd, to: address)
            if code == EINPROGRESS {
                code = wait(fd, events: Int16(POLLOUT), seconds: timeout) ? Syscalls.pendingError(fd) : ETIMEDOUT
            }
            if code == 0 {
                let transport: any Transport
                switch framing {
                case .v1, .raw:
                    transport = V1Transport(magic: magic)
                case let .v2(decoys, corruption):
                    var settings = V2Transport.Settings()
                    settings.decoys = decoys
                    settings.handshakeCorruption = corruption
                    transport = V2Transport(initiating: true, magic: magic, settings: settings)
                }
                let link = ProbeLink(fd: fd, transport: transport, discardsInput: { if case .raw = framing { return true } else { return false } }(), magic: magic, tap: tap)
                if !link.discardsInput { link.handle(link.transport.open()) }
                return .success(link)
            }
            lastError = Syscalls.connectFailureReason(code)
            Syscalls.close(fd)
        }
        return .failure(EngineError(lastError))
    }

    /// Waits until `fd` is ready for `events` (or has an error or hang-up); false on timeout.
    private static func wait(_ fd: Int32, events: Int16, seconds: Double) -> Bool {
        var p = pollfd(fd: fd, events: events, revents: 0)
        let ms = Int32(max(0, min(seconds, 3600)) * 1000)
        while true {
            let rc = poll(&p, 1, ms)
            if rc < 0 && errno == EINTR { continue }
            return rc > 0
        }
    }

    private func handle(_ outputs: [TransportOutput]) {
        for output in outputs {
            switch output {
            case let .send(unit, _):
                tap?(.sent, unit, .protocol)
                write(unit.raw)
            case let .received(unit, deliver):
                tap?(.received, unit, .protocol)
                if unit.kind == .message, let command = unit.command { pending.append((command, deliver)) }
            case .ready:
                isReady = true
            case .sessionID:
                break
            case let .failed(reason):
                end(reason)
                unreadable = true
            }
        }
    }

    /// `message` in the link's framing (optionally corrupted, and with bytes of the result
    /// XORed: `xor[i]` applies to byte `i`); false once the connection is gone.
    @discardableResult
    func send(_ message: Message, corruption: Corruption? = nil, xor: [Int: UInt8] = [:]) -> Bool {
        guard case var .success(unit) = transport.encode(message, corruption: corruption) else { return false }
        for (i, mask) in xor where i < unit.raw.count { unit.raw[i] ^= mask }
        if let tap, !isClosed { tap(.sent, xor.isEmpty || transport.kind != .v1 ? unit : Self.unit(raw: unit.raw, magic: magic), corruption.map { .corrupted($0) } ?? (xor.isEmpty ? .protocol : .injected)) }
        return write(unit.raw)
    }

    /// Writes `bytes` as they are (the tap hears them as one unit: a v1 frame when they
    /// start with one, however broken); false once the connection is gone or stuck.
    @discardableResult
    func send(_ bytes: [UInt8], timeout: Double = 10) -> Bool {
        if let tap, !isClosed { tap(.sent, Self.unit(raw: bytes, magic: magic), .injected) }
        return write(bytes, timeout: timeout)
    }

    /// Raw bytes as the ladder shows them: the v1 frame they start with (its checksum and
    /// decoding judged), or, for bytes with another magic or too few for a header, a unit
    /// of command `?` that says why.
    static func unit(raw: [UInt8], magic: Magic) -> WireUnit {
        if let frame = Frame.inspect(raw, expectedMagic: magic), frame.header.magic == magic {
            var unit = WireUnit(frame: frame)
            unit.raw = raw
            return unit
        }
        let error: WireError = raw.count < MessageHeader.size
            ? .truncated(field: "header", offset: 0, needed: MessageHeader.size, available: raw.count)
            : .badMagic(expected: magic, actual: Magic(raw[0], raw[1], raw[2], raw[3]), offset: 0)
        return WireUnit(transport: .v1, raw: raw, layout: .v1(count: raw.count), command: .unreadable, size: raw.count, checksumOK: false, message: .failure(error))
    }

    /// Writes all of `bytes` (waiting for room up to `timeout` seconds); false once the
    /// connection is gone or stuck.
    @discardableResult
    private func write(_ bytes: [UInt8], timeout: Double = 10) -> Bool {
        guard !isClosed else { return false }
        var offset = 0
        while offset < bytes.count {
            let (n, error) = bytes[offset...].withUnsafeBytes { Syscalls.send(fd, $0) }
            if n > 0 {
                offset += n
            } else if error == EAGAIN || error == EWOULDBLOCK || error == EINTR {
                if !Self.wait(fd, events: Int16(POLLOUT), seconds: timeout) {
                    end("peer is not reading")
                    return false
                }
            } else {
                end(error == EPIPE || error == ECONNRESET ? "reset while we were sending" : Syscalls.errorText(error))
                return false
            }
        }
        return true
    }

    /// What ``next(until:clock:)`` found.
    enum Input {
        /// A message unit: its command, and the message when it arrived intact and decoded.
        case unit(Command, Message?)
        /// The transport's handshake finished.
        case ready
        case closed
        case timeout
    }

    /// The next unit, the end of the connection, or nothing by `deadline` (seconds on
    /// `clock`). `.ready` comes once, when the handshake of the transport is done.
    func next(until deadline: Double, clock: ProbeClock) -> Input {
        while true {
            if !pending.isEmpty { let u = pending.removeFirst(); return .unit(u.command, u.message) }
            if isReady && !readyReported {
                readyReported = true
                return .ready
            }
            if isClosed { return .closed }
            let left = deadline - clock.now
            guard left > 0, Self.wait(fd, events: Int16(POLLIN), seconds: left) else { return .timeout }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let (n, error) = chunk.withUnsafeMutableBytes { Syscalls.read(fd, into: $0) }
            if n > 0 {
                if !discardsInput { handle(chunk.withUnsafeBytes { transport.receive(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) }
            } else if n == 0 {
                end("closed by the peer")
            } else if error != EAGAIN && error != EWOULDBLOCK && error != EINTR {
                end(error == ECONNRESET ? "reset by the peer" : Syscalls.errorText(error))
            }
        }
    }

    private func end(_ note: String) {
        guard !isClosed else { return }
        isClosed = true
        endNote = note
    }

    /// Closes our side.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        endNote = "closed by us"
        _ = shutdown(fd, Int32(SHUT_RDWR))
    }
}

/// Hears a unit a ``ProbeLink`` sent or received, as it goes (on the case's thread).
typealias ProbeLinkTap = (FrameDirection, WireUnit, FrameOrigin) -> Void

/// Seconds since a start, for a whole probe run.
public struct ProbeClock: Sendable {
    private let start = DispatchTime.now()
    public init() {}
    public var now: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
}
