import BitcoinWire

/// The answering end of one connection, without a socket: bytes in, messages and the
/// handshake's replies out. Under `auto` it tells v1 from v2 by the first bytes, as the
/// engine does for an inbound peer; under `v2` it speaks BIP324 only, under `v1` the
/// classic framing only. For a program that plays a node over sockets of its own (the test
/// harness's simulated nodes).
public struct AnsweringWire {
    private var transport: any Transport

    public init(magic: Magic, policy: TransportPolicy) {
        let makeV2 = { () -> any Transport in V2Transport(initiating: false, magic: magic, settings: V2Transport.Settings()) }
        switch policy {
        case .v1: transport = V1Transport(magic: magic)
        case .v2: transport = makeV2()
        case .auto: transport = SniffingTransport(magic: magic, makeV2: makeV2)
        }
    }

    /// The transport spoken, nil until the first bytes told.
    public var kind: TransportKind? { transport.kind }

    /// What bytes from the other end made: `reply` to send back now (v2 handshake steps),
    /// the `messages` that arrived whole and decoded, and `failure` when the connection
    /// cannot go on.
    public struct Intake {
        public var reply: [UInt8] = []
        public var messages: [Message] = []
        public var failure: String?
    }

    public mutating func receive(_ bytes: ArraySlice<UInt8>) -> Intake {
        var intake = Intake()
        let outputs = bytes.withUnsafeBytes { transport.receive($0) }
        for output in outputs {
            switch output {
            case let .send(unit, _): intake.reply += unit.raw
            case let .received(_, deliver): if let deliver { intake.messages.append(deliver) }
            case let .failed(reason): intake.failure = reason
            case .ready, .sessionID: break
            }
        }
        return intake
    }

    /// The wire form of `message` (empty while the transport is not yet known or keyed).
    public mutating func encode(_ message: Message) -> [UInt8] {
        guard transport.kind != nil, case let .success(unit) = transport.encode(message, corruption: nil) else { return [] }
        return unit.raw
    }
}
