/// What `verack decode` says about one frame, or about bytes that do not make a whole
/// frame: text lines for people and one JSON object for programs.
///
/// Offsets inside the field tree, the hex dump and the errors are counted from the start
/// of the frame; ``streamOffset`` says where the frame starts in the input.
public struct FrameReport: Sendable {
    /// 1 for the first frame of the input.
    public var index: Int
    /// Where the examined bytes start in the input.
    public var streamOffset: Int
    /// The network whose magic the frame is judged against.
    public var network: Network
    /// The bytes examined: a frame, or what was left of the input.
    public var raw: [UInt8]
    /// The frame, nil when there were not even 24 bytes of header.
    public var frame: Frame?
    /// Everything wrong with the frame, most serious first. Empty for a valid frame.
    public var errors: [WireError]

    /// A frame is valid when its magic, length, checksum and payload are all right.
    public var isValid: Bool { errors.isEmpty }

    /// The errors joined, as `verack decode` prints them; nil for a valid frame.
    public var errorText: String? {
        errors.isEmpty ? nil : errors.map(\.description).joined(separator: "; ")
    }

    /// Judges `raw`, which starts at `streamOffset` in the input, against `network`.
    public init(index: Int, streamOffset: Int, raw: [UInt8], network: Network) {
        self.index = index
        self.streamOffset = streamOffset
        self.raw = raw
        self.network = network
        guard let frame = Frame.inspect(raw, expectedMagic: network.magic, streamOffset: streamOffset) else {
            self.frame = nil
            errors = [.truncated(field: "header", offset: streamOffset, needed: MessageHeader.size, available: raw.count)]
            return
        }
        self.frame = frame
        var errors: [WireError] = []
        let complete = raw.count - MessageHeader.size >= Int(frame.header.length)
        if frame.header.magic != network.magic {
            errors.append(.badMagic(expected: network.magic, actual: frame.header.magic, offset: 0))
        }
        if complete, let checksumError = frame.checksumError {
            errors.append(checksumError)
        }
        if case let .failure(error) = frame.message, !errors.contains(error) {
            errors.append(error)
        }
        self.errors = errors
    }

    /// `f9beb4d9 (mainnet)`: the magic with its network's name when one is known.
    static func describe(_ magic: Magic, expected network: Network) -> String {
        if let known = Network.all.first(where: { $0.magic == magic }) { return "\(magic) (\(known.name))" }
        if magic == network.magic { return "\(magic) (\(network.name))" }
        return "\(magic) (unknown network)"
    }

    /// `checksum ok`, or what is wrong with it.
    public var checksumVerdict: String {
        guard let frame else { return "checksum not checked: no header" }
        if raw.count - MessageHeader.size < Int(frame.header.length) {
            return "checksum not checked: the payload is incomplete"
        }
        if frame.checksumOK { return "checksum ok" }
        return "checksum MISMATCH: header says \(frame.header.checksum), payload hashes to \(frame.payloadChecksum)"
    }

    /// The header fields followed by the decoded payload fields (as far as they decode).
    public var fields: [Field] {
        guard let frame else { return [] }
        return frame.headerFields + frame.fields
    }

    /// One line for a message log: the message's summary, or the first error.
    public var summary: String {
        guard let frame else { return errorText ?? "" }
        if let first = errors.first, case .success = frame.message {
            return "\(frame.header.command): \(first)"
        }
        return frame.summary
    }

    /// The report as text: a title, the header, the verdicts, the field tree, the hex dump.
    public var lines: [String] {
        var out = ["frame \(index) at offset \(streamOffset) (\(raw.count) bytes)"]
        if let frame {
            let h = frame.header
            out.append("  magic     \(Self.describe(h.magic, expected: network))")
            out.append("  command   \(h.command)")
            out.append("  length    \(h.length)")
            out.append("  checksum  \(h.checksum)")
            out.append("  \(checksumVerdict)")
            out.append("  summary   \(summary)")
        }
        for error in errors { out.append("  error: \(error)") }
        let tree = fields
        if !tree.isEmpty {
            out.append("fields:")
            out += Field.render(tree, indent: 1)
        }
        out.append("hex:")
        out += HexDump.frameDump(raw).map { "  " + $0 }
        return out
    }

