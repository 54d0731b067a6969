import BitcoinWire

/// Small integer peer ids, from 1, in order of creation.
public typealias PeerID = Int

/// Who opened the connection.
public enum PeerDirection: String, Sendable, Equatable {
    case outbound = "out"
    case inbound = "in"
}

/// Where a peer is in its life. Silence is not a phase: see ``PeerInfo/silence``.
public enum PeerPhase: Sendable, Equatable, CustomStringConvertible {
    case connecting
    case versionSent
    case versionReceived
    case verackReceived
    case established
    /// The peer closed the connection.
    case closed(reason: String)
    /// We dropped the peer (by command, or for a timeout).
    case dropped(reason: String)
    /// The connection failed (refused, unreachable, timeout, bad magic, oversized frame,
    /// self-connection, …).
    case failed(reason: String)

    /// The phase as one word: `connecting`, `version-sent`, …, `failed`.
    public var word: String {
        switch self {
        case .connecting: return "connecting"
        case .versionSent: return "version-sent"
        case .versionReceived: return "version-received"
        case .verackReceived: return "verack-received"
        case .established: return "established"
        case .closed: return "closed"
        case .dropped: return "dropped"
        case .failed: return "failed"
        }
    }

    /// The reason of an end state.
    public var reason: String? {
        switch self {
        case let .closed(r), let .dropped(r), let .failed(r): return r
        default: return nil
        }
    }

    public var isEnd: Bool { reason != nil }

    public var description: String {
        if let reason { return "\(word) (\(reason))" }
        return word
    }
}

/// A reply we are waiting for that has not come in time.
public struct Silence: Sendable, Equatable {
    /// The command we await: `version`, `verack` or `pong`.
    public var awaiting: Command
    /// Seconds since the engine started at which the wait began.
    public var since: Double

    public init(awaiting: Command, since: Double) {
        self.awaiting = awaiting
        self.since = since
    }
}

/// Traffic counters for one direction.
public struct TrafficCounters: Sendable, Equatable {
    public var bytes = 0
    public var messages = 0
    /// Messages and bytes per command, in the order the commands first came. A short list,
    /// not a dictionary: a peer speaks a handful of commands, and every event carries a copy
    /// of these counters, so the next count after an event copies them (one small array,
    /// no rehashing; a command's name is a small string, compared without hashing).
    private var entries: [Entry] = []

    private struct Entry: Sendable, Equatable {
        var command: String
        var messages: Int
        var bytes: Int
    }

    public init() {}

    public mutating func count(command: String, bytes n: Int) {
        bytes += n
        messages += 1
        if let i = entries.firstIndex(where: { $0.command == command }) {
            entries[i].messages += 1
            entries[i].bytes += n
        } else {
            if entries.isEmpty { entries.reserveCapacity(8) }
            entries.append(Entry(command: command, messages: 1, bytes: n))
        }
    }

    /// Messages and bytes per command.
    public var perCommand: [String: (messages: Int, bytes: Int)] {
        Dictionary(uniqueKeysWithValues: entries.map { ($0.command, ($0.messages, $0.bytes)) })
    }

    public static func == (a: TrafficCounters, b: TrafficCounters) -> Bool {
        a.bytes == b.bytes && a.messages == b.messages && a.entries.count == b.entries.count
            && a.entries.allSatisfy { e in b.entries.contains(e) }
    }
}

/// A snapshot of one peer, carried by events. Times are seconds since the engine started.
public struct PeerInfo: Sendable, Equatable {
    public var id: PeerID
    /// `host:port` as given or as resolved (`[v6]:port` for IPv6).
    public var address: String
    /// Our end of the connection, `ip:port`, once it is open (for captures).
    public var localAddress: String?
    public var direction: PeerDirection
    public var phase: PeerPhase
    /// From the peer's `version`, once received.
    public var version: VersionMessage?
    /// Last round-trip time of our ping, in milliseconds.
    public var pingMs: Double?
    public var sent = TrafficCounters()
    public var received = TrafficCounters()
    /// When we last received bytes from the peer.
    public var lastHeard: Double?
    /// When the connection started.
    public var startedAt: Double
    /// When the current phase began.
    public var phaseChangedAt: Double
    /// When the handshake completed.
    public var establishedAt: Double?
    /// Set while a reply we await is overdue.
    public var silence: Silence?
    /// The transport in use, once known (an inbound peer's shows with its first bytes).
    public var transport: TransportKind?
    /// The BIP324 session id, once the v2 key exchange is done (not secret).
    public var sessionID: [UInt8]?
    /// Set when a v2 attempt was closed by the peer during the key exchange and the
    /// connection was made again in v1.
    public var fellBackToV1 = false
    /// The SOCKS5 proxy (`host:port`) an outbound connection goes through; ``address``
    /// stays the target's.
    public var proxy: String?
    /// Set on a leg of a relayed pair: the pair, the side this leg faces, the other leg.
    public var relay: RelayLeg?

