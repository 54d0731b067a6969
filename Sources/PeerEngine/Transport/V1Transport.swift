import BitcoinWire

/// The classic v1 framing: ``FrameDecoder`` in, ``FrameEncoder`` out, ``Corruption`` of
/// whole frames.
struct V1Transport: Transport {
    let magic: Magic
    private var decoder: FrameDecoder

    /// `decodeOnly`: decode only these commands' payloads (see ``FrameDecoder/decodeOnly``).
    init(magic: Magic, decodeOnly: Set<Command>? = nil) {
        self.magic = magic
        decoder = FrameDecoder(magic: magic)
        decoder.decodeOnly = decodeOnly
    }

    var kind: TransportKind? { .v1 }
    var bufferedByteCount: Int { decoder.bufferedByteCount }
    var inKeyExchange: Bool { false }
    var supportedCorruptions: [Corruption] { Corruption.v1Kinds }

    mutating func open() -> [TransportOutput] { [.ready] }

    mutating func receive(_ bytes: UnsafeRawBufferPointer) -> [TransportOutput] {
        decoder.feed(bytes)
        return drain()
    }

    /// Reads straight into the decoder: a big frame's bytes are copied once, by `fill`.
    mutating func receive(upTo maxBytes: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> (count: Int, outputs: [TransportOutput]) {
        let n = decoder.receive(upTo: maxBytes, fill)
        return (n, n > 0 ? drain() : [])
    }

    /// Bytes that arrived before the transport was chosen (inbound sniffing).
    mutating func receive(_ bytes: [UInt8]) -> [TransportOutput] {
        decoder.feed(bytes)
        return drain()
    }

    private mutating func drain() -> [TransportOutput] {
        var out: [TransportOutput] = []
        while true {
            let frame: Frame?
            do {
                frame = try decoder.next()
            } catch {
                switch error {
                case .badMagic: out.append(.failed("bad magic: \(error)"))
                case .payloadTooLarge: out.append(.failed("oversized frame: \(error)"))
                default: out.append(.failed(error.description))
                }
                return out
            }
            guard let frame else { return out }
            // Like Core: a frame with a bad checksum or an undecodable payload is dropped.
            var deliver: Message?
            if frame.checksumOK, case let .success(message) = frame.message { deliver = message }
            out.append(.received(WireUnit(frame: frame), deliver: deliver))
        }
    }

    mutating func encode(_ message: Message, corruption: Corruption?) -> Result<WireUnit, EngineError> {
        frame(FrameEncoder.encode(message, magic: magic), command: message.command, checksumOK: true, message: .success(message), corruption: corruption)
    }

    mutating func forward(_ unit: WireUnit, corruption: Corruption?) -> Result<WireUnit, EngineError> {
        guard let command = unit.command, let message = unit.message else {
            return .failure(EngineError("\(unit.label) has no v1 form"))
        }
        if unit.transport == .v1 {
            return frame(unit.raw, command: command, checksumOK: unit.checksumOK, message: message, corruption: corruption)
        }
        let raw = FrameEncoder.frame(command: command, payload: Array(Self.payload(of: unit)), magic: magic)
        return frame(raw, command: command, checksumOK: true, message: message, corruption: corruption)
    }

    /// The unit of a whole frame's bytes, broken by `corruption` if given.
    private func frame(
        _ bytes: [UInt8], command: Command, checksumOK: Bool, message: Result<Message, WireError>, corruption: Corruption?
    ) -> Result<WireUnit, EngineError> {
        var raw = bytes
        if let corruption {
            if let refusal = refusal(of: corruption) { return .failure(EngineError(refusal)) }
            do {
                raw = try corruption.apply(to: raw)
            } catch {
                return .failure(EngineError("cannot corrupt \(command): \(error)"))
            }
        }
        let length = MessageHeader.lengthRange
        let size = raw.count >= length.upperBound ? Int(MessageHeader.uint32(raw[...], at: length.lowerBound)) : 0
        return .success(WireUnit(
            transport: .v1, raw: raw, layout: .v1(count: raw.count), command: command, size: size,
            checksumOK: checksumOK && corruption != .checksum, message: message))
    }
}
