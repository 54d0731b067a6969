import BitcoinWire
import Dispatch
import Foundation

/// Settings of a probe run.
public struct ProbeSettings: Sendable {
    public var network: Network
    public var userAgent: String
    /// Seconds to wait for the follow-up's answer (and for a measuring case's replies).
    public var window: Double = 3
    /// Seconds a TCP connect may take.
    public var connectTimeout: Double = 5
    /// Seconds our handshake may take before a case that needs it gives up.
    public var handshakeTimeout: Double = 10
    /// The framing of the reachability check and of the check for a refused connection.
    public var transport = TransportKind.v1

    public init(network: Network, userAgent: String) {
        self.network = network
        self.userAgent = userAgent
    }
}

/// Runs probe cases against one target, each on a connection of its own (see ``ProbeLink``),
/// and classifies what comes back (``ProbeClassifier``).
///
/// Cases that cannot affect each other run in parallel, one thread each; those that may get
/// the address discouraged or banned (``ProbeCase/mayDiscourage``) run after them, one at a
/// time, each followed by a new connection that tells whether the address is now refused.
public final class ProbeRunner: Sendable {
    public let target: Endpoint
    public let settings: ProbeSettings
    public let clock = ProbeClock()
    /// Hears every unit of each case's own connection as it goes (on the case's thread):
    /// what the console's probe view draws a case's ladder from. The reachability check,
    /// a case's second connection and the check for a refused one are not reported.
    public let onFrame: (@Sendable (ProbeFrame) -> Void)?

    public init(target: Endpoint, settings: ProbeSettings, onFrame: (@Sendable (ProbeFrame) -> Void)? = nil) {
        self.target = target
        self.settings = settings
        self.onFrame = onFrame
    }

    /// Whether the target takes a connection and completes a handshake; the one-line reason
    /// when it does not (`verack probe` then exits 1).
    public func checkReachable() -> Result<Void, EngineError> {
        let link: ProbeLink
        switch ProbeLink.open(target, magic: settings.network.magic, framing: checkFraming, timeout: settings.connectTimeout) {
        case let .failure(e): return .failure(EngineError("cannot connect to \(target): \(e)"))
        case let .success(l): link = l
        }
        defer { link.close() }
        var o = ProbeObservation()
        if handshake(link, version: makeVersion(), observation: &o) == nil {
            return .failure(EngineError("\(target) took the connection but did not complete a handshake (\(link.endNote ?? "no answer")); wrong --network or --magic?"))
        }
        return .success(())
    }

    /// Runs `cases` and returns their results in the order given; `onResult` hears each as
    /// it is judged (on the case's own thread).
    public func run(_ cases: [ProbeCase], onResult: @escaping @Sendable (ProbeResult) -> Void = { _ in }) -> [ProbeResult] {
        let results = LockedResults()
        let group = DispatchGroup()
        for c in cases where !c.mayDiscourage && !isCancelled {
            group.enter()
            Thread.detachNewThread { [self] in
                let r = runCase(c)
                results.set(r)
                onResult(r)
                group.leave()
            }
        }
        group.wait()
        for c in cases where c.mayDiscourage {
            if isCancelled { break }
            let r = runCase(c)
            results.set(r)
            onResult(r)
        }
        return cases.compactMap { results.get($0.name) }
    }

    /// Starts no more cases (`probe stop` in the console): those running finish their
    /// windows, the ones that would run after them are left out of ``run(_:onResult:)``'s results.
    public func cancel() { cancelled.set() }

    public var isCancelled: Bool { cancelled.isSet }

    private let cancelled = LockedFlag()

    // MARK: - One case