    public init(id: PeerID, address: String, direction: PeerDirection, phase: PeerPhase, startedAt: Double) {
        self.id = id
        self.address = address
        self.direction = direction
        self.phase = phase
        self.startedAt = startedAt
        phaseChangedAt = startedAt
    }
}

/// Which way a frame went.
public enum FrameDirection: String, Sendable, Equatable {
    case sent
    case received
}

/// One unit that crossed the wire, as the log shows it: a v1 frame, a v2 packet, or a
/// step of the v2 handshake.
public struct FrameEvent: Sendable {
    public var peer: PeerID
    public var direction: FrameDirection
    /// Seconds since the engine started.
    public var time: Double
    /// What crossed the wire: its bytes, layout and message (see ``WireUnit``).
    public var unit: WireUnit
    public var origin: FrameOrigin
    /// Set on a frame of a relay leg: the pair, the leg, and which message of the pair.
    public var relay: RelayMark?

    public init(
        peer: PeerID, direction: FrameDirection, time: Double, unit: WireUnit, origin: FrameOrigin = .protocol, relay: RelayMark? = nil
    ) {
        self.peer = peer
        self.direction = direction
        self.time = time
        self.unit = unit
        self.origin = origin
        self.relay = relay
    }

    public var kind: FrameKind { unit.kind }
    public var transport: TransportKind { unit.transport }
    /// The exact bytes on the wire (for a corrupted frame: the corrupted bytes; for v2:
    /// the encrypted packet).
    public var raw: [UInt8] { unit.raw }
    /// Where the header, payload, length, tag, … lie in `raw`.
    public var layout: FrameLayout { unit.layout }
    /// The message's command; nil for a unit that is not a message (see ``label``).
    public var command: Command? { unit.command }
    /// What the log's command column shows: the command, or the step's label.
    public var label: String { unit.label }
    /// v1: the payload length the header claims. v2: the contents length.
    public var size: Int { unit.size }
    /// v1: the checksum matched; v2: the packet authenticated.
    public var checksumOK: Bool { unit.checksumOK }
    /// The decoded message, or why the payload did not decode; nil for a unit that is not a
    /// message. Decoded once, by the engine (or the importer), and carried with the event.
    public var message: Result<Message, WireError>? { unit.message }
    /// v2: the decrypted payload (v1 keeps the payload inside `raw`).
    public var plaintext: [UInt8]? { unit.plaintext }

    /// A v1 frame from its parts (for tests and fixtures).
    public init(
        peer: PeerID, direction: FrameDirection, time: Double, raw: [UInt8], command: Command, size: Int,
        checksumOK: Bool, message: Result<Message, WireError>, corruption: Corruption? = nil, injected: Bool = false
    ) {
        let unit = WireUnit(
            transport: .v1, raw: raw, layout: .v1(count: raw.count), command: command, size: size,
            checksumOK: checksumOK, message: message)
        let origin: FrameOrigin = corruption.map { .corrupted($0) } ?? (injected ? .injected : .protocol)
        self.init(peer: peer, direction: direction, time: time, unit: unit, origin: origin)
    }

    /// The frame from the received bytes.
    public init(peer: PeerID, time: Double, frame: Frame) {
        self.init(peer: peer, direction: .received, time: time, unit: WireUnit(frame: frame))
    }

    /// Set on frames we broke on purpose.
    public var corruption: Corruption? {
        if case let .corrupted(c) = origin { return c }
        return nil
    }

    /// Sent by a person's command (`resend`, `send`), not by the protocol's own course.
    public var injected: Bool { origin != .protocol }

    /// How a log marks a frame we injected: `!corrupt:checksum`, or `!injected`.
    public var injectionTag: String? {
        switch origin {
        case .protocol: return nil
        case .injected: return "!injected"
        case let .corrupted(c): return "!corrupt:\(c)"
        }
    }

    /// The message's payload: inside `raw` for v1, decrypted for v2.
    public var payload: ArraySlice<UInt8> {
        if let plaintext { return plaintext[...] }
        guard let range = layout.payloadRange, range.upperBound <= raw.count else { return [] }
        return raw[range]
    }

