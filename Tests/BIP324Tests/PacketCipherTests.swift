import NodeHarness
import Testing
@testable import BIP324

/// Two fresh ends of one connection, keyed as a real handshake keys them.
func connectedPair(magic: [UInt8] = [0xf9, 0xbe, 0xb4, 0xd9]) throws -> (initiator: V2PacketCipher, responder: V2PacketCipher) {
    let initiatorKey = try V2EphemeralKey.generate()
    let responderKey = try V2EphemeralKey.generate()
    let initiator = try V2SessionSecrets(ours: initiatorKey, theirs: responderKey.ellswift, initiating: true, magic: magic)
    let responder = try V2SessionSecrets(ours: responderKey, theirs: initiatorKey.ellswift, initiating: false, magic: magic)
    return (try V2PacketCipher(secrets: initiator), try V2PacketCipher(secrets: responder))
}

@Suite("V2 packet cipher")
struct PacketCipherTests {
    /// generate() twice: both sides derive the same secrets, with the terminators swapped.
    @Test func freshKeysAgree() throws {
        let a = try V2EphemeralKey.generate()
        let b = try V2EphemeralKey.generate()
        #expect(a.ellswift != b.ellswift)
        #expect(a.privateKey != b.privateKey)
        let magic: [UInt8] = [0x0b, 0x11, 0x09, 0x07]
        let initiator = try V2SessionSecrets(ours: a, theirs: b.ellswift, initiating: true, magic: magic)
        let responder = try V2SessionSecrets(ours: b, theirs: a.ellswift, initiating: false, magic: magic)
        #expect(initiator.sharedSecret == responder.sharedSecret)
        #expect(initiator.sessionID == responder.sessionID)
        #expect(initiator.sendL == responder.receiveL)
        #expect(initiator.sendP == responder.receiveP)
        #expect(initiator.receiveL == responder.sendL)
        #expect(initiator.sendGarbageTerminator == responder.receiveGarbageTerminator)
        #expect(initiator.receiveGarbageTerminator == responder.sendGarbageTerminator)
        #expect(initiator.sendGarbageTerminator != initiator.receiveGarbageTerminator)
        // Another network's magic gives other keys.
        let mainnet = try V2SessionSecrets(ours: a, theirs: b.ellswift, initiating: true, magic: [0xf9, 0xbe, 0xb4, 0xd9])
        #expect(mainnet.sessionID != initiator.sessionID)
        // The public key behind the encoding is the private key's.
        let field = try Secp256k1()
        let x = try field.multiplyGenerator(BigNum(bigEndian: a.privateKey)).bigEndian32()
        #expect(try ElligatorSwift.decode(a.ellswift) == x)
    }

    /// 1,200 packets each way (five rekeyings), decoys, garbage as the first AAD, sizes from
    /// empty to 70 KB; both decrypt APIs.
    @Test func roundTripThroughRekeying() throws {
        var (initiator, responder) = try connectedPair()
        var rng = SeededRNG(seed: 42)
        let initiatorGarbage = randomBytes(100, using: &rng)
        let responderGarbage = randomBytes(4095, using: &rng)
        for index in 0..<1200 {
            let size = index % 97 == 0 ? Int(rng.next() % 70_000) : Int(rng.next() % 300)
            let contents = randomBytes(size, using: &rng)
            let ignore = rng.next() % 5 == 0
            let forward = index == 0 ? initiatorGarbage : []
            let backward = index == 0 ? responderGarbage : []

            let packet = try initiator.encrypt(contents: contents, aad: forward, ignore: ignore)
            #expect(try responder.decryptLength(packet[0..<3]) == size)
            let receivedResult = responder.decrypt(packet[3...], aad: forward)
            let received = try #require(receivedResult)
            #expect(received == V2Packet(ignore: ignore, contents: received.contents))
            #expect(Array(received.contents) == contents)

            let reply = try responder.encrypt(contents: contents, aad: backward, ignore: ignore)
            #expect(try initiator.decryptLength(reply.prefix(3)) == size)
            var rest = Array(reply.dropFirst(3))
            let replyReceivedResult = initiator.decrypt(inPlace: &rest, aad: backward)
            let replyReceived = try #require(replyReceivedResult)
            #expect(replyReceived.ignore == ignore)
            #expect(Array(replyReceived.contents) == contents)
        }
    }