    /// Runs one case on connections of its own (blocking the calling thread).
    public func runCase(_ c: ProbeCase) -> ProbeResult {
        var o = ProbeObservation()
        var context = ProbeContext(magic: settings.network.magic, ourVersion: makeVersion())
        var beside: ProbeLink?
        defer { beside?.close() }
        if c.start == .besideEstablished {
            guard let (other, peer) = openEstablished(&o, framing: c.framing) else { return ProbeResult(case: c, observation: o) }
            beside = other
            context.peerNonce = peer.nonce
        }
        guard let link = open(&o, framing: c.framing, tap: tap(c.name)) else { return ProbeResult(case: c, observation: o) }
        defer { link.close() }
        var state = LinkState()
        if c.start == .established {
            guard let peer = handshake(link, version: context.ourVersion, observation: &o) else {
                return ProbeResult(case: c, observation: o)
            }
            state.established = true
            state.establishedAt = clock.now
            state.peerVersion = peer
        }
        if let measure = c.measure {
            self.measure(measure, c, link, &state, &o)
            return finish(c, &o)
        }
        for step in c.action(context) {
            switch step {
            case let .send(bytes):
                if !link.send(bytes) { noteClosed(link, &o) }
            case let .message(message, corruption, xor):
                if !link.send(message, corruption: corruption, xor: xor) { noteClosed(link, &o) }
            case let .pause(seconds):
                pump(link, until: clock.now + seconds, &state, &o)
            }
            if o.closedAt != nil { break }
        }
        o.actionAt = clock.now
        state.mute = c.followUp == .none
        if o.closedAt == nil { pump(link, until: clock.now + c.settle, &state, &o) }
        let deadline = o.actionAt.map { $0 + max(c.window, c.settle + (c.followUp == .none ? 0 : settings.window)) } ?? clock.now
        if o.closedAt == nil && c.followUp != .none {
            switch c.followUp {
            case .ping:
                state.followUpNonce = ProbeCatalog.actionNonce &+ 1
                link.send(.ping(nonce: ProbeCatalog.actionNonce &+ 1))
            case .version:
                var fresh = makeVersion()
                fresh.nonce = context.ourVersion.nonce &+ 1
                state.followUpVersion = true
                link.send(.version(fresh))
            case .none:
                break
            }
            o.followUpAt = clock.now
            if link.isClosed { noteClosed(link, &o) }
        }
        // Once the follow-up is answered, a short grace for a late close; else the window.
        while o.closedAt == nil && clock.now < deadline {
            let until = o.followUpAnsweredAt.map { min(deadline, $0 + 0.2) } ?? deadline
            if clock.now >= until { break }
            pump(link, until: until, &state, &o) { _, o in o.followUpAnsweredAt != nil && until == deadline }
        }
        return finish(c, &o)
    }

    /// Adds the check for a refused new connection where the case calls for it.
    private func finish(_ c: ProbeCase, _ o: inout ProbeObservation) -> ProbeResult {
        if c.mayDiscourage, o.closedAt != nil {
            Thread.sleep(forTimeInterval: 0.3)
            o.refusedLater = isRefused()
        }
        return ProbeResult(case: c, observation: o)
    }

    /// A new connection that is refused, or closed before the peer's `version` answers ours.
    private func isRefused() -> Bool {
        guard case let .success(link) = ProbeLink.open(target, magic: settings.network.magic, framing: checkFraming, timeout: settings.connectTimeout) else {
            return true
        }
        defer { link.close() }
        var o = ProbeObservation()
        return handshake(link, version: makeVersion(), observation: &o, timeout: 2) == nil && link.isClosed
    }

