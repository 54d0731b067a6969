import BitcoinWire
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// One probe connection: a plain TCP socket driven by blocking waits (`poll`) on the thread
/// of its case, with a ``FrameDecoder`` on the incoming side.
///
/// The probe does not go through ``PeerEngine``'s connections: their session sends our
/// `version` as soon as TCP is up and keeps the handshake to the rules, while a case must
/// send before, instead of, or beside it, and bytes that are no frame at all. Used by one
/// thread at a time (hence `@unchecked Sendable`: a case hands it over, never shares it).
final class ProbeLink: @unchecked Sendable {
    private let fd: Int32
    private var decoder: FrameDecoder
    private(set) var isClosed = false
    /// Why the link ended: the peer closed, reset, or the stream stopped decoding.
    private(set) var endNote: String?
    /// The link ended because the peer's bytes are no v1 frames (a v2 key, say), not
    /// because the peer closed.
    private(set) var unreadable = false

    private init(fd: Int32, magic: Magic) {
        self.fd = fd
        decoder = FrameDecoder(magic: magic)
    }

    deinit { if fd >= 0 { Syscalls.close(fd) } }

    /// Connects to `endpoint` within `timeout` seconds.
    static func open(_ endpoint: Endpoint, magic: Magic, timeout: Double) -> Result<ProbeLink, EngineError> {
        let addresses: [SocketAddress]
        switch SocketAddress.resolve(endpoint, numericOnly: IPAddress(endpoint.host) != nil) {
        case let .failure(e): return .failure(e)
        case let .success(list): addresses = list
        }
        var lastError = "no address"
        for address in addresses {
            let fd: Int32
            switch Syscalls.makeSocket(family: Int32(address.storage.ss_family)) {
            case let .failure(e): return .failure(e)
            case let .success(s): fd = s
            }
            var code = Syscalls.connect(fd, to: address)
            if code == EINPROGRESS {
                code = wait(fd, events: Int16(POLLOUT), seconds: timeout) ? Syscalls.pendingError(fd) : ETIMEDOUT
            }
            if code == 0 { return .success(ProbeLink(fd: fd, magic: magic)) }
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

    /// Writes all of `bytes` (waiting for room up to `timeout` seconds); false once the
    /// connection is gone or stuck.
    @discardableResult
    func send(_ bytes: [UInt8], timeout: Double = 10) -> Bool {
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

    /// What ``next(until:)`` found.
    enum Input {
        case frame(Frame)
        case closed
        case timeout
    }

    /// The next frame, the end of the connection, or nothing by `deadline` (seconds on
    /// `clock`).
    func next(until deadline: Double, clock: ProbeClock) -> Input {
        while true {
            if isClosed { return .closed }
            do {
                if let frame = try decoder.next() { return .frame(frame) }
            } catch {
                // Their stream broke (bad magic from the peer): nothing more can be read.
                end("\(error)")
                unreadable = true
                return .closed
            }
            let left = deadline - clock.now
            guard left > 0, Self.wait(fd, events: Int16(POLLIN), seconds: left) else { return .timeout }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let (n, error) = chunk.withUnsafeMutableBytes { Syscalls.read(fd, into: $0) }
            if n > 0 {
                decoder.feed(chunk[0..<n])
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

/// Seconds since a start, for a whole probe run.
public struct ProbeClock: Sendable {
    private let start = DispatchTime.now()
    public init() {}
    public var now: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
}
