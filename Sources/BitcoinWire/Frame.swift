/// One frame as it crossed the wire: its exact bytes, its header, the checksum verdict and
/// the decoded message (or why it did not decode).
public struct Frame: Sendable {
    /// Header and payload, exactly as received or sent.
    public let raw: [UInt8]
    public let header: MessageHeader
    /// Where the frame started in its stream.
    public let streamOffset: Int
    /// The checksum the payload actually hashes to.
    public let payloadChecksum: Checksum
    public let message: Result<Message, WireError>

    public init(raw: [UInt8], header: MessageHeader, streamOffset: Int, payloadChecksum: Checksum, message: Result<Message, WireError>) {
        self.raw = raw
        self.header = header
        self.streamOffset = streamOffset
        self.payloadChecksum = payloadChecksum
        self.message = message
    }

    public var checksumOK: Bool { header.checksum == payloadChecksum }

    /// The payload bytes present in `raw` (fewer than the header says for a truncated frame).
    public var payload: ArraySlice<UInt8> {
        let end = min(raw.count, MessageHeader.size + Int(header.length))
        return raw[MessageHeader.size..<max(MessageHeader.size, end)]
    }

    /// The checksum error, when the header's checksum is wrong.
    public var checksumError: WireError? {
        checksumOK ? nil : .checksumMismatch(expected: payloadChecksum, actual: header.checksum, offset: streamOffset)
    }

    /// Examines bytes that may be a broken frame (one we corrupted, say): nil when there are
    /// not even 24 bytes of header. The message is decoded from what payload is present.
    /// `streamOffset` is where `raw` starts in its stream; offsets inside errors and fields
    /// stay relative to the frame.
    public static func inspect(_ raw: [UInt8], expectedMagic: Magic? = nil, streamOffset: Int = 0) -> Frame? {
        guard raw.count >= MessageHeader.size else { return nil }
        let header: MessageHeader
        do {
            let parsed = try MessageHeader.parseKeepingBadCommand(raw[...])
            header = parsed.header
            if let commandError = parsed.commandError {
                // An unreadable command: show the rest of the header anyway.
                let payload = raw[MessageHeader.size...].prefix(Int(header.length))
                return Frame(
                    raw: raw, header: header, streamOffset: streamOffset, payloadChecksum: Checksum(of: payload),
                    message: .failure(commandError))
            }
        } catch {
            return nil  // not reached: 24 bytes are there
        }
        let present = raw[MessageHeader.size...]
        let claimed = Int(header.length)
        let payload = present.prefix(claimed)
        let result: Result<Message, WireError>
        if let expectedMagic, header.magic != expectedMagic {
            result = .failure(.badMagic(expected: expectedMagic, actual: header.magic, offset: 0))
        } else if claimed > MessageHeader.maxPayloadLength {
            result = .failure(.payloadTooLarge(length: header.length, limit: MessageHeader.maxPayloadLength, offset: 16))
        } else if payload.count < claimed {
            result = .failure(.truncated(field: "payload", offset: MessageHeader.size, needed: claimed, available: payload.count))
        } else {
            do {
                result = .success(try Message.decode(command: header.command, payload: payload))
            } catch {
                result = .failure(error)
            }
        }
        return Frame(raw: raw, header: header, streamOffset: streamOffset, payloadChecksum: Checksum(of: payload), message: result)
    }

    /// The decoded field tree of the payload (as far as it decodes).
    public var fields: [Field] {
        Message.fields(command: header.command, payload: payload).fields
    }

    /// The header as fields, with byte ranges.
    public var headerFields: [Field] { header.fields }

    /// A one-line summary: the message's, or the error.
    public var summary: String {
        switch message {
        case let .success(m): return m.summary
        case let .failure(e): return "\(header.command): \(e)"
        }
    }
}
