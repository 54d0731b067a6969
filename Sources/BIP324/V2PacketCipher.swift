import BitcoinWire
/// A decrypted v2 packet: the ignore bit (decoys have it) and the contents, a slice of the
/// buffer that was decrypted (no copy).
public struct V2Packet: Sendable, Equatable {
    /// Bit 7 of the header: a decoy, to be dropped after it authenticated.
    public var ignore: Bool
    /// Message type (1 or 13 bytes) + payload; see ``V2MessageType``.
    public var contents: ArraySlice<UInt8>

    public init(ignore: Bool, contents: ArraySlice<UInt8>) {
        self.ignore = ignore
        self.contents = contents
    }
}

/// The packet encryption of one v2 connection (BIP324, "Overall packet encryption and
/// decryption pseudocode"): FSChaCha20 for the lengths and FSChaCha20Poly1305 for header +
/// contents, one pair per direction.
///
/// A packet on the wire is: 3-byte encrypted contents length (little-endian), then the
/// encrypted header byte and contents, then a 16-byte tag. To receive one: read 3 bytes,
/// ``decryptLength(_:)``, check the length against your limit (Core's is
/// ``maxContentsLength``), read `length + ``decryptOverhead``` more bytes, and decrypt them
/// with ``decrypt(inPlace:aad:)`` (no copy) or ``decrypt(_:aad:)`` (one output buffer).
/// The first packet in each direction carries that direction's garbage as `aad`.
///
/// A value type: copies go on independently. Description and reflection hide the keys.
public struct V2PacketCipher: Sendable {
    /// Bytes of the encrypted length field.
    public static let lengthFieldSize = 3
    /// The header byte and the tag: what follows the length field besides the contents.
    public static let decryptOverhead = 1 + FSChaCha20Poly1305.tagSize
    /// Bytes a packet adds to its contents (20).
    public static let packetOverhead = lengthFieldSize + decryptOverhead
    /// The largest contents the length field can say: 2^24 - 1.
    public static let maxEncodableContentsLength = (1 << 24) - 1
    /// Bitcoin Core's limit on received contents (4,000,000 + 13 bytes of message type): a
    /// longer length means disconnect before reading the packet.
    public static let maxContentsLength = 4_000_013
    static let ignoreBit: UInt8 = 0x80

    /// Identifies the session; the same on both sides.
    public let sessionID: [UInt8]
    /// Send after our garbage.
    public let sendGarbageTerminator: [UInt8]
    /// Ends the peer's garbage.
    public let receiveGarbageTerminator: [UInt8]

    private var sendLength: FSChaCha20
    private var sendContents: FSChaCha20Poly1305
    private var receiveLength: FSChaCha20
    private var receiveContents: FSChaCha20Poly1305

    /// The ciphers of both directions for our role in `secrets`.
    public init(secrets: V2SessionSecrets) throws(BIP324Error) {
        sessionID = secrets.sessionID
        sendGarbageTerminator = secrets.sendGarbageTerminator
        receiveGarbageTerminator = secrets.receiveGarbageTerminator
        sendLength = try FSChaCha20(key: secrets.sendL)
        sendContents = try FSChaCha20Poly1305(key: secrets.sendP, encrypting: true)
        receiveLength = try FSChaCha20(key: secrets.receiveL)
        receiveContents = try FSChaCha20Poly1305(key: secrets.receiveP, encrypting: false)
    }

    // MARK: Sending

    /// The whole packet for `contents`: encrypted length, encrypted header and contents, tag.
    public mutating func encrypt(contents: some Collection<UInt8>, aad: [UInt8] = [], ignore: Bool = false) throws(BIP324Error) -> [UInt8] {
        try encrypt(prefix: [], payload: contents, aad: aad, ignore: ignore)
    }

    /// The whole packet for a message: contents are the message type of `command` (its short
    /// id, or 0 + 12 bytes) followed by `payload`, written straight into the packet.
    public mutating func encrypt(command: Command, payload: some Collection<UInt8>, aad: [UInt8] = [], ignore: Bool = false) throws(BIP324Error) -> [UInt8] {
        try encrypt(prefix: V2MessageType.encode(command: command), payload: payload, aad: aad, ignore: ignore)
    }

