import BIP324
import BitcoinWire

/// BIP324, the v2 encrypted transport, in either role.
///
/// The handshake is shown step by step, each step a unit of its own: our key and garbage,
/// their key, their garbage and terminator, decoys, the version packet. Then every packet
/// carries one message. Every failure ends the connection with a reason: no terminator
/// within 4,095 + 16 bytes of garbage, an encrypted length over Core's 4,000,013, a packet
/// that does not authenticate (with its number).
///
/// Memory: at most one packet (4,000,013 bytes of contents + 20) plus one read is buffered;
/// before the terminator, at most 64 + 4,111 bytes.
struct V2Transport: Transport {
    struct Settings {
        /// The sizes our garbage is drawn from (BIP324: 0 to 4,095 bytes).
        var garbageLength: ClosedRange<Int> = V2Handshake.garbageLengths
        /// Decoy packets to send before our version packet.
        var decoys = 0
        /// `key` or `terminator`: break our side of the handshake on purpose.
        var handshakeCorruption: Corruption?
        /// When set, only these commands' payloads are decoded (the others pass on as
        /// ``Message/unknown(command:payload:)``).
        var decodeOnly: Set<Command>?
    }

    static let keySize = V2Handshake.keyLength
    static let terminatorSize = V2Handshake.terminatorLength
    static let maxGarbage = V2Handshake.maxGarbageLength

    private enum State {
        /// Waiting for their 64-byte key.
        case awaitingKey
        /// Scanning their garbage for the terminator.
        case awaitingTerminator
        /// Reading packets; `length` is set once a packet's length is decrypted.
        case packets(length: Int?)
        case failed
    }

    let initiating: Bool
    let magic: Magic
    let settings: Settings
    private var state = State.awaitingKey
    private var ours: V2EphemeralKey?
    private var ourGarbage: [UInt8] = []
    private var cipher: V2PacketCipher?
    /// Their garbage: the AAD of their first packet.
    private var theirGarbage: [UInt8] = []
    /// How far into `buffer` the terminator has been looked for.
    private var garbageScanned = 0
    private var sentPackets = 0
    private var receivedPackets = 0
    private var sawVersionPacket = false
    private var buffer: [UInt8] = []
    private var readIndex = 0

    init(initiating: Bool, magic: Magic, settings: Settings) {
        self.initiating = initiating
        self.magic = magic
        self.settings = settings
    }

    /// A transport whose key exchange is already done: `cipher` holds the session's keys and
    /// `ourGarbage` was sent; their garbage and terminator come next. For the fuzz target
    /// (``V2ReceiveProbe``), which cannot afford an ECDH per input.
    init(initiating: Bool, magic: Magic, settings: Settings, keyedWith cipher: V2PacketCipher, ourGarbage: [UInt8]) {
        self.init(initiating: initiating, magic: magic, settings: settings)
        self.cipher = cipher
        self.ourGarbage = ourGarbage
        state = .awaitingTerminator
    }

    var kind: TransportKind? { .v2 }
    var bufferedByteCount: Int { buffer.count - readIndex }
    var inKeyExchange: Bool {
        if case .awaitingKey = state { return true }
        return false
    }
    var supportedCorruptions: [Corruption] { Corruption.v2PacketKinds }
    /// The session id, once the keys are known.
    var sessionID: [UInt8]? { cipher?.sessionID }

    // MARK: - Handshake

    /// The initiator makes and sends its key. The responder makes its key here too but sends
    /// it only once theirs is in, as Core does: inbound in `v2` mode, `open()` comes at
    /// accept, so our key is made while the initiator makes and sends its own instead of
    /// after, and only the ECDH is left when their key arrives. (Inbound in `auto` mode,
    /// ``SniffingTransport`` opens this transport only when the first bytes are in.)
    mutating func open() -> [TransportOutput] {
        guard case .awaitingKey = state else { return [] }
        if let failure = makeKey() { return [failure] }
        return initiating ? sendKeyAndGarbage() : []
    }

    /// Makes our ephemeral key unless it is made: nil, or the failure.
    private mutating func makeKey() -> TransportOutput? {
        guard ours == nil else { return nil }
        do {
            ours = try V2KeyPool.shared.take()
            return nil
        } catch {
            state = .failed
            return .failed("cannot make a v2 key: \(error)")
        }
    }

