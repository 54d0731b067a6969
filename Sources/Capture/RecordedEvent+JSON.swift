import BitcoinWire
import Foundation

/// The JSON form of a line: read with any `Decoder`, written as ``RecordedEvent/jsonValue``.
extension RecordedEvent {
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