    /// Every bit of the tag, and a bit of the body, header and AAD: each flip fails.
    @Test func tamperingFails() throws {
        var (initiator, responder) = try connectedPair()
        let packet = try initiator.encrypt(contents: Array("hello".utf8), aad: [1, 2, 3])
        for bit in [0, 7, 8 * 4, 8 * 5 + 3] + Array((8 * 6)..<(8 * 6 + 128)) {
            var receiver = responder
            var bad = packet
            bad[3 + bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(try receiver.decryptLength(bad.prefix(3)) == 5)
            #expect(receiver.decrypt(bad.dropFirst(3), aad: [1, 2, 3]) == nil, "bit \(bit)")
        }
        var wrongAAD = responder
        _ = try wrongAAD.decryptLength(packet.prefix(3))
        #expect(wrongAAD.decrypt(packet.dropFirst(3), aad: [1, 2, 4]) == nil)
        // The untouched packet still decrypts: the copies above did not disturb `responder`.
        _ = try responder.decryptLength(packet.prefix(3))
        #expect(responder.decrypt(packet.dropFirst(3), aad: [1, 2, 3])?.contents == ArraySlice("hello".utf8))
    }

    @Test func tooShortOrWrongSizedInputs() throws {
        var (_, responder) = try connectedPair()
        #expect(responder.decrypt([UInt8](repeating: 0, count: 16)) == nil)
        #expect(responder.decrypt([UInt8]()) == nil)
        #expect(throws: BIP324Error.wrongByteCount(what: "length field", expected: 3, actual: 4)) {
            try responder.decryptLength([1, 2, 3, 4])
        }
    }

    @Test func contentsTooLongThrows() throws {
        var (initiator, _) = try connectedPair()
        #expect(throws: BIP324Error.contentsTooLong(1 << 24)) {
            try initiator.encrypt(contents: [UInt8](repeating: 0, count: 1 << 24))
        }
    }

    /// A 1 MiB packet decrypted in place: the contents slice shares the buffer.
    @Test func bigPacketInPlace() throws {
        var (initiator, responder) = try connectedPair()
        var rng = SeededRNG(seed: 9)
        let contents = randomBytes(1 << 20, using: &rng)
        let packet = try initiator.encrypt(command: "block", payload: contents)
        let length = try responder.decryptLength(packet.prefix(3))
        #expect(length == contents.count + 1)
        var rest = Array(packet[3...])
        let receivedResult = responder.decrypt(inPlace: &rest)
        let received = try #require(receivedResult)
        #expect(received.contents.count == length)
        #expect(V2MessageType.decode(received.contents) == .known(command: "block", payloadOffset: 1))
        #expect(received.contents.dropFirst().elementsEqual(contents))
        rest.withUnsafeBufferPointer { buffer in
            received.contents.withUnsafeBufferPointer { slice in
                #expect(slice.baseAddress == buffer.baseAddress.map { $0 + 1 })
            }
        }
    }

    /// Descriptions and mirrors show no key material.
    @Test func secretsStayOutOfDescriptions() throws {
        let key = try V2EphemeralKey.generate()
        let other = try V2EphemeralKey.generate()
        let secrets = try V2SessionSecrets(ours: key, theirs: other.ellswift, initiating: true, magic: [1, 2, 3, 4])
        let cipher = try V2PacketCipher(secrets: secrets)
        let texts = [String(describing: key), String(reflecting: key), String(describing: secrets),
                     String(reflecting: secrets), String(describing: cipher), String(reflecting: cipher),
                     String(describing: Mirror(reflecting: key).children.map { $0.value }),
                     String(describing: try FSChaCha20(key: secrets.sendL)),
                     String(describing: try FSChaCha20Poly1305(key: secrets.sendP, encrypting: true))]
        let secretHex = [key.privateKey, secrets.sendL, secrets.sendP, secrets.receiveL, secrets.receiveP, secrets.sharedSecret]
            .map { hexString($0.prefix(4)) }
        let secretDecimal = [key.privateKey, secrets.sendL, secrets.sendP].map { "\($0[0]), \($0[1]), \($0[2])" }
        for text in texts {
            for needle in secretHex + secretDecimal {
                #expect(!text.contains(needle), "\(text)")
            }
        }
    }

    /// Many sessions at once on different threads share no state.
    @Test func concurrentHandshakes() async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    var (a, b) = try connectedPair()
                    for n in 0..<300 {
                        let packet = try a.encrypt(contents: [UInt8](repeating: UInt8(n & 255), count: n))
                        guard try b.decryptLength(packet.prefix(3)) == n,
                              let got = b.decrypt(packet.dropFirst(3)), got.contents.elementsEqual(repeatElement(UInt8(n & 255), count: n))
                        else { return false }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
