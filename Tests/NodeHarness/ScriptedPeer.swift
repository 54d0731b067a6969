import BitcoinWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A node on loopback with a scripted reaction, for proving the probe's classifier: on
/// every connection it behaves as an honest v1 node (answers `version` with `version` and
/// `verack`, `ping` with `pong`) until the first input an honest client would not send
/// (a bad checksum, a bad command, garbage, a message out of turn, a low protocol version,
/// an undecodable payload, one of its own nonces). That input triggers the script.
public final class ScriptedPeer: @unchecked Sendable {
    /// What the peer does once triggered.
    public enum Script: Sendable, Equatable, CustomStringConvertible {
        /// Drop the input and go on as before.
        case ignore
        /// Send a `reject` at once, then go on as before.
        case answer
        /// Answer nothing more on this connection, and stay.
        case silent
        /// Close the connection this many milliseconds later (reading nothing meanwhile).
        case disconnect(ms: Int)
        /// Close at once, and close every later connection as soon as it is accepted.
        case ban

        public var description: String {
            switch self {
            case .ignore: return "ignore"
            case .answer: return "answer"
            case .silent: return "silent"
            case let .disconnect(ms): return "disconnect after \(ms) ms"
            case .ban: return "ban"
            }
        }
    }

    public let script: Script
    public let magic: Magic
    private let listenFD: Int32
    public let port: UInt16
    private let lock = NSLock()
    private var banned = false
    private var nonces: Set<UInt64> = []
    private var closed = false

    public init(script: Script, magic: Magic = FakePeer.magic) throws {
        self.script = script
        self.magic = magic
        (listenFD, port) = try LoopbackSocket.listen(backlog: 64)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    public var address: String { "127.0.0.1:\(port)" }

    /// Stops accepting (the connections' threads end with their sockets).
    public func stop() {
        lock.lock()
        let wasClosed = closed
        closed = true
        lock.unlock()
        if !wasClosed { shutdown(listenFD, Int32(SHUT_RDWR)) }
    }

    deinit { close(listenFD) }

    private func acceptLoop() {
        while true {
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else { return }
            lock.lock()
            let refuse = banned
            lock.unlock()
            if refuse {
                close(client)
                continue
            }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private enum Phase { case awaitingVersion, awaitingVerack, established }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var decoder = FrameDecoder(magic: magic)
        var phase = Phase.awaitingVersion
        var triggered = false
        var mute = false
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            decoder.feed(buffer[0..<n])
            while true {
                let frame: Frame
                do {
                    guard let f = try decoder.next() else { break }
                    frame = f
                } catch {
                    // Garbage: the stream cannot go on, whatever the script says.
                    if !triggered { _ = trigger(fd) }
                    return
                }
                if mute { continue }
                if !triggered && !isHonest(frame, phase) {
                    triggered = true
                    switch trigger(fd) {
                    case .goOn: continue
                    case .mute: mute = true; continue
                    case .end: return
                    }
                }
                guard frame.checksumOK, case let .success(message) = frame.message else { continue }
                switch message {
                case let .version(v) where phase == .awaitingVersion && v.version >= 31800 && !isOurs(v.nonce):
                    let nonce = UInt64.random(in: 1...UInt64.max)
                    lock.lock()
                    nonces.insert(nonce)
                    lock.unlock()
                    let ours = VersionMessage(timestamp: Int64(time(nil)), receiver: NetworkAddress(), nonce: nonce, userAgent: "/scripted:1/")
                    FakePeer.send(fd, FrameEncoder.encode(.version(ours), magic: magic) + FrameEncoder.encode(.verack, magic: magic))
                    phase = .awaitingVerack
                case .verack where phase == .awaitingVerack:
                    phase = .established
                case let .ping(nonce) where phase == .established:
                    FakePeer.send(fd, FrameEncoder.encode(.pong(nonce: nonce), magic: magic))
                default:
                    break
                }
            }
        }
    }

    private func isOurs(_ nonce: UInt64) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return nonces.contains(nonce)
    }

    /// What an honest client sends in `phase`.
    private func isHonest(_ frame: Frame, _ phase: Phase) -> Bool {
        guard frame.checksumOK, case let .success(message) = frame.message else { return false }
        switch (message, phase) {
        case let (.version(v), .awaitingVersion): return v.version >= 31800 && !isOurs(v.nonce)
        case (.verack, .awaitingVerack): return true
        case (.ping, .established), (.pong, .established): return true
        default: return false
        }
    }

    private enum After { case goOn, mute, end }

    private func trigger(_ fd: Int32) -> After {
        switch script {
        case .ignore:
            return .goOn
        case .answer:
            let reject = RejectMessage(message: "probe", code: 0x10, reason: "scripted")
            FakePeer.send(fd, FrameEncoder.encode(.reject(reject), magic: magic))
            return .goOn
        case .silent:
            return .mute
        case let .disconnect(ms):
            usleep(useconds_t(ms * 1000))
            return .end
        case .ban:
            lock.lock()
            banned = true
            lock.unlock()
            return .end
        }
    }
}
