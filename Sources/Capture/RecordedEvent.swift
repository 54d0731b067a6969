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
/// reader decodes the frame again from ``hex``. See `RecordedEvent+Writing.swift` and `+Reading.swift` for the
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
}
