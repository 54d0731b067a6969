import BitcoinWire
import Foundation

/// One line of a recording (`record`, `--record`) and of the headless commands' `--json`
/// output: the one schema verack writes and reads back.
///
/// Each line is a JSON object whose `event` member names its ``Kind``; every other member is
/// optional, and each kind has its own (the ``CodingKeys`` spell them). Lines are written as
/// ``jsonValue`` (members in a fixed order for people, numbers as JSON numbers, control
/// characters escaped so that no line can drive a terminal) and read back with
/// `JSONDecoder`; `encode(to:)` gives any other encoder the same members.
///
/// The field tree (``fields``) is written for people and programs but not read back: a
/// reader decodes the frame again from ``hex``. See `RecordedEvent+Events.swift` for the
/// conversions from and to ``PeerEvent``.
public struct RecordedEvent: Codable, Sendable, Equatable {
    /// What a line reports: its `event` member.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The first line of a recording: ``verack``, ``network``, ``magic``, ``started``.
        case recording
        /// `serve`'s listener is up (``port``); a reader skips it.
        case listening
        /// A connection starts: ``direction`` `out` or `in`, ``proxy``.
        case connecting
        case versionSent = "version-sent"
        case versionReceived = "version-received"
        case verackReceived = "verack-received"
        /// ``ms``, the peer's ``version``, ``userAgent``, ``services``, ``serviceNames``,
        /// ``startHeight``, and for v2 the ``sessionID``.
        case established
        /// The end states: ``reason`` and the ``received`` and ``sent`` traffic.
        case closed, dropped, failed
        /// A reply is overdue (``awaiting``, ``reason``); `heard`: it is not any more.
        case silent, heard
        /// A message on the wire: ``direction``, ``command``, ``size``, ``checksumOK``,
        /// ``hex``, ``fields``, ``summary``, ``corrupt``, ``injected``, ``plaintext`` (v2),
        /// ``error`` (a payload that did not decode).
        case frame
        /// The steps of the v2 handshake: ``direction``, ``size``, ``bytes``, ``hex``.
        case v2KeySent = "v2-key-sent"
        case v2KeyReceived = "v2-key-received"
        case v2Garbage = "v2-garbage"
        case v2Terminator = "v2-terminator"
        case v2Decoy = "v2-decoy"
        case v2Version = "v2-version"
        /// A v2 packet with an unknown short id (``typeID``, ``plaintext``).
        case v2UnknownID = "v2-unknown-id"
        /// Bytes a capture never saw: ``size`` of them, ``summary`` says where.
        case gap
        /// ``reason``.
        case error
        /// ``message``.
        case notice
        /// ``count`` frame events the output was too slow for.
        case framesDropped = "frames-dropped"
        /// A relay listens on ``listen`` (``port``) for peers to relay to ``target``.
        case relayListening = "relay-listening"
        /// A relay stopped: ``listen``, ``count`` pairs dropped.
        case relayStopped = "relay-stopped"
        /// Intercept's rule changed: ``rule`` (absent: intercept is off).
        case intercept
        /// A held message left the hold: ``held``, ``pair``, ``seq``, ``forwarded``, ``reason``.
        case released