    private func measure(_ m: ProbeCase.Measure, _ c: ProbeCase, _ link: ProbeLink, _ state: inout LinkState, _ o: inout ProbeObservation) {
        o.actionAt = state.establishedAt ?? clock.now
        switch m {
        case .idle:
            let deadline = clock.now + max(c.settle, settings.window)
            while o.closedAt == nil, clock.now < deadline, !o.received.contains(where: { $0.command == .ping }) {
                pump(link, until: deadline, &state, &o) { _, o in o.received.contains { $0.command == .ping } }
            }
            if let ping = o.received.first(where: { $0.command == .ping }), let start = o.actionAt {
                o.measurement = "pinged us \(Int(((ping.time - start) * 1000).rounded())) ms after the handshake"
            }
        case let .pingRoundTrips(count):
            o.actionAt = clock.now
            var times: [Double] = []
            for i in 0..<count {
                let nonce = ProbeCatalog.actionNonce &+ 100 &+ UInt64(i)
                state.awaitedPong = nonce
                state.pongAt = nil
                let sentAt = clock.now
                guard link.send(.ping(nonce: nonce)) else {
                    noteClosed(link, &o)
                    break
                }
                let deadline = clock.now + settings.window
                while state.pongAt == nil, o.closedAt == nil, clock.now < deadline {
                    pump(link, until: deadline, &state, &o) { state, _ in state.pongAt != nil }
                }
                if let at = state.pongAt { times.append((at - sentAt) * 1000) }
                if o.closedAt != nil { break }
            }
            let sorted = times.sorted()
            if !sorted.isEmpty {
                let median = sorted[sorted.count / 2]
                o.measurement = "\(sorted.count)/\(count) pongs, median \(Self.format(median)) ms, max \(Self.format(sorted[sorted.count - 1])) ms"
            } else {
                o.measurement = "0/\(count) pongs"
            }
        }
    }

    static func format(_ ms: Double) -> String { String(format: ms < 10 ? "%.2f" : "%.0f", ms) }

    // MARK: - Connections

    private struct LinkState {
        var established = false
        var establishedAt: Double?
        var peerVersion: VersionMessage?
        var followUpNonce: UInt64?
        var followUpVersion = false
        var awaitedPong: UInt64?
        var pongAt: Double?
        /// Send nothing more, not even a pong: the case left the stream mid-frame.
        var mute = false
    }

    private func makeVersion() -> VersionMessage {
        VersionMessage(
            version: VersionMessage.currentProtocol, services: [], timestamp: Int64(Date().timeIntervalSince1970),
            receiver: NetworkAddress(ip: IPAddress(target.host) ?? .unspecified, port: target.port),
            nonce: UInt64.random(in: 1...UInt64.max), userAgent: settings.userAgent, startHeight: 0, relay: false)
    }

    /// A new connection, or nil with the reason in `o` (the address refused us).
    private var checkFraming: ProbeFraming { settings.transport == .v2 ? .v2() : .v1 }

    /// The frame hook's tap for case `name`'s connection; nil when nobody listens.
    private func tap(_ name: String) -> ProbeLinkTap? {
        guard let onFrame else { return nil }
        let clock = clock
        return { direction, unit, origin in
            onFrame(ProbeFrame(caseName: name, direction: direction, time: clock.now, unit: unit, origin: origin))
        }
    }

    private func open(_ o: inout ProbeObservation, framing: ProbeFraming, tap: ProbeLinkTap? = nil) -> ProbeLink? {
        switch ProbeLink.open(target, magic: settings.network.magic, framing: framing, timeout: settings.connectTimeout, tap: tap) {
        case let .failure(e):
            o.notRun = "cannot connect: \(e); an earlier case may have got the address refused"
            o.refusedLater = true
            return nil
        case let .success(link):
            return link
        }
    }

    private func openEstablished(_ o: inout ProbeObservation, framing: ProbeFraming) -> (ProbeLink, VersionMessage)? {
        guard let link = open(&o, framing: framing) else { return nil }
        guard let peer = handshake(link, version: makeVersion(), observation: &o) else {
            link.close()
            return nil
        }
        return (link, peer)
    }