    private mutating func encrypt(prefix: [UInt8], payload: some Collection<UInt8>, aad: [UInt8], ignore: Bool) throws(BIP324Error) -> [UInt8] {
        let length = prefix.count + payload.count
        if length > Self.maxEncodableContentsLength { throw .contentsTooLong(length) }
        let mask = try sendLength.nextMask()
        let total = length + Self.packetOverhead
        let header = ignore ? Self.ignoreBit : 0
        var packet = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            buffer[0] = UInt8(truncatingIfNeeded: length) ^ mask.0
            buffer[1] = UInt8(truncatingIfNeeded: length >> 8) ^ mask.1
            buffer[2] = UInt8(truncatingIfNeeded: length >> 16) ^ mask.2
            buffer[3] = header
            let afterPrefix = UnsafeMutableBufferPointer(rebasing: buffer[4...]).initialize(fromContentsOf: prefix)
            _ = UnsafeMutableBufferPointer(rebasing: buffer[(4 + afterPrefix)...]).initialize(fromContentsOf: payload)
            // The tag is written by the cipher below.
            UnsafeMutableBufferPointer(rebasing: buffer[(total - FSChaCha20Poly1305.tagSize)...]).initialize(repeating: 0)
            initialized = total
        }
        let ok = aad.withUnsafeBytes { aad in
            packet.withUnsafeMutableBytes { bytes in
                let plaintext = UnsafeMutableRawBufferPointer(rebasing: bytes[3..<(total - FSChaCha20Poly1305.tagSize)])
                let tag = UnsafeMutableRawBufferPointer(rebasing: bytes[(total - FSChaCha20Poly1305.tagSize)...])
                return sendContents.seal(aad: aad, buffer: plaintext, tag: tag.baseAddress.unsafelyUnwrapped)
            }
        }
        if !ok { throw .openSSL("ChaCha20-Poly1305 encrypt") }
        return packet
    }

    // MARK: Receiving

    /// The contents length that the 3 encrypted length bytes say. Call once per packet,
    /// before its ``decrypt(_:aad:)``; the caller checks the length against its limit.
    public mutating func decryptLength(_ encrypted: some Collection<UInt8>) throws(BIP324Error) -> Int {
        try BIP324Error.check(encrypted, "length field", Self.lengthFieldSize)
        let mask = try receiveLength.nextMask()
        // One call into the collection, not an iterator through its witness table (this is
        // not specialized across modules, and runs once per packet).
        let bytes = encrypted.withContiguousStorageIfAvailable { ($0[0], $0[1], $0[2]) }
            ?? { let a = Array(encrypted); return (a[0], a[1], a[2]) }()
        return Int(bytes.0 ^ mask.0) | Int(bytes.1 ^ mask.1) << 8 | Int(bytes.2 ^ mask.2) << 16
    }

    /// Decrypts header + contents + tag (the bytes after the length field) into a new buffer;
    /// nil when they do not authenticate (then disconnect).
    public mutating func decrypt(_ ciphertext: some Collection<UInt8>, aad: [UInt8] = []) -> V2Packet? {
        var copy = Array(ciphertext)
        return decrypt(inPlace: &copy, aad: aad)
    }

    /// Decrypts header + contents + tag in `packet` itself; the result's contents are a slice
    /// of `packet` (sharing its storage). Nil when it does not authenticate: then `packet`
    /// holds garbage and the connection must end.
    public mutating func decrypt(inPlace packet: inout [UInt8], aad: [UInt8] = []) -> V2Packet? {
        let count = packet.count
        let ignore = packet.withUnsafeMutableBytes { bytes in
            aad.withUnsafeBytes { aad in decrypt(inPlace: bytes, aad: aad) }
        }
        guard let ignore else { return nil }
        return V2Packet(ignore: ignore, contents: packet[1..<(count - FSChaCha20Poly1305.tagSize)])
    }

    /// Decrypts `packet` (header + contents + tag, the length field already read) into
    /// `plaintext`, which holds `packet.count - 16` bytes: the header, then the contents.
    /// Returns the ignore bit, or nil when the bytes do not authenticate (then `plaintext`
    /// holds garbage and the connection must end). The packet itself is left as it came.
    public mutating func decrypt(_ packet: UnsafeRawBufferPointer, into plaintext: UnsafeMutableRawBufferPointer,
                                 aad: UnsafeRawBufferPointer) -> Bool? {
        let tagSize = FSChaCha20Poly1305.tagSize
        guard packet.count >= Self.decryptOverhead, plaintext.count == packet.count - tagSize,
              let input = packet.baseAddress, let output = plaintext.baseAddress
        else {
            receiveContents.skipMessage()
            return nil
        }
        let body = UnsafeRawBufferPointer(rebasing: packet[..<(packet.count - tagSize)])
        guard receiveContents.open(aad: aad, input: body, output: output, tag: input + body.count) else { return nil }
        return plaintext[0] & Self.ignoreBit != 0
    }

    /// Decrypts header + contents + tag in `buffer`; afterwards the contents are
    /// `buffer[1 ..< buffer.count - 16]`. Returns the ignore bit, or nil when the bytes do not
    /// authenticate (then the buffer holds garbage and the connection must end).
    public mutating func decrypt(inPlace buffer: UnsafeMutableRawBufferPointer, aad: UnsafeRawBufferPointer) -> Bool? {
        let tagSize = FSChaCha20Poly1305.tagSize
        guard buffer.count >= Self.decryptOverhead, let base = buffer.baseAddress else {
            // Too short to be a packet: use up the nonce as a failed decryption would.
            receiveContents.skipMessage()
            return nil
        }
        let body = UnsafeRawBufferPointer(rebasing: buffer[..<(buffer.count - tagSize)])
        guard receiveContents.open(aad: aad, input: body, output: base, tag: base + body.count) else { return nil }
        return buffer[0] & Self.ignoreBit != 0
    }

}

extension V2PacketCipher: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "V2PacketCipher(session \(hexPrefix(sessionID))…, keys hidden)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["sessionID": sessionID]) }
}
