import BitcoinWire

/// `message`: the payload decoders. The first byte picks the command (its low 6 bits index
/// ``commands``: every command of the table, then some that decode as `.unknown`), the
/// rest is the payload.
///
/// Properties: the field tree and plain decoding agree on success and on the error; a
/// message that decoded re-encodes to a payload that decodes to the same message. One input
/// in 8 also has its field tree rendered as the console shows it, and one in 32 is also
/// written as JSON and framed and shown as `verack decode` shows a frame (hex dump, fields,
/// JSON). Which inputs is decided by a hash of the input (``ChunkSizes``: FNV-1a, then mixed), so an
/// input always does the same and a crash replays. That formatting costs several times the
/// decoding (profiled: rendering, JSON and the hex dump were three quarters of the time
/// when every other input paid for them). Choosing them by bits of the first byte, as
/// before, did not keep them rare: formatting adds coverage, so the corpus filled with
/// inputs that had the bits set and their mutants kept them (4,000 exec/s after a minute).
enum MessageTarget {
    /// Every command of the table, plus ones that decode as `.unknown`; 64 in all (the
    /// decoders that take most bytes, tx and block, twice more).
    static let commands: [Command] = {
        var list = Command.all
        for name in ["", "addrv3", "protoconf", "authch"] { if let c = Command(validating: name) { list.append(c) } }
        while list.count < 64 { list += [.tx, .block, .cmpctblock, .blocktxn, .headers, .merkleblock] }
        return Array(list.prefix(64))
    }()

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        let command = commands[Int(first & 63)]
        let payload = Array(input.dropFirst())[...]

        let (fields, error) = Message.fields(command: command, payload: payload)
        let decoded = Result { () throws(WireError) in try Message.decode(command: command, payload: payload) }
        switch decoded {
        case let .success(message):
            check(error == nil, "\(command): fields failed (\(error.map { "\($0)" } ?? "")) where decode succeeded")
            check(message.command == command, "\(command): decoded as \(message.command)")
            checkRoundTrip(message)
            _ = message.summary
        case let .failure(e):
            check(error == e, "\(command): fields and decode disagree on the error: \(String(describing: error)) vs \(e)")
        }
        var hash = ChunkSizes(input, salt: 0)
        let sample = hash.next64()
        guard sample & 7 == 0 else { return }
        _ = Field.render(fields)

        if sample & 31 == 0 {
            _ = JSONValue.array(fields.map(\.json)).serialized
            let raw = FrameEncoder.frame(command: command, payload: Array(payload), magic: Network.regtest.magic)
            let report = FrameReport(index: 1, streamOffset: 0, raw: raw, network: .regtest)
            _ = report.lines
            _ = report.json.serialized
            _ = report.summary
        }
    }

    /// decode(encode(m)) == m. Strings are decoded lossily (bytes that are not UTF-8 become
    /// U+FFFD, three bytes each), so a message holding a replacement character may not fit
    /// its length limit again: those are left out.
    static func checkRoundTrip(_ message: Message) {
        let texts: [String]
        switch message {
        case let .version(v): texts = [v.userAgent]
        case let .reject(r): texts = [r.message, r.reason]
        default: texts = []
        }
        if texts.contains(where: { $0.unicodeScalars.contains("\u{FFFD}") }) { return }
        let payload = message.encodePayload()
        let again: Message
        do {
            again = try Message.decode(command: message.command, payload: payload[...])
        } catch {
            violated("\(message.command): re-encoded payload \(Hex.encode(payload)) does not decode: \(error)")
        }
        check(again == message, "\(message.command): round trip changed the message")
    }
}
