import BitcoinWire

/// The handshake and keep-alive logic of one connection, as a pure state machine: it is
/// fed messages and the time, and answers with actions. No sockets, no clocks, so it is
/// tested in memory.
///
/// Outbound, we send our `version` at once; inbound, we wait for the peer's. A `verack`
/// goes out as soon as the peer's `version` arrives (after `wtxidrelay` and `sendaddrv2`,
/// as Bitcoin Core does), and the session is established once both sides have acked.
/// Anything may arrive between `version` and `verack`; a second `version` is ignored, as
/// are messages before the first `version`.
public struct PeerSession: Sendable {
    /// What the engine should do.
    public enum Action: Equatable, Sendable {
        case send(Message)
        case phaseChanged(PeerPhase)
        /// The peer's version arrived.
        case peerVersion(VersionMessage)
        /// A pong answered our ping after `ms` milliseconds.
        case roundTrip(ms: Double)
        /// A reply we await is now overdue, or no longer (nil).
        case silenceChanged(Silence?)
        /// Close the connection; the phase change is reported separately.
        case close
    }

    public struct Settings: Sendable {
        public var silenceTimeout: Double = 5
        public var handshakeTimeout: Double = 60
        public var pingInterval: Double = 120
        /// See ``EngineConfiguration/pingsOnEstablish``.
        public var pingsOnEstablish = true
        public init() {}
    }

    /// Bitcoin Core's `MIN_PEER_PROTO_VERSION`: a peer below it is disconnected.
    public static let minimumProtocolVersion: Int32 = 31800

    public let direction: PeerDirection
    /// The version we send (its nonce identifies a connection to ourselves).
    public private(set) var ourVersion: VersionMessage
    public let settings: Settings
    public private(set) var phase: PeerPhase
    public private(set) var peerVersion: VersionMessage?
    public private(set) var silence: Silence?

    private var sentVersion = false
    private var sentVerack = false
    private var receivedVerack = false
    private let startedAt: Double
    /// The reply we wait for and since when.
    private var awaiting: (command: Command, since: Double)?
    /// Our pings in flight: nonce → time sent.
    private var pingsInFlight: [UInt64: Double] = [:]
    private var nextPingAt: Double?
    private var pingCounter: UInt64 = 0

    public init(direction: PeerDirection, ourVersion: VersionMessage, settings: Settings = Settings(), now: Double) {
        self.direction = direction
        self.ourVersion = ourVersion
        self.settings = settings
        self.startedAt = now
        phase = .connecting
    }

    public var isEstablished: Bool { phase == .established }

    /// The TCP connection is up. Outbound, our version goes out.
    public mutating func connected(now: Double) -> [Action] {
        guard direction == .outbound, !sentVersion, !phase.isEnd else { return [] }
        sentVersion = true
        awaiting = (.version, now)
        return [.send(.version(ourVersion)), change(to: .versionSent)]
    }

    /// A message from the peer.
    public mutating func receive(_ message: Message, now: Double) -> [Action] {
        guard !phase.isEnd else { return [] }
        var actions: [Action] = []
        switch message {
        case let .version(v):
            guard peerVersion == nil else { return [] }
            if v.nonce == ourVersion.nonce && v.nonce != 0 {
                return end(.failed(reason: "connected to ourselves (our own nonce came back)"))
            }
            // As Core (MIN_PEER_PROTO_VERSION): older peers are dropped before we answer.
            if v.version < Self.minimumProtocolVersion {
                return end(.failed(reason: "protocol version \(v.version) is below \(Self.minimumProtocolVersion)"))
            }
            peerVersion = v
            actions.append(.peerVersion(v))
            if !sentVersion {
                sentVersion = true
                actions.append(.send(.version(ourVersion)))
            }
            // BIP339 and BIP155 announcements, as Core sends them: to 70016 and later.
            if v.version >= VersionMessage.currentProtocol { actions += [.send(.wtxidrelay), .send(.sendaddrv2)] }
            actions.append(.send(.verack))
            sentVerack = true
            if receivedVerack {
                actions += establish(now: now)
            } else {
                awaiting = (.verack, now)
                actions.append(change(to: .versionReceived))
            }
        case .verack:
            guard !receivedVerack, sentVersion else { return [] }
            receivedVerack = true
            if peerVersion != nil {
                actions += establish(now: now)
            } else {
                actions.append(change(to: .verackReceived))
            }
        case .wtxidrelay, .sendaddrv2:
            // As Core: these negotiate features before `verack`; after it they end the connection.
            if isEstablished { return end(.failed(reason: "\(message.command) after the handshake")) }
        case let .ping(nonce):
            guard peerVersion != nil else { return [] }
            actions.append(.send(.pong(nonce: nonce)))
        case let .pong(nonce):
            guard let sentAt = pingsInFlight.removeValue(forKey: nonce) else { return [] }
            actions.append(.roundTrip(ms: (now - sentAt) * 1000))
            // Pongs come in order: pings older than this one will never be answered (a
            // corrupted one, say). The wait goes on only for newer pings.
            pingsInFlight = pingsInFlight.filter { $0.value > sentAt }
            if awaiting?.command == .pong {
                awaiting = pingsInFlight.values.min().map { (Command.pong, $0) }
            }
        default:
            break
        }
        actions += updateSilence(now: now)
        return actions
    }

