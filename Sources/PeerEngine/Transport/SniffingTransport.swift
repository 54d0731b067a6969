import BitcoinWire

/// The transport of an inbound peer when both v1 and v2 are accepted: it waits for the
/// first bytes, as Core does. The 16 bytes of a v1 `version` header (the magic and
/// `version\0\0\0\0\0`) mean v1; anything else means v2 (a 64-byte key looks like noise).
struct SniffingTransport: Transport {
    private var chosen: (any Transport)?
    private var prefix: [UInt8] = []
    private let v1Prefix: [UInt8]
    private let magic: Magic
    private let makeV2: () -> any Transport
    private let decodeOnly: Set<Command>?

    init(magic: Magic, decodeOnly: Set<Command>? = nil, makeV2: @escaping () -> any Transport) {
        self.magic = magic
        self.decodeOnly = decodeOnly
        self.makeV2 = makeV2
        v1Prefix = magic.bytes + Command.version.wireBytes
    }

    var kind: TransportKind? { chosen?.kind }
    var bufferedByteCount: Int { chosen?.bufferedByteCount ?? prefix.count }
    var inKeyExchange: Bool { chosen?.inKeyExchange ?? false }
    var supportedCorruptions: [Corruption] { chosen?.supportedCorruptions ?? [] }

    mutating func open() -> [TransportOutput] { [] }

    mutating func receive(_ bytes: UnsafeRawBufferPointer) -> [TransportOutput] {
        if var transport = chosen {
            chosen = nil  // keep the transport's buffers uniquely owned while it works
            defer { chosen = transport }
            return transport.receive(bytes)
        }
        prefix.append(contentsOf: bytes)
        let n = min(prefix.count, v1Prefix.count)
        let matches = prefix[0..<n].elementsEqual(v1Prefix[0..<n])
        guard !matches || n == v1Prefix.count else { return [] }
        var transport: any Transport = matches ? V1Transport(magic: magic, decodeOnly: decodeOnly) : makeV2()
        var out = transport.open()
        let held = prefix
        prefix = []
        out += held.withUnsafeBytes { transport.receive($0) }
        chosen = transport
        return out
    }

    mutating func receive(upTo maxBytes: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> (count: Int, outputs: [TransportOutput]) {
        guard var transport = chosen else { return receiveCopying(upTo: maxBytes, fill) }
        chosen = nil
        defer { chosen = transport }
        return transport.receive(upTo: maxBytes, fill)
    }

    mutating func encode(_ message: Message, corruption: Corruption?) -> Result<WireUnit, EngineError> {
        guard var transport = chosen else { return .failure(EngineError("the peer's transport is not known yet")) }
        chosen = nil
        defer { chosen = transport }
        return transport.encode(message, corruption: corruption)
    }

    mutating func forward(_ unit: WireUnit, corruption: Corruption?) -> Result<WireUnit, EngineError> {
        guard var transport = chosen else { return .failure(EngineError("the peer's transport is not known yet")) }
        chosen = nil
        defer { chosen = transport }
        return transport.forward(unit, corruption: corruption)
    }
}
