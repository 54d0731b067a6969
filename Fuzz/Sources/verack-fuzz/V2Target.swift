import BIP324
import BitcoinWire
@_spi(Fuzzing) import PeerEngine

/// `v2`: the receiving side of the real BIP324 transport (``V2ReceiveProbe`` over
/// `V2Transport`), after a key exchange done once at startup with two fixed keys, so no
/// input pays for ElligatorSwift or ECDH. The input is a script for the peer's side of the
/// stream; the harness encrypts the packets it asks for with the peer's own cipher, so the
/// fuzzer reaches the authenticated paths (version packet, decoys, message types, payloads):
///
///     flags (bit 0: we initiate; bit 1: leave out the terminator; bit 2: both sides have
///            already used 216 packets of their keys, so the 8th packet rekeys)
///     garbage length (2 bytes, little-endian, mod 4,200), the garbage
///     then ops until the end, each one byte (low two bits the kind):
///       0  packet:  length (1 byte, or 2 with bit 2), contents; bit 3 sets the ignore bit
///       1  message: command (1 byte, as in `message`), payload length (1 or 2 bytes), payload
///       2  raw:     length (1 byte), bytes appended unencrypted
///       3  flip:    bit (bits 5-7) of the byte this far from the end (1 byte)
///
/// At most ``maxPackets`` packets are sealed; later packet and message ops are skipped. Each
/// packet costs three ChaCha20-Poly1305 operations and a dozen allocations: inputs of
/// hundreds of tiny packets ran at 400 exec/s, and packets past the first few reach nothing
/// new except the rekeying after 224, which bit 2 of the flags brings within reach.
///
/// Properties: whole and chunked feeding (one input in 4) give the same units and failure; nothing comes
/// after a failure; no garbage over 4,095 bytes is accepted, whatever the reads; before the
/// terminator at most 4,095 + 16 bytes are buffered, after it
/// less than one maximal packet; when the garbage was valid and nothing unauthenticated came
/// before them, the harness's packets come out in order, with their exact bytes, as decoy,
/// version packet or message, and the message's type and payload are those encrypted.
enum V2Target {
    struct Session {
        var initiator: V2PacketCipher
        var responder: V2PacketCipher
    }


    static let magic = Network.mainnet.magic
    static let maxPackets = 16
    /// Packets each direction has used before an input with flag bit 2 starts.
    static let usedPackets = FSChaCha20Poly1305.rekeyInterval - 8

    /// Both sides of one session, derived once. Copies of the ciphers go on independently
    /// (their libcrypto contexts are copied on first use).
    static let session: Session = {
        do {
            var rng = SplitMix64(seed: 324)  // a fixed seed: the keys are the same in every run
            let a = try V2EphemeralKey.generate(using: &rng)
            let b = try V2EphemeralKey.generate(using: &rng)
            let initiator = try V2PacketCipher(secrets: V2SessionSecrets(ours: a, theirs: b.ellswift, initiating: true, magic: magic.bytes))
            let responder = try V2PacketCipher(secrets: V2SessionSecrets(ours: b, theirs: a.ellswift, initiating: false, magic: magic.bytes))
            precondition(initiator.sessionID == responder.sessionID && initiator.sendGarbageTerminator == responder.receiveGarbageTerminator)
            return Session(initiator: initiator, responder: responder)
        } catch {
            fatalError("cannot derive the fixed v2 session: \(error)")
        }
    }()

    /// ``session`` after ``usedPackets`` empty packets each way.
    static let usedSession: Session = {
        var used = session
        func pass(_ sender: inout V2PacketCipher, _ receiver: inout V2PacketCipher) {
            guard let packet = try? sender.encrypt(contents: []),
                  (try? receiver.decryptLength(packet[..<V2PacketCipher.lengthFieldSize])) == 0,
                  receiver.decrypt(packet[V2PacketCipher.lengthFieldSize...]) != nil
            else { fatalError("cannot advance the fixed v2 session") }
        }
        for _ in 0..<Int(usedPackets) {
            pass(&used.initiator, &used.responder)
            pass(&used.responder, &used.initiator)
        }
        return used
    }()

