import BitcoinWire

/// Which wire format a connection speaks.
public enum TransportKind: String, Sendable, Equatable, CaseIterable {
    /// The classic framing: magic, command, length, checksum, payload.
    case v1
    /// BIP324: an ElligatorSwift key exchange, then encrypted, authenticated packets.
    case v2
}

/// Which transports the engine uses (`--transport`).
public enum TransportPolicy: String, Sendable, Equatable, CaseIterable {
    /// v1 only: outbound in v1, inbound v2 attempts fail.
    case v1
    /// v2 only: outbound in v2, inbound v1 peers fail.
    case v2
    /// As Bitcoin Core: outbound v2 to peers known to offer NODE_P2P_V2 (one v1 retry if
    /// the peer hangs up during the key exchange), v1 to others; inbound, either.
    case auto

    /// Whether we accept v2 (then our version advertises NODE_P2P_V2).
    public var acceptsV2: Bool { self != .v1 }
}

/// What kind of unit crossed the wire: a message, or one step of the v2 handshake.
public enum FrameKind: String, Sendable, Equatable {
    case message
    /// Our or their 64-byte ElligatorSwift public key.
    case v2Key = "v2-key"
    /// The random garbage after the key (its size in ``FrameEvent/size``).
    case v2Garbage = "v2-garbage"
    /// The 16-byte garbage terminator.
    case v2Terminator = "v2-terminator"
    /// A decoy packet (header bit `ignore`): authenticated and skipped.
    case v2Decoy = "v2-decoy"
    /// The v2 version packet, the first non-decoy packet after the terminator.
    case v2Version = "v2-version"
    /// A packet whose message type id is not known: shown and skipped, as Core does.
    case v2UnknownID = "v2-unknown-id"
    /// Bytes of a captured TCP stream that were never captured (`verack open` of a pcap):
    /// `size` of them are missing here.
    case gap

    /// The word the log's command column shows for a step.
    public var label: String {
        switch self {
        case .message: return ""
        case .v2Key: return "v2:key"
        case .v2Garbage: return "v2:garbage"
        case .v2Terminator: return "v2:term"
        case .v2Decoy: return "v2:decoy"
        case .v2Version: return "v2:version"
        case .v2UnknownID: return "v2:unknown"
        case .gap: return "gap"
        }
    }
}

/// Why a unit was sent: by the protocol's own course, by a person's command, or broken on
/// purpose.
public enum FrameOrigin: Sendable, Equatable {
    case `protocol`
    case injected
    case corrupted(Corruption)
}

/// A step of the BIP324 handshake that carries no message.
public enum V2HandshakeStep: String, Sendable, Equatable, CaseIterable {
    /// Our or their 64-byte ElligatorSwift public key.
    case key = "v2-key"
    /// The random garbage after the key.
    case garbage = "v2-garbage"
    /// The 16-byte garbage terminator.
    case terminator = "v2-terminator"
    /// A decoy packet (header bit `ignore`): authenticated and skipped.
    case decoy = "v2-decoy"
    /// The v2 version packet, the first non-decoy packet after the terminator.
    case version = "v2-version"

    /// The unit kind of this step.
    public var kind: FrameKind {
        switch self {
        case .key: return .v2Key
        case .garbage: return .v2Garbage
        case .terminator: return .v2Terminator
        case .decoy: return .v2Decoy
        case .version: return .v2Version
        }
    }
}

/// What a wire unit holds.
public enum WireContent: Sendable {
    /// A message (a v1 frame or a v2 packet): its command and what its payload decoded to.
    /// A command that could not be read is ``Command/unreadable``, with the error.
    case message(Command, Result<Message, WireError>)
    /// A step of the v2 handshake; `note` says what it was.
    case v2Step(V2HandshakeStep, note: String)
    /// A v2 packet whose short message type id has no command: shown and skipped, as Core
    /// does. Its payload is the unit's ``WireUnit/plaintext``.
    case v2UnknownID(UInt8)
    /// Bytes of a captured stream that were never captured (``WireUnit/size`` of them);
    /// `note` says where and what was lost.
    case gap(note: String)
}