    /// Where the payload's first byte is in the bytes its field tree's ranges count from:
    /// the frame for v1 (24), the decrypted payload for v2 (0).
    public var payloadOffset: Int { plaintext == nil ? MessageHeader.size : 0 }

    /// The v1 header's fields, read straight from their fixed places in `raw` (empty for v2
    /// and for fewer than 24 bytes).
    public var headerFields: [Field] {
        guard transport == .v1, let command, raw.count >= MessageHeader.size else { return [] }
        let bytes = raw[...]
        return MessageHeader(
            magic: Magic(value: MessageHeader.uint32(bytes, at: MessageHeader.magicRange.lowerBound)), command: command,
            length: MessageHeader.uint32(bytes, at: MessageHeader.lengthRange.lowerBound),
            checksum: Checksum(value: MessageHeader.uint32(bytes, at: MessageHeader.checksumRange.lowerBound))
        ).fields
    }

    /// The payload's field tree (as far as it decodes), built when asked from the same bytes
    /// the engine decoded: the header is not parsed again. v2 offsets count from the start of
    /// the decrypted payload.
    public var fields: [Field] {
        guard trimmed == nil, let command, command != .unreadable else { return [] }
        return Message.fields(command: command, payload: payload, offset: payloadOffset).fields
    }

    /// The summary for a log row.
    public var summary: String {
        if let trimmed { return trimmed.summary }
        switch unit.content {
        case let .message(command, .success(m)): return m.command == command ? m.summary : "\(command): \(m.summary)"
        case let .message(command, .failure(e)): return "\(command): \(e)"
        default: return unit.note ?? label
        }
    }

    /// Set when a log dropped most of this frame's bytes to stay within its memory budget.
    public private(set) var trimmed: Trimmed?

    /// What a trimmed frame still knows about itself.
    public struct Trimmed: Sendable, Equatable {
        /// The summary of the whole frame, with a note that it was trimmed.
        public var summary: String
        /// The frame's length on the wire.
        public var originalLength: Int
    }

    /// Keeps only the first `bytes` of `raw` and forgets the decoded message (a big
    /// `headers` or `inv` decodes to more memory than its bytes); the summary survives.
    public mutating func trim(keeping bytes: Int) {
        guard raw.count > bytes, trimmed == nil else { return }
        let note = "\(summary) [only the first \(bytes) of \(raw.count) bytes kept]"
        trimmed = Trimmed(summary: note, originalLength: raw.count)
        unit.raw = Array(raw.prefix(bytes))
        if let p = plaintext { unit.plaintext = Array(p.prefix(bytes)) }
        unit.layout = FrameLayout(layout.parts.compactMap { part in
            part.range.lowerBound < bytes ? FrameLayout.Part(part.region, part.range.lowerBound..<min(part.range.upperBound, bytes)) : nil
        })
        if let command { unit.content = .message(command, .success(.unknown(command: command, payload: []))) }
    }
}

/// What the engine reports, delivered in order on the engine's event queue (the main queue
/// in the console). Every event carries the time it happened, so a front end never asks
/// the engine's clock what time an event is.
public struct PeerEvent: Sendable {
    /// Seconds since the engine started.
    public var time: Double
    public var kind: Kind

    public init(time: Double, _ kind: Kind) {
        self.time = time
        self.kind = kind
    }

    /// The large payloads are boxed (`indirect`): an event is copied several times on its
    /// way to the consumer (mailbox, batch, handlers), and a box copies as one retain
    /// instead of one per field. Not the whole enum: with every case one box pointer, Swift
    /// keeps the case in the pointer's spare bits, and LeakSanitizer, which looks for plain
    /// pointers, reported every event alive at exit as leaked. The plain `Int` payloads
    /// below leave no spare bits to share, so the case goes in a byte of its own.
    public enum Kind: Sendable {
        indirect case peerAdded(PeerInfo)
        /// The phase changed (the info carries the new one).
        indirect case phaseChanged(PeerInfo, from: PeerPhase)
        /// Counters, ping, last-heard, silence, transport or session id changed.
        indirect case peerUpdated(PeerInfo)
        case peerRemoved(PeerID)
        indirect case frame(FrameEvent)
        /// A frame event was dropped because the consumer is too slow (see ``EventMailbox``).
        case framesDropped(count: Int)
        /// Something went wrong that is not one peer's phase: a bad command, a listener error.
        case error(peer: PeerID?, message: String)
        /// News that is not an error, such as how many seed candidates were found.
        case notice(String)
        /// News of the relay: listening, stopped, intercept's rule, a held message released.
        case relay(RelayNews)
    }
}