    /// A unit or event as the properties compare it.
    enum Seen: Equatable {
        case received(kind: FrameKind, raw: [UInt8], command: Command?, size: Int, plaintext: [UInt8]?,
                      message: Result<Message, WireError>?, delivered: Message?)
        case sent(kind: FrameKind, raw: [UInt8])
        case ready
        case sessionID([UInt8])
        case failed(String)
    }

    /// A packet the harness encrypted, and where it ends in the stream.
    struct Expected {
        var raw: [UInt8]
        var ignore: Bool
        var contents: [UInt8]
        var end: Int
    }

    static let maxBufferedBeforeTerminator = 4095 + 16
    static let maxBufferedAfter = V2PacketCipher.packetOverhead + V2PacketCipher.maxContentsLength

    static func run(_ input: UnsafeRawBufferPointer) {
        var reader = InputReader(input)
        let flags = reader.byte()
        let weInitiate = flags & 1 != 0
        let keys = flags & 4 != 0 ? usedSession : session
        var peer = weInitiate ? keys.responder : keys.initiator
        var sealed = 0

        let garbage = Array(reader.take(reader.uint16() % 4200))
        var stream = garbage
        stream.reserveCapacity(garbage.count + 16 + 2 * reader.remaining + maxPackets * V2PacketCipher.packetOverhead)
        let terminator = peer.sendGarbageTerminator
        var garbageOK = false
        if flags & 2 == 0 {
            stream += terminator
            garbageOK = garbage.count <= 4095 && stream[...].firstIndex(ofBytes: terminator) == garbage.count
        }
        var authentic = garbageOK
        var expected: [Expected] = []
        expected.reserveCapacity(maxPackets)
        var firstPacket = true

        func seal(_ contents: [UInt8], ignore: Bool) {
            guard let packet = try? peer.encrypt(contents: contents, aad: firstPacket ? garbage : [], ignore: ignore) else {
                violated("the peer's cipher could not encrypt \(contents.count) bytes")
            }
            firstPacket = false
            stream += packet
            if authentic { expected.append(Expected(raw: packet, ignore: ignore, contents: contents, end: stream.count)) }
        }

        while !reader.isAtEnd {
            let op = reader.byte()
            if op & 3 < 2 {
                if sealed == maxPackets { break }
                sealed += 1
            }
            switch op & 3 {
            case 0:
                let count = op & 4 != 0 ? reader.uint16() : Int(reader.byte())
                seal(Array(reader.take(count)), ignore: op & 8 != 0)
            case 1:
                let command = MessageTarget.commands[Int(reader.byte() & 63)]
                let count = op & 4 != 0 ? reader.uint16() : Int(reader.byte())
                let payload = reader.take(count)
                guard let type = try? V2MessageType.encode(command: command) else { continue }
                seal(type + payload, ignore: false)
            case 2:
                stream += reader.take(Int(reader.byte()))
                authentic = false
            default:
                guard !stream.isEmpty else { continue }
                let at = stream.count - 1 - Int(reader.byte()) % Swift.min(stream.count, 256)
                stream[at] ^= 1 << (op >> 5)
                authentic = false
                expected.removeAll { $0.end > at }
                if at < garbage.count + terminator.count { garbageOK = false }
            }
        }

        let ours = weInitiate ? keys.initiator : keys.responder
        let whole = stream.withUnsafeBytes { feed($0, initiating: weInitiate, cipher: ours, chunks: nil) }
        if garbageOK { checkExpected(whole, garbage: garbage, expected: expected, clean: authentic) }
        // Fed again in chunks for one input in 4, chosen by a hash of the input (so a crash
        // replays): the second feed doubled the transport's work for every input.
        var sizes = ChunkSizes(input, salt: 2)
        if sizes.next64() & 3 == 0 {
            let chunked = stream.withUnsafeBytes { feed($0, initiating: weInitiate, cipher: ours, chunks: sizes) }
            check(whole == chunked, "chunked feeding differs from whole feeding")
        }
    }