/// One unit on the wire as a transport sees it: its exact bytes, where its parts lie, and
/// what it holds. ``FrameEvent`` adds the peer, the direction, the time and the origin.
public struct WireUnit: Sendable {
    public var content: WireContent
    public var transport: TransportKind
    /// The exact bytes on the wire (v2: the encrypted packet).
    public var raw: [UInt8]
    public var layout: FrameLayout
    /// v1: the payload length the header claims. v2: the contents length; garbage: its size.
    public var size: Int
    /// v1: the checksum matched. v2: authenticated (a failed tag ends the connection).
    public var checksumOK: Bool
    /// v2: the decrypted payload, the source of the field tree (v1 keeps it inside `raw`).
    public var plaintext: [UInt8]?

    public init(
        content: WireContent, transport: TransportKind, raw: [UInt8], layout: FrameLayout, size: Int,
        checksumOK: Bool, plaintext: [UInt8]? = nil
    ) {
        self.content = content
        self.transport = transport
        self.raw = raw
        self.layout = layout
        self.size = size
        self.checksumOK = checksumOK
        self.plaintext = plaintext
    }

    /// A message unit.
    public init(
        transport: TransportKind, raw: [UInt8], layout: FrameLayout, command: Command, size: Int,
        checksumOK: Bool, message: Result<Message, WireError>, plaintext: [UInt8]? = nil
    ) {
        self.init(
            content: .message(command, message), transport: transport, raw: raw, layout: layout, size: size,
            checksumOK: checksumOK, plaintext: plaintext)
    }

    /// A v1 frame as decoded from the stream (or read back from a capture).
    public init(frame: Frame) {
        self.init(
            transport: .v1, raw: frame.raw, layout: .v1(count: frame.raw.count), command: frame.header.command,
            size: Int(frame.header.length), checksumOK: frame.checksumOK, message: frame.message)
    }

    /// A gap of `count` bytes in a captured stream; `note` says where and what was lost.
    public static func gap(_ count: Int, note: String) -> WireUnit {
        WireUnit(content: .gap(note: note), transport: .v1, raw: [], layout: FrameLayout([]), size: count, checksumOK: true)
    }

    /// A handshake step with no message in it; `note` is its summary.
    public static func step(_ step: V2HandshakeStep, raw: [UInt8], layout: FrameLayout, size: Int? = nil, note: String) -> WireUnit {
        WireUnit(content: .v2Step(step, note: note), transport: .v2, raw: raw, layout: layout, size: size ?? raw.count, checksumOK: true)
    }

    /// What kind of unit this is.
    public var kind: FrameKind {
        switch content {
        case .message: return .message
        case let .v2Step(step, _): return step.kind
        case .v2UnknownID: return .v2UnknownID
        case .gap: return .gap
        }
    }

    /// The message's command; nil for a unit that is not a message.
    public var command: Command? {
        if case let .message(command, _) = content { return command }
        return nil
    }

    /// What the log's command column shows: the command, or the step's label
    /// (`v2:key`, `gap`, `id:29`).
    public var label: String {
        switch content {
        case let .message(command, _): return command.name
        case let .v2UnknownID(id): return "id:\(id)"
        default: return kind.label
        }
    }

    /// The decoded message, or why the payload did not decode; nil for a unit that is not
    /// a message.
    public var message: Result<Message, WireError>? {
        if case let .message(_, result) = content { return result }
        return nil
    }

    /// What a unit that is not a message says of itself.
    public var note: String? {
        switch content {
        case .message: return nil
        case let .v2Step(_, note), let .gap(note): return note
        case let .v2UnknownID(id): return "unknown message type id \(id): skipped"
        }
    }
}