    /// A fresh ping to send now (for the keep-alive and for `send ID ping`).
    public mutating func makePing(now: Double) -> Message {
        pingCounter &+= 1
        // Nonces unique per session and not guessable from outside are not needed here:
        // the session nonce mixed with a counter is enough to match pongs.
        let nonce = ourVersion.nonce &* 6364136223846793005 &+ pingCounter
        notePing(nonce: nonce, now: now)
        return .ping(nonce: nonce)
    }

    /// A ping with `nonce` went out (possibly corrupted): its pong is now awaited.
    public mutating func notePing(nonce: UInt64, now: Double) {
        pingsInFlight[nonce] = now
        if awaiting == nil || awaiting?.command == .pong && pingsInFlight.count == 1 {
            awaiting = (.pong, now)
        }
    }

    /// Our version went out again (as `resend`): if the peer's has not come, keep waiting.
    public mutating func noteVersionResent(now: Double) {
        if peerVersion == nil { awaiting = (.version, now) }
    }

    /// Time passed: timeouts, silence and keep-alive pings.
    public mutating func tick(now: Double) -> [Action] {
        guard !phase.isEnd else { return [] }
        if !isEstablished && now - startedAt >= settings.handshakeTimeout {
            return end(.dropped(reason: "no handshake within \(Int(settings.handshakeTimeout)) s"))
        }
        var actions: [Action] = []
        if isEstablished, let at = nextPingAt, now >= at {
            actions.append(.send(makePing(now: now)))
            nextPingAt = now + settings.pingInterval
        }
        actions += updateSilence(now: now)
        return actions
    }

    /// The next time ``tick(now:)`` has something to do.
    public var nextDeadline: Double? {
        guard !phase.isEnd else { return nil }
        var earliest: Double?
        func consider(_ t: Double) { earliest = min(earliest ?? t, t) }
        if !isEstablished { consider(startedAt + settings.handshakeTimeout) }
        if let nextPingAt { consider(nextPingAt) }
        if let awaiting, silence == nil { consider(awaiting.since + settings.silenceTimeout) }
        return earliest
    }

    // MARK: - Watching a connection of others

    /// A session for a connection verack only watches (a capture, a sniffed stream): it
    /// sends nothing, and its phase moves with the messages seen each way
    /// (``observe(_:direction:now:)``), by the same rules as a connection of ours.
    public static func observer(direction: PeerDirection, now: Double) -> PeerSession {
        PeerSession(direction: direction, ourVersion: VersionMessage(timestamp: 0, receiver: NetworkAddress(), nonce: 0, userAgent: ""), now: now)
    }

    /// A message seen going `direction` (sent: by the side that opened the connection) on a
    /// watched connection. Returns the new phase when it changed.
    public mutating func observe(_ message: Message, sent: Bool, now: Double) -> PeerPhase? {
        guard !phase.isEnd else { return nil }
        switch (message, sent) {
        case (.version, true): sentVersion = true
        case (.verack, true): sentVerack = true
        case let (.version(v), false): if peerVersion == nil { peerVersion = v }
        case (.verack, false): receivedVerack = true
        default: return nil
        }
        let next: PeerPhase
        if sentVersion && peerVersion != nil && sentVerack && receivedVerack {
            next = .established
        } else if receivedVerack {
            next = .verackReceived
        } else if peerVersion != nil {
            next = .versionReceived
        } else if sentVersion {
            next = .versionSent
        } else {
            next = .connecting
        }
        guard next != phase else { return nil }
        phase = next
        return next
    }

    /// The connection ended for a reason outside the session (closed, reset, bad magic, …).
    public mutating func ended(_ phase: PeerPhase) -> [Action] {
        guard !self.phase.isEnd else { return [] }
        return end(phase)
    }

    private mutating func establish(now: Double) -> [Action] {
        awaiting = nil
        var actions = [change(to: .established)]
        if settings.pingsOnEstablish { actions.append(.send(makePing(now: now))) }
        nextPingAt = now + settings.pingInterval
        return actions
    }

    private mutating func end(_ newPhase: PeerPhase) -> [Action] {
        awaiting = nil
        var actions = [change(to: newPhase)]
        if silence != nil {
            silence = nil
            actions.append(.silenceChanged(nil))
        }
        actions.append(.close)
        return actions
    }

    private mutating func change(to newPhase: PeerPhase) -> Action {
        phase = newPhase
        return .phaseChanged(newPhase)
    }

    private mutating func updateSilence(now: Double) -> [Action] {
        let overdue = awaiting.flatMap { now - $0.since >= settings.silenceTimeout ? Silence(awaiting: $0.command, since: $0.since) : nil }
        guard overdue != silence else { return [] }
        silence = overdue
        return [.silenceChanged(overdue)]
    }
}