    /// Feeds `stream` to a fresh transport, checking the bounds after every read.
    static func feed(_ stream: UnsafeRawBufferPointer, initiating: Bool, cipher: V2PacketCipher, chunks: ChunkSizes?) -> [Seen] {
        var probe = V2ReceiveProbe(initiating: initiating, magic: magic, cipher: cipher)
        var seen: [Seen] = []
        seen.reserveCapacity(maxPackets + 4)
        var failed = false
        var sawTerminator = false
        var sizes = chunks
        var position = 0
        while position < stream.count {
            let size = sizes?.next(max: stream.count - position) ?? stream.count
            let outputs = probe.receive(UnsafeRawBufferPointer(rebasing: stream[position..<(position + size)]))
            position += size
            check(!failed || outputs.isEmpty, "output after a failure")
            for output in outputs {
                check(!failed, "output after a failure")
                switch output {
                case let .received(unit, delivered):
                    if unit.kind == .v2Terminator { sawTerminator = true }
                    if unit.kind == .v2Garbage {
                        check(unit.raw.count <= 4095, "\(unit.raw.count) bytes of garbage accepted (BIP324: at most 4,095)")
                    }
                    seen.append(.received(kind: unit.kind, raw: unit.raw, command: unit.command, size: unit.size,
                                          plaintext: unit.plaintext, message: unit.message, delivered: delivered))
                case let .sent(unit):
                    seen.append(.sent(kind: unit.kind, raw: unit.raw))
                case .ready:
                    seen.append(.ready)
                case let .sessionID(id):
                    seen.append(.sessionID(id))
                case let .failed(reason):
                    failed = true
                    seen.append(.failed(reason))
                }
            }
            if !failed {
                let limit = sawTerminator ? maxBufferedAfter : maxBufferedBeforeTerminator
                check(probe.bufferedByteCount < limit, "\(probe.bufferedByteCount) bytes buffered (limit \(limit))")
            }
        }
        return seen
    }

    /// The garbage, the terminator, then the harness's packets, each as what it is.
    static func checkExpected(_ seen: [Seen], garbage: [UInt8], expected: [Expected], clean: Bool) {
        var units = seen.makeIterator()
        guard case let .received(kind, raw, _, _, _, _, _)? = units.next(), kind == .v2Garbage, raw == garbage else {
            violated("valid garbage (\(garbage.count) bytes) was not taken as garbage")
        }
        guard case let .received(kind, _, _, _, _, _, _)? = units.next(), kind == .v2Terminator else {
            violated("the terminator was not found")
        }
        var sawVersion = false
        for (i, packet) in expected.enumerated() {
            guard case let .received(kind, raw, command, _, plaintext, message, delivered)? = units.next() else {
                violated("packet \(i + 1) of \(expected.count), sealed by the peer, did not come out")
            }
            check(raw == packet.raw, "packet \(i + 1): other bytes came out")
            if packet.ignore {
                check(kind == .v2Decoy, "packet \(i + 1): a decoy came out as \(kind)")
                continue
            }
            if !sawVersion {
                sawVersion = true
                check(kind == .v2Version, "packet \(i + 1): the version packet came out as \(kind)")
                continue
            }
            switch V2MessageType.decode(packet.contents) {
            case let .known(sent, offset):
                let payload = packet.contents[offset...]
                let decoded = Result { () throws(WireError) in try Message.decode(command: sent, payload: payload, offset: 0) }
                check(kind == .message && command == sent && plaintext?[...] == payload, "packet \(i + 1): \(sent) came out as \(command?.name ?? "no command")")
                check(message == decoded, "packet \(i + 1): \(sent) decoded differently")
                check(delivered == (try? decoded.get()), "packet \(i + 1): delivered something else")
            case .unknownID:
                check(kind == .v2UnknownID && delivered == nil, "packet \(i + 1): an unknown id came out as \(kind)")
            case .malformed:
                check(kind == .message && command == .unreadable && delivered == nil, "packet \(i + 1): a malformed type came out as \(command?.name ?? "no command")")
            }
        }
        if clean {
            check(units.next() == nil, "more came out than was sent")
        }
    }
}