/// What a transport asks of its connection.
enum TransportOutput {
    /// Send these bytes, which the transport made itself (a handshake step); log them.
    case send(WireUnit, origin: FrameOrigin = .protocol)
    /// A unit arrived; log it, and give `deliver` (when set) to the session.
    case received(WireUnit, deliver: Message?)
    /// Application messages may flow now: the session may start.
    case ready
    /// The v2 session id is known (not secret; Core shows it in `getpeerinfo`).
    case sessionID([UInt8])
    /// The connection cannot go on: end it as failed with this reason.
    case failed(String)
}

/// Bytes in → messages out, messages in → bytes out, for one connection. A transport knows
/// no socket; ``PeerConnection`` moves bytes between it and a ``PeerSocket``.
protocol Transport {
    /// The transport in use, nil while an inbound connection's first bytes are awaited.
    var kind: TransportKind? { get }
    /// Received bytes not yet part of a returned unit.
    var bufferedByteCount: Int { get }
    /// True while a v2 key exchange is under way (a peer closing then may not speak v2).
    var inKeyExchange: Bool { get }
    /// The connection is open: what to send first.
    mutating func open() -> [TransportOutput]
    /// Bytes arrived.
    mutating func receive(_ bytes: UnsafeRawBufferPointer) -> [TransportOutput]
    /// Bytes are ready to be received into the transport's own buffer: `fill` writes at
    /// most `maxBytes` into the space it is given and returns how many it wrote (0: none).
    /// Returns that count and what the bytes made.
    mutating func receive(upTo maxBytes: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> (count: Int, outputs: [TransportOutput])
    /// The wire form of `message`, broken by `corruption` if given (which must be one of
    /// ``supportedCorruptions``).
    mutating func encode(_ message: Message, corruption: Corruption?) -> Result<WireUnit, EngineError>
    /// The kinds `resend --corrupt` may ask of this transport.
    var supportedCorruptions: [Corruption] { get }
    /// The wire form on this transport of a relayed message that arrived as `unit` on the
    /// other leg: a v1 frame to a v1 leg goes on byte for byte (bad checksum included),
    /// anything else is framed or encrypted again from its command and payload.
    mutating func forward(_ unit: WireUnit, corruption: Corruption?) -> Result<WireUnit, EngineError>
}

extension Transport {
    /// `fill` writes into a temporary buffer on the stack, and the bytes are received from
    /// there: for transports that gain nothing from writing into their own buffer.
    mutating func receive(upTo maxBytes: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> (count: Int, outputs: [TransportOutput]) {
        receiveCopying(upTo: maxBytes, fill)
    }

    mutating func receiveCopying(upTo maxBytes: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> (count: Int, outputs: [TransportOutput]) {
        withUnsafeTemporaryAllocation(byteCount: max(1, maxBytes), alignment: 16) { space in
            let n = max(0, min(maxBytes, fill(UnsafeMutableRawBufferPointer(rebasing: space[..<maxBytes]))))
            return (n, n > 0 ? receive(UnsafeRawBufferPointer(rebasing: space[..<n])) : [])
        }
    }

    /// The payload of a relayed unit: inside a v1 frame's bytes, or a v2 packet's plaintext.
    static func payload(of unit: WireUnit) -> ArraySlice<UInt8> {
        if let plaintext = unit.plaintext { return plaintext[...] }
        guard let range = unit.layout.payloadRange, range.upperBound <= unit.raw.count else { return [] }
        return unit.raw[range]
    }

    /// A one-line refusal when `corruption` does not apply to this transport, else nil.
    func refusal(of corruption: Corruption) -> String? {
        guard !supportedCorruptions.contains(corruption) else { return nil }
        let name = kind?.rawValue ?? "this"
        return "--corrupt \(corruption) does not apply to a \(name) peer: use \(supportedCorruptions.map(\.rawValue).joined(separator: ", "))"
    }
}
