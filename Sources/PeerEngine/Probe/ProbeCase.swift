import BitcoinWire

/// The groups `verack probe --case GROUP` takes.
public enum ProbeGroup: String, CaseIterable, Sendable {
    case framing, handshake, limits, unknown, v2, timing
    /// Cases that take a minute or more; left out unless asked for.
    case slow
}

/// What a peer did after a case's action, as the probe classifies it.
public enum ProbeReaction: String, CaseIterable, Sendable {
    /// It sent something in reply to the action.
    case answered
    /// The connection stayed, and the follow-up (a `ping`, or a good `version` before the
    /// handshake) got its answer.
    case ignored
    /// The connection stayed, but even the follow-up went unanswered within the window.
    case silent
    /// The peer closed the connection.
    case disconnected
    /// The peer closed, and a new connection from the same address was refused or dropped at
    /// once (discouraged or banned).
    case refusedLater = "refused-later"
}

/// Where the case's connection is when the action goes out.
public enum ProbeStart: Sendable, Equatable {
    /// TCP is up and nothing was sent yet.
    case connected
    /// Both versions and both veracks went through.
    case established
    /// A second connection completed its handshake first; the case's connection starts
    /// with nothing sent and the bytes may use the other connection's peer nonce.
    case besideEstablished
}

/// What the probe sends after the action and its settle time, to tell `ignored` from
/// `silent`.
public enum ProbeFollowUp: Sendable, Equatable {
    /// A `ping` (after the handshake) whose `pong` is awaited.
    case ping
    /// A good `version` (before the handshake) whose `version` in return is awaited.
    case version
    /// Nothing: the case only watches (a truncated payload would swallow a ping's bytes).
    case none
}

/// How a case's connection frames its bytes.
public enum ProbeFraming: Sendable, Equatable {
    case v1
    /// BIP324 as the initiator, with decoys before the version packet, or a handshake broken
    /// on purpose (`key`, `terminator`).
    case v2(decoys: Int = 0, corruption: Corruption? = nil)
    /// Nothing of ours: the case writes raw bytes, and what comes back is dropped unread.
    case raw
}

/// One step of an action.
public enum ProbeStep: Sendable, Equatable {
    /// Bytes as they are.
    case send([UInt8])
    /// A message in the connection's framing, optionally corrupted, then with bytes of the
    /// result XORed (`xor[i]` applies to byte `i`).
    case message(Message, corruption: Corruption? = nil, xor: [Int: UInt8] = [:])
    /// Seconds to wait (reading and answering as usual) before the next step.
    case pause(Double)
}

/// What a case's bytes may depend on.
public struct ProbeContext: Sendable {
    public var magic: Magic
    /// The version we send on this connection (its nonce is ours).
    public var ourVersion: VersionMessage
    /// The nonce of the peer's `version` on the other connection (``ProbeStart/besideEstablished``).
    public var peerNonce: UInt64?

    public init(magic: Magic, ourVersion: VersionMessage, peerNonce: UInt64? = nil) {
        self.magic = magic
        self.ourVersion = ourVersion
        self.peerNonce = peerNonce
    }

    /// A well-formed frame of `message`.
    public func frame(_ message: Message) -> [UInt8] { FrameEncoder.encode(message, magic: magic) }

    /// A frame of `message` broken by `corruption` (v1 kinds only).
    public func frame(_ message: Message, corrupted corruption: Corruption) -> [UInt8] {
        let intact = frame(message)
        return (try? corruption.apply(to: intact)) ?? intact
    }
}

/// The reaction Bitcoin Core is expected to have, from its sources (PROTOCOL.md).
public struct ProbeExpectation: Sendable, Equatable {
    /// The reactions that count as Core's.
    public var reactions: Set<ProbeReaction>
    /// Core's reaction in words, with where it comes from.
    public var text: String

    public init(_ reactions: Set<ProbeReaction>, _ text: String) {
        self.reactions = reactions
        self.text = text
    }
}

/// One experiment: a phase to reach, the bytes to send, what to watch, and Core's expected
/// reaction. Cases are data; ``ProbeRunner`` runs them and ``ProbeClassifier`` judges.
public struct ProbeCase: Sendable {
    public var name: String
    public var group: ProbeGroup
    /// What is sent, in words (the table's `sent` column).
    public var sent: String
    public var start: ProbeStart
    /// The action's steps, made from the connection's context.
    public var action: @Sendable (ProbeContext) -> [ProbeStep]
    /// Commands that count as an answer to the action (`reject` always does).
    public var answers: Set<Command>
    public var followUp: ProbeFollowUp
    public var expected: ProbeExpectation?
    /// Seconds the peer gets to react before the follow-up goes out.
    public var settle: Double = 0.5
    /// Seconds to watch after the action, at least (the probe's `--timeout` may raise it).
    public var window: Double = 0
    /// The case may get the address refused (discouraged or banned, or it breaks the stream
    /// so that a fork bans): it runs last, one at a time, and a new connection is tried
    /// after a disconnect.
    public var mayDiscourage = false
    /// How the case's connection frames its bytes.
    public var framing = ProbeFraming.v1
    /// A case that measures instead of provoking (see ``ProbeRunner``): `idle`, `ping-rtt`.
    public var measure: Measure?

    public enum Measure: Sendable, Equatable {
        /// Send nothing; report when the peer pings us.
        case idle
        /// Send this many pings one after another; report their round-trip times.
        case pingRoundTrips(Int)
    }

    public init(
        name: String, group: ProbeGroup, sent: String, start: ProbeStart, answers: Set<Command> = [],
        followUp: ProbeFollowUp, expected: ProbeExpectation?, action: @escaping @Sendable (ProbeContext) -> [ProbeStep]
    ) {
        self.name = name
        self.group = group
        self.sent = sent
        self.start = start
        self.answers = answers
        self.followUp = followUp
        self.expected = expected
        self.action = action
    }
}