    /// Our key (corrupted if asked) and our garbage.
    private mutating func sendKeyAndGarbage() -> [TransportOutput] {
        if let failure = makeKey() { return [failure] }
        guard let key = ours else { return [] }
        var wireKey = key.ellswift
        var origin = FrameOrigin.protocol
        if settings.handshakeCorruption == .key {
            for i in 0..<8 { wireKey[i] ^= 0xff }
            origin = .corrupted(.key)
        }
        let count = Int.random(in: settings.garbageLength.clamped(to: 0...Self.maxGarbage))
        // One RAND_bytes call: even 8 bytes per getrandom made up to 512 calls per side on
        // the handshake's critical path (0.1-0.3 ms).
        ourGarbage = CryptographicRandom.bytes(count)
        let keyNote = "our ElligatorSwift key (64 bytes)" + (origin == .protocol ? "" : ", 8 bytes inverted")
        return [
            .send(.step(.key, raw: wireKey, layout: .whole(.key, count: wireKey.count), note: keyNote), origin: origin),
            .send(.step(.garbage, raw: ourGarbage, layout: .whole(.garbage, count: count), size: count,
                        note: "our garbage: \(count) random bytes")),
        ]
    }

    /// Their key is in: derive the keys, then send our terminator, decoys and version packet.
    private mutating func keyReceived(_ theirs: [UInt8]) -> [TransportOutput] {
        var out: [TransportOutput] = [
            .received(.step(.key, raw: theirs, layout: .whole(.key, count: theirs.count), note: "their ElligatorSwift key (64 bytes)"), deliver: nil),
        ]
        if !initiating { out += sendKeyAndGarbage() }
        guard let ours else { return out }
        do {
            let secrets = try V2SessionSecrets(ours: ours, theirs: theirs, initiating: initiating, magic: magic.bytes)
            cipher = try V2PacketCipher(secrets: secrets)
        } catch {
            state = .failed
            return out + [.failed("v2 key exchange failed: \(error)")]
        }
        self.ours = nil  // the private key is not needed any more
        guard var cipher else { return out }
        out.append(.sessionID(cipher.sessionID))
        var terminator = cipher.sendGarbageTerminator
        var origin = FrameOrigin.protocol
        if settings.handshakeCorruption == .terminator {
            for i in terminator.indices { terminator[i] ^= 0xff }
            origin = .corrupted(.terminator)
        }
        out.append(.send(.step(.terminator, raw: terminator, layout: .whole(.terminator, count: terminator.count),
                               note: "our garbage terminator" + (origin == .protocol ? "" : " (inverted)")), origin: origin))
        do {
            var rng = SystemRandomNumberGenerator()
            for n in 0..<settings.decoys {
                let size = Int.random(in: 0...64, using: &rng)
                let contents = Self.randomBytes(size, using: &rng)
                let packet = try cipher.encrypt(contents: contents, aad: nextAAD(), ignore: true)
                out.append(.send(.step(.decoy, raw: packet, layout: .v2Packet(count: packet.count), size: size,
                                       note: "decoy \(n + 1) of \(settings.decoys): \(size) bytes the peer must skip")))
            }
            let version = try cipher.encrypt(contents: [], aad: nextAAD())
            out.append(.send(.step(.version, raw: version, layout: .v2Packet(count: version.count), size: 0,
                                   note: "our version packet (no transport features)")))
        } catch {
            state = .failed
            return out + [.failed("cannot encrypt: \(error)")]
        }
        self.cipher = cipher
        state = .awaitingTerminator
        out.append(.ready)
        return out
    }

