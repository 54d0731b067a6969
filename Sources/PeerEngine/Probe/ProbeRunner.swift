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

    let cancelled = LockedFlag()

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
    func finish(_ c: ProbeCase, _ o: inout ProbeObservation) -> ProbeResult {
        if c.mayDiscourage, o.closedAt != nil {
            Thread.sleep(forTimeInterval: 0.3)
            o.refusedLater = isRefused()
        }
        return ProbeResult(case: c, observation: o)
    }

    /// A new connection that is refused, or closed before the peer's `version` answers ours.
    func isRefused() -> Bool {
        guard case let .success(link) = ProbeLink.open(target, magic: settings.network.magic, framing: checkFraming, timeout: settings.connectTimeout) else {
            return true
        }
        defer { link.close() }
        var o = ProbeObservation()
        return handshake(link, version: makeVersion(), observation: &o, timeout: 2) == nil && link.isClosed
    }

    func measure(_ m: ProbeCase.Measure, _ c: ProbeCase, _ link: ProbeLink, _ state: inout LinkState, _ o: inout ProbeObservation) {
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
}