        /// A kind that begins a file or a run rather than reporting a peer: it has no `peer`
        /// and `id` members.
        public var isHeader: Bool { self == .recording || self == .listening }
    }

    /// Traffic in one direction: `{"messages":…,"bytes":…,"per_command":{"ping":{…},…}}`.
    public struct Traffic: Codable, Sendable, Equatable {
        /// Messages and bytes of one command.
        public struct Count: Codable, Sendable, Equatable {
            public var messages: Int
            public var bytes: Int

            enum CodingKeys: String, CodingKey {
                case messages, bytes
            }

            public init(messages: Int, bytes: Int) {
                self.messages = messages
                self.bytes = bytes
            }
        }

        public var messages: Int
        public var bytes: Int
        /// Keyed by the log's command column (a command, or a step's label).
        public var perCommand: [String: Count]

        enum CodingKeys: String, CodingKey {
            case messages, bytes
            case perCommand = "per_command"
        }

        public init(messages: Int, bytes: Int, perCommand: [String: Count]) {
            self.messages = messages
            self.bytes = bytes
            self.perCommand = perCommand
        }

        var jsonValue: JSONValue {
            let perCommand = perCommand.sorted { $0.key < $1.key }.map { key, value in
                (key, JSONValue.object([
                    (Count.CodingKeys.messages.stringValue, .int(Int64(value.messages))),
                    (Count.CodingKeys.bytes.stringValue, .int(Int64(value.bytes))),
                ]))
            }
            return .object([
                (CodingKeys.messages.stringValue, .int(Int64(messages))), (CodingKeys.bytes.stringValue, .int(Int64(bytes))),
                (CodingKeys.perCommand.stringValue, .object(perCommand)),
            ])
        }
    }

    /// A line whose `event` this reader does not know (a newer verack's, or not verack's).
    public struct UnknownKind: Error, Equatable {
        public var name: String
    }

    public var event: Kind

    // Every line but a header's.
    /// The peer's `host:port`; empty for an event of no peer.
    public var peer: String?
    /// The peer's id; null for an event of no peer.
    public var id: Int?
    /// Seconds since the run started, to the millisecond.
    public var t: Double?
    /// `v1` or `v2`, once the peer's transport is known.
    public var transport: String?
    /// A connection's `out` or `in`; a frame's `sent` or `received`.
    public var direction: String?

    // connecting
    /// The SOCKS5 proxy (`host:port`) of an outbound connection.
    public var proxy: String?

    // established
    /// How long the handshake took, to a tenth of a millisecond.
    public var ms: Double?
    /// The peer's protocol version.
    public var version: Int?
    public var userAgent: String?
    public var services: UInt64?
    public var serviceNames: [String]?
    public var startHeight: Int?
    /// The BIP324 session id, in hex.
    public var sessionID: String?

    // closed, dropped, failed, silent, error
    public var reason: String?
    public var received: Traffic?
    public var sent: Traffic?
    /// The command a `silent` peer owes us.
    public var awaiting: String?

    // frames-dropped, notice
    public var count: Int?
    public var message: String?

    // frame and v2 steps
    /// The log's command column: the command (`ping`), or a step's label.
    public var command: String?
    /// v1: the payload length the header claims; v2: the contents length; a gap's length.
    public var size: Int?
    public var checksumOK: Bool?
    /// A step's length on the wire.
    public var bytes: Int?
    /// The exact bytes on the wire (v2: the encrypted packet).
    public var hex: String?
    /// The payload's decoded field tree: written, never read back (see the type's note).
    public var fields: [Field]?
    public var summary: String?
    /// The ``Corruption`` a frame was broken with, by name.
    public var corrupt: String?
    /// Sent by a person's command, not by the protocol's own course.
    public var injected: Bool?
    /// v2: the decrypted payload, in hex.
    public var plaintext: String?
    /// Why a frame's payload did not decode.
    public var error: String?
    /// The short message type id of a `v2-unknown-id` packet.
    public var typeID: Int?

    // recording (the header)
    /// The version of verack that wrote the recording.
    public var verack: String?
    /// The network's name; null when it is known only by its magic.
    public var network: String?
    public var magic: String?
    /// When the run started, in UTC: `2026-11-22T06:49:18.564Z`.
    public var started: String?

    // listening
    public var port: Int?

    // relay: a leg's `connecting` has ``pair``, ``leg`` and ``partner``; its frames
    // ``pair``, ``leg``, ``flow`` and ``seq`` (and ``held`` when intercept holds one).
    /// The relayed pair's number.
    public var pair: Int?
    /// The side a relay leg faces: `A` (the node that connected) or `B` (the target).
    public var leg: String?
    /// The other leg's peer id.
    public var partner: Int?
    /// Which way a relayed message goes: `A>B` or `B>A`.
    public var flow: String?
    /// The message's number in its pair, the same on both legs.
    public var seq: Int?
    /// The held id of a message intercept holds.
    public var held: Int?
    /// A released message went on (true) or was dropped.
    public var forwarded: Bool?
    public var listen: String?
    public var target: String?
    /// Intercept's rule: `ping,inv A>B`.
    public var rule: String?

    /// The JSON member names (the one place they are spelled).
    public enum CodingKeys: String, CodingKey {
        case event, peer, id, t, transport, direction, proxy
        case ms, version, userAgent = "user_agent", services, serviceNames = "service_names", startHeight = "start_height"
        case sessionID = "session_id"
        case reason, received, sent, awaiting, count, message
        case command, size, checksumOK = "checksum_ok", bytes, hex, fields, summary, corrupt, injected, plaintext, error
        case typeID = "type_id"
        case verack, network, magic, started, port
        case pair, leg, partner, flow, seq, held, forwarded, listen, target, rule
    }

    /// A line of `event` with no other members.
    public init(_ event: Kind) {
        self.event = event
    }

    /// Reads every member but ``fields``; an `event` this reader does not know throws
    /// ``UnknownKind``.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .event)
        guard let event = Kind(rawValue: name) else { throw UnknownKind(name: name) }
        self.init(event)
        peer = try c.decodeIfPresent(String.self, forKey: .peer)
        id = try c.decodeIfPresent(Int.self, forKey: .id)
        t = try c.decodeIfPresent(Double.self, forKey: .t)
        transport = try c.decodeIfPresent(String.self, forKey: .transport)
        direction = try c.decodeIfPresent(String.self, forKey: .direction)
        proxy = try c.decodeIfPresent(String.self, forKey: .proxy)
        ms = try c.decodeIfPresent(Double.self, forKey: .ms)
        version = try c.decodeIfPresent(Int.self, forKey: .version)
        userAgent = try c.decodeIfPresent(String.self, forKey: .userAgent)
        services = try c.decodeIfPresent(UInt64.self, forKey: .services)
        serviceNames = try c.decodeIfPresent([String].self, forKey: .serviceNames)
        startHeight = try c.decodeIfPresent(Int.self, forKey: .startHeight)
        sessionID = try c.decodeIfPresent(String.self, forKey: .sessionID)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        received = try c.decodeIfPresent(Traffic.self, forKey: .received)
        sent = try c.decodeIfPresent(Traffic.self, forKey: .sent)
        awaiting = try c.decodeIfPresent(String.self, forKey: .awaiting)
        count = try c.decodeIfPresent(Int.self, forKey: .count)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        command = try c.decodeIfPresent(String.self, forKey: .command)
        size = try c.decodeIfPresent(Int.self, forKey: .size)
        checksumOK = try c.decodeIfPresent(Bool.self, forKey: .checksumOK)
        bytes = try c.decodeIfPresent(Int.self, forKey: .bytes)
        hex = try c.decodeIfPresent(String.self, forKey: .hex)
        summary = try c.decodeIfPresent(String.self, forKey: .summary)
        corrupt = try c.decodeIfPresent(String.self, forKey: .corrupt)
        injected = try c.decodeIfPresent(Bool.self, forKey: .injected)
        plaintext = try c.decodeIfPresent(String.self, forKey: .plaintext)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        typeID = try c.decodeIfPresent(Int.self, forKey: .typeID)
        verack = try c.decodeIfPresent(String.self, forKey: .verack)
        network = try c.decodeIfPresent(String.self, forKey: .network)
        magic = try c.decodeIfPresent(String.self, forKey: .magic)
        started = try c.decodeIfPresent(String.self, forKey: .started)
        port = try c.decodeIfPresent(Int.self, forKey: .port)
        pair = try c.decodeIfPresent(Int.self, forKey: .pair)
        leg = try c.decodeIfPresent(String.self, forKey: .leg)
        partner = try c.decodeIfPresent(Int.self, forKey: .partner)
        flow = try c.decodeIfPresent(String.self, forKey: .flow)
        seq = try c.decodeIfPresent(Int.self, forKey: .seq)
        held = try c.decodeIfPresent(Int.self, forKey: .held)
        forwarded = try c.decodeIfPresent(Bool.self, forKey: .forwarded)
        listen = try c.decodeIfPresent(String.self, forKey: .listen)
        target = try c.decodeIfPresent(String.self, forKey: .target)
        rule = try c.decodeIfPresent(String.self, forKey: .rule)
    }

    /// The members of ``jsonValue``, for any encoder (`JSONEncoder` orders them as it likes).
    public func encode(to encoder: any Encoder) throws {
        try EncodableJSON(jsonValue).encode(to: encoder)
    }

    /// The line as verack writes it: `event` first, then a header's members or the peer's
    /// (`peer`, `id` — null for an event of no peer — `t`, `transport`), then the kind's
    /// own. A header's `network` is written as null when unknown.
    public var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = [(CodingKeys.event.stringValue, .string(event.rawValue))]
        func add(_ key: CodingKeys, _ value: JSONValue?) {
            if let value { members.append((key.stringValue, value)) }
        }
        func string(_ s: String?) -> JSONValue? { s.map { .string($0) } }
        func int(_ i: Int?) -> JSONValue? { i.map { .int(Int64($0)) } }
        func bool(_ b: Bool?) -> JSONValue? { b.map { .bool($0) } }

        add(.verack, string(verack))
        add(.network, event == .recording ? string(network) ?? .null : string(network))
        add(.magic, string(magic))
        add(.started, string(started))
        add(.port, int(port))
        if !event.isHeader {
            add(.peer, .string(peer ?? ""))
            add(.id, int(id) ?? .null)
        }
        add(.t, t.map { .double($0) })
        add(.transport, string(transport))
        add(.direction, string(direction))
        add(.proxy, string(proxy))
        add(.pair, int(pair))
        add(.leg, string(leg))
        add(.partner, int(partner))
        add(.flow, string(flow))
        add(.seq, int(seq))
        add(.held, int(held))
        add(.forwarded, bool(forwarded))
        add(.listen, string(listen))
        add(.target, string(target))
        add(.rule, string(rule))
        add(.ms, ms.map { .double($0) })
        add(.version, int(version))
        add(.userAgent, string(userAgent))
        add(.services, services.map { .uint($0) })
        add(.serviceNames, serviceNames.map { .array($0.map { .string($0) }) })
        add(.startHeight, int(startHeight))
        add(.sessionID, string(sessionID))
        add(.reason, string(reason))
        add(.received, received?.jsonValue)
        add(.sent, sent?.jsonValue)
        add(.awaiting, string(awaiting))
        add(.count, int(count))
        add(.message, string(message))
        add(.command, string(command))
        add(.size, int(size))
        add(.checksumOK, bool(checksumOK))
        add(.bytes, int(bytes))
        add(.hex, string(hex))
        add(.fields, fields.map { .array($0.map(\.json)) })
        add(.summary, string(summary))
        add(.typeID, int(typeID))
        add(.corrupt, string(corrupt))
        add(.injected, bool(injected))
        add(.plaintext, string(plaintext))
        add(.error, string(error))
        return .object(members)
    }

    /// The line's text, without its newline.
    public var line: String { jsonValue.serialized }
}

/// A ``JSONValue`` through the `Encodable` machinery.
private struct EncodableJSON: Encodable {
    var value: JSONValue

    init(_ value: JSONValue) { self.value = value }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case let .bool(b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case let .int(i):
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case let .uint(u):
            var c = encoder.singleValueContainer()
            try c.encode(u)
        case let .double(d):
            var c = encoder.singleValueContainer()
            try c.encode(d)
        case let .string(s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case let .array(items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(EncodableJSON(item)) }
        case let .object(members):
            var c = encoder.container(keyedBy: Key.self)
            for (key, item) in members { try c.encode(EncodableJSON(item), forKey: Key(stringValue: key)) }
        }
    }
}