    /// One JSON object: `frame`, `offset`, `magic`, `network`, `command`, `size`,
    /// `checksum`, `payload_checksum`, `checksum_ok`, `valid`, `summary`, `fields`, `hex`,
    /// and `error` when the frame is invalid.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("frame", .int(Int64(index))), ("offset", .int(Int64(streamOffset)))]
        if let frame {
            let h = frame.header
            let known = Network.all.first { $0.magic == h.magic }?.name ?? (h.magic == network.magic ? network.name : nil)
            members += [
                ("magic", .string(h.magic.description)),
                ("network", known.map { .string($0) } ?? .null),
                ("command", .string(h.command.name)),
                ("size", .uint(UInt64(h.length))),
                ("checksum", .string(h.checksum.description)),
                ("payload_checksum", .string(frame.payloadChecksum.description)),
                ("checksum_ok", .bool(frame.checksumOK)),
            ]
        } else {
            members += [
                ("magic", .null), ("network", .null), ("command", .null), ("size", .null),
                ("checksum", .null), ("payload_checksum", .null), ("checksum_ok", .bool(false)),
            ]
        }
        members += [
            ("valid", .bool(isValid)),
            ("summary", .string(summary)),
            ("fields", .array(fields.map(\.json))),
            ("hex", .string(Hex.encode(raw))),
        ]
        if let errorText { members.append(("error", .string(errorText))) }
        return .object(members)
    }
}

/// Splits bytes (frames back to back, as captured) into ``FrameReport``s.
///
/// It stops after a frame whose boundary cannot be trusted: a wrong magic, a length above
/// the limit, or bytes that end before the frame does.
public struct FrameStreamReport: Sendable {
    /// The network frames were judged against.
    public var network: Network
    /// Whether ``network`` was recognised from the first frame's magic rather than given.
    public var autodetected: Bool
    public var frames: [FrameReport]

    /// True when every frame is valid (and there is at least one).
    public var isValid: Bool { !frames.isEmpty && frames.allSatisfy(\.isValid) }

    /// Reports on `bytes`. With `network` nil, the network is recognised from the first
    /// magic when it is one of ``Network/all``, else mainnet is assumed.
    public init(bytes: [UInt8], network given: Network?) {
        if let given {
            network = given
            autodetected = false
        } else if bytes.count >= 4, let known = Network.all.first(where: { $0.magic == Magic(bytes[0], bytes[1], bytes[2], bytes[3]) }) {
            network = known
            autodetected = true
        } else {
            network = .mainnet
            autodetected = false
        }
        frames = []
        var position = 0
        while position < bytes.count {
            let available = bytes.count - position
            var end = bytes.count
            var last = true
            if available >= MessageHeader.size {
                let length = Int(MessageHeader.uint32(bytes[position...], at: 16))
                if length <= MessageHeader.maxPayloadLength {
                    end = min(bytes.count, position + MessageHeader.size + length)
                    let magicOK = Magic(bytes[position], bytes[position + 1], bytes[position + 2], bytes[position + 3]) == network.magic
                    last = !magicOK || end - position < MessageHeader.size + length
                } else {
                    end = position + MessageHeader.size
                }
            }
            let report = FrameReport(index: frames.count + 1, streamOffset: position, raw: Array(bytes[position..<end]), network: network)
            frames.append(report)
            if last { break }
            position = end
        }
    }

    /// The whole report as text, frames separated by blank lines.
    public var lines: [String] {
        var out: [String] = []
        if autodetected {
            out.append("network \(network.name) (auto-detected from the first frame's magic)")
        } else {
            out.append("network \(network.name) (magic \(network.magic))")
        }
        for frame in frames {
            out.append("")
            out += frame.lines
        }
        if frames.isEmpty { out.append("error: no bytes to decode") }
        return out
    }

    /// One JSON text per frame.
    public var jsonLines: [String] {
        if frames.isEmpty {
            return [JSONValue.object([("error", .string("no bytes to decode"))]).serialized]
        }
        return frames.map(\.json.serialized)
    }
}