    /// `count` random bytes, 8 from each draw of `rng`. (`UInt8.random(in:using:)` draws a
    /// whole `UInt64` per byte, and each draw of the system generator is a `getrandom`
    /// system call: up to 4,095 calls for one side's garbage, on the handshake's critical
    /// path, where these are at most 512.)
    static func randomBytes<R: RandomNumberGenerator>(_ count: Int, using rng: inout R) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let out = UnsafeMutableRawBufferPointer(buffer)
            var filled = 0
            while filled < count {
                let n = min(8, count - filled)
                withUnsafeBytes(of: rng.next()) { word in
                    UnsafeMutableRawBufferPointer(rebasing: out[filled..<(filled + n)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: word[..<n]))
                }
                filled += n
            }
            initialized = count
        }
    }

    /// Our garbage authenticates with our first packet; later packets have no AAD.
    private mutating func nextAAD() -> [UInt8] {
        defer { sentPackets += 1 }
        return sentPackets == 0 ? ourGarbage : []
    }

    // MARK: - Receiving

    mutating func receive(_ bytes: UnsafeRawBufferPointer) -> [TransportOutput] {
        if case .failed = state { return [] }
        if readIndex > 0 {
            buffer.removeSubrange(0..<readIndex)
            garbageScanned = max(0, garbageScanned - readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
        var out: [TransportOutput] = []
        while nextStep(into: &out) {
            if case .failed = state { break }
        }
        return out
    }

    /// One step forward with the buffered bytes, its outputs appended to `out`; false when
    /// more bytes are needed. (Appending, not returning an array per step: a packet is a
    /// step, and an array per packet was an allocation per packet.)
    private mutating func nextStep(into out: inout [TransportOutput]) -> Bool {
        let available = buffer.count - readIndex
        switch state {
        case .failed:
            return false
        case .awaitingKey:
            guard available >= Self.keySize else { return false }
            let theirs = Array(buffer[readIndex..<(readIndex + Self.keySize)])
            readIndex += Self.keySize
            out += keyReceived(theirs)
            return true
        case .awaitingTerminator:
            guard let terminator = cipher?.receiveGarbageTerminator else { return false }
            // Only where a terminator may end (BIP324: at most 4,095 bytes of garbage), so a
            // read holding more garbage and then the terminator fails as it does byte by byte.
            // Resume where the last scan stopped (a terminator may straddle that point, hence
            // the 15 bytes back): small reads do not rescan the garbage each time.
            let limit = min(buffer.count, readIndex + Self.maxGarbage + Self.terminatorSize)
            let from = max(readIndex, min(garbageScanned, limit) - (Self.terminatorSize - 1))
            let window = buffer[from..<limit]
            garbageScanned = limit
            if let at = window.firstIndex(ofBytes: terminator) {
                theirGarbage = Array(buffer[readIndex..<at])
                readIndex = at + Self.terminatorSize
                state = .packets(length: nil)
                let n = theirGarbage.count
                out.append(.received(.step(.garbage, raw: theirGarbage, layout: .whole(.garbage, count: n), size: n,
                                           note: "their garbage: \(n) bytes"), deliver: nil))
                out.append(.received(.step(.terminator, raw: terminator, layout: .whole(.terminator, count: Self.terminatorSize),
                                           note: "their garbage terminator"), deliver: nil))
                return true
            }
            if available >= Self.maxGarbage + Self.terminatorSize {
                state = .failed
                out.append(.failed("no v2 garbage terminator within \(Self.maxGarbage) + \(Self.terminatorSize) bytes of garbage"))
                return true
            }
            return false
        case let .packets(length):
            guard let output = nextPacket(knownLength: length, available: available) else { return false }
            out.append(output)
            return true
        }
    }

    /// The next packet's output, or nil when more bytes are needed. Two copies of the packet:
    /// its bytes as they came (the unit's raw bytes) and its plaintext, decrypted from them.
    private mutating func nextPacket(knownLength: Int?, available: Int) -> TransportOutput? {
        guard var cipher else { return nil }
        self.cipher = nil  // keep its buffers uniquely owned while it works
        defer { self.cipher = cipher }
        let length: Int
        if let knownLength {
            length = knownLength
        } else {
            guard available >= V2PacketCipher.lengthFieldSize else { return nil }
            do {
                length = try cipher.decryptLength(buffer[readIndex..<(readIndex + V2PacketCipher.lengthFieldSize)])
            } catch {
                state = .failed
                return .failed("v2 length: \(error)")
            }
            if length > V2PacketCipher.maxContentsLength {
                state = .failed
                return .failed("v2 packet \(receivedPackets + 1): encrypted length \(length) is over \(V2PacketCipher.maxContentsLength) bytes")
            }
            state = .packets(length: length)
        }
        let total = V2PacketCipher.packetOverhead + length
        guard available >= total else { return nil }
        let raw = Array(buffer[readIndex..<(readIndex + total)])
        readIndex += total
        state = .packets(length: nil)
        receivedPackets += 1
        let aad = receivedPackets == 1 ? theirGarbage : []
        var ignore: Bool?
        // The header byte, then the contents.
        var plaintext = [UInt8](unsafeUninitializedCapacity: total - V2PacketCipher.lengthFieldSize - FSChaCha20Poly1305.tagSize) { out, initialized in
            raw.withUnsafeBytes { raw in
                aad.withUnsafeBytes { aad in
                    ignore = cipher.decrypt(UnsafeRawBufferPointer(rebasing: raw[V2PacketCipher.lengthFieldSize...]),
                                            into: UnsafeMutableRawBufferPointer(out), aad: aad)
                }
            }
            initialized = out.count
        }
        guard let ignore else {
            state = .failed
            return .failed("v2 authentication failed at packet \(receivedPackets)")
        }
        let layout = FrameLayout.v2Packet(count: raw.count)
        let size = plaintext.count - 1
        if ignore {
            return .received(.step(.decoy, raw: raw, layout: layout, size: size, note: "decoy: \(size) bytes skipped"), deliver: nil)
        }
        if !sawVersionPacket {
            sawVersionPacket = true
            return .received(.step(.version, raw: raw, layout: layout, size: size,
                                   note: "their version packet (\(size) bytes of transport features)"), deliver: nil)
        }
        plaintext.removeFirst()  // the header: what is left is the contents, in place
        return Self.message(from: plaintext, raw: raw, layout: layout, decodeOnly: settings.decodeOnly)
    }

    // MARK: - Sending

    mutating func encode(_ message: Message, corruption: Corruption?) -> Result<WireUnit, EngineError> {
        let payload = message.encodePayload()
        return seal(.message(message.command, .success(message)), payload: payload, corruption: corruption) { cipher, aad throws(BIP324Error) in
            try cipher.encrypt(command: message.command, payload: payload, aad: aad)
        }
    }

    mutating func forward(_ unit: WireUnit, corruption: Corruption?) -> Result<WireUnit, EngineError> {
        let payload = Array(Self.payload(of: unit))
        switch unit.content {
        case let .message(command, result):
            // Core drops a v1 message whose checksum fails; v2 has no checksum to carry the
            // fault, so the message goes no further, as it would have gone no further.
            guard unit.checksumOK else { return .failure(EngineError("its checksum is bad, and v2 has no checksum to carry")) }
            return seal(.message(command, result), payload: payload, corruption: corruption) { cipher, aad throws(BIP324Error) in
                try cipher.encrypt(command: command, payload: payload, aad: aad)
            }
        case let .v2UnknownID(typeID):
            return seal(.v2UnknownID(typeID), payload: payload, corruption: corruption) { cipher, aad throws(BIP324Error) in
                try cipher.encrypt(contents: [typeID] + payload, aad: aad)
            }
        default:
            return .failure(EngineError("\(unit.label) belongs to its own leg"))
        }
    }

    /// One packet sealed by `encrypt` with the cipher and the next AAD, broken by
    /// `corruption` if given.
    private mutating func seal(
        _ content: WireContent, payload: [UInt8], corruption: Corruption?,
        _ encrypt: (inout V2PacketCipher, [UInt8]) throws(BIP324Error) -> [UInt8]
    ) -> Result<WireUnit, EngineError> {
        if let corruption, let refusal = refusal(of: corruption) { return .failure(EngineError(refusal)) }
        guard var cipher else { return .failure(EngineError("the v2 key exchange is not done yet")) }
        self.cipher = nil
        defer { self.cipher = cipher }
        var packet: [UInt8]
        let aad = nextAAD()
        switch Result(catching: { () throws(BIP324Error) -> [UInt8] in try encrypt(&cipher, aad) }) {
        case let .success(p): packet = p
        case let .failure(error):
            let label = WireUnit(content: content, transport: .v2, raw: [], layout: FrameLayout([]), size: 0, checksumOK: true).label
            return .failure(EngineError("cannot encrypt \(label): \(error)"))
        }
        switch corruption {
        case .tag?: packet[packet.count - 1] ^= 0x01
        case .length?: packet[0] ^= 0x01
        default: break
        }
        return .success(WireUnit(
            content: content, transport: .v2, raw: packet, layout: .v2Packet(count: packet.count), size: payload.count,
            checksumOK: true, plaintext: payload))
    }
}