    /// The transport's own handshake (v2), then our version, the peer's version and verack,
    /// our verack: the peer's version, or nil with the reason in `o`.
    private func handshake(_ link: ProbeLink, version: VersionMessage, observation o: inout ProbeObservation, timeout: Double? = nil) -> VersionMessage? {
        let seconds = timeout ?? settings.handshakeTimeout
        let deadline = clock.now + seconds
        var peer: VersionMessage?
        var verack = false
        var sentVersion = false
        while peer == nil || !verack {
            if link.isReady && !sentVersion {
                sentVersion = true
                guard link.send(.version(version)) else {
                    o.notRun = "the connection ended as our version went out"
                    return nil
                }
            }
            switch link.next(until: deadline, clock: clock) {
            case .timeout:
                o.notRun = "no handshake within \(Int(seconds)) s"
                return nil
            case .closed where link.unreadable:
                o.notRun = "the peer's answer to our handshake is no \(link.framingName) (\(link.endNote ?? "unreadable"))"
                return nil
            case .closed:
                o.notRun = "the peer closed during our handshake (\(link.endNote ?? "closed")); an earlier case may have got the address refused"
                o.refusedLater = true
                return nil
            case .ready:
                continue
            case let .unit(_, message):
                switch message {
                case let .version(v)? where peer == nil:
                    peer = v
                    link.send(.verack)
                case .verack?:
                    verack = true
                case let .ping(nonce)? where peer != nil:
                    link.send(.pong(nonce: nonce))
                default:
                    break
                }
            }
        }
        return peer
    }

    /// Reads until `deadline`, recording what arrives, answering pings once established,
    /// noting the follow-up's answer and the close.
    /// Returns early once `stop` holds after a frame.
    private func pump(
        _ link: ProbeLink, until deadline: Double, _ state: inout LinkState, _ o: inout ProbeObservation,
        stop: (LinkState, ProbeObservation) -> Bool = { _, _ in false }
    ) {
        while o.closedAt == nil && !stop(state, o) {
            switch link.next(until: deadline, clock: clock) {
            case .timeout:
                return
            case .closed:
                noteClosed(link, &o)
                return
            case .ready:
                continue
            case let .unit(command, message):
                let now = clock.now
                switch message {
                case let .pong(nonce) where nonce == state.followUpNonce:
                    if o.followUpAnsweredAt == nil { o.followUpAnsweredAt = now }
                    continue
                case let .pong(nonce) where nonce == state.awaitedPong:
                    state.pongAt = now
                case let .ping(nonce) where (state.established || state.peerVersion != nil) && !state.mute:
                    link.send(.pong(nonce: nonce))
                case let .version(v) where state.followUpVersion && o.followUpAt != nil:
                    if state.peerVersion == nil {
                        state.peerVersion = v
                        link.send(.verack)
                    }
                    if o.followUpAnsweredAt == nil { o.followUpAnsweredAt = now }
                case let .version(v) where state.peerVersion == nil:
                    state.peerVersion = v
                default:
                    break
                }
                o.received.append(.init(time: now, command: command))
            }
        }
    }

    private func noteClosed(_ link: ProbeLink, _ o: inout ProbeObservation) {
        guard o.closedAt == nil else { return }
        o.closedAt = clock.now
        o.closeNote = link.endNote
        if link.unreadable { o.unreadableAt = o.closedAt }
    }
}

/// One unit on a case's connection, for ``ProbeRunner/onFrame``. Raw bytes a case wrote
/// come as the v1 frame they start with (however broken) or as a unit of command `?`.
public struct ProbeFrame: Sendable {
    public var caseName: String
    public var direction: FrameDirection
    /// Seconds on the runner's ``ProbeRunner/clock``.
    public var time: Double
    public var unit: WireUnit
    /// `.protocol` for the handshake and follow-ups; `.injected` or `.corrupted` for the
    /// case's own bytes.
    public var origin: FrameOrigin

    public init(caseName: String, direction: FrameDirection, time: Double, unit: WireUnit, origin: FrameOrigin) {
        self.caseName = caseName
        self.direction = direction
        self.time = time
        self.unit = unit
        self.origin = origin
    }
}

/// A flag set once, from any thread.
private final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

/// Results by case name, set from the cases' threads.
private final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var byName: [String: ProbeResult] = [:]

    func set(_ r: ProbeResult) {
        lock.lock()
        byName[r.name] = r
        lock.unlock()
    }

    func get(_ name: String) -> ProbeResult? {
        lock.lock()
        defer { lock.unlock() }
        return byName[name]
    }
}
