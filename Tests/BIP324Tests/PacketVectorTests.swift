import Testing
@testable import BIP324

/// packet_encoding_test_vectors.csv: key derivation for both roles, then the packet after
/// `in_idx` earlier packets (so through FSChaCha20 and FSChaCha20Poly1305 rekeying).
@Suite("BIP324 packet encoding vectors")
struct PacketVectorTests {
    static let mainnetMagic: [UInt8] = [0xf9, 0xbe, 0xb4, 0xd9]

    @Test(arguments: Vectors.packetEncoding)
    func packet(_ row: CSVRow) throws {
        let key = try V2EphemeralKey(privateKey: try #require(row.bytes("in_priv_ours")),
                                     ellswift: try #require(row.bytes("in_ellswift_ours")))
        let theirs = try #require(row.bytes("in_ellswift_theirs"))
        let initiating = row["in_initiating"] == "1"

        #expect(try ElligatorSwift.decode(key.ellswift) == row.bytes("mid_x_ours"))
        #expect(try ElligatorSwift.decode(theirs) == row.bytes("mid_x_theirs"))
        #expect(try key.xOnlyECDH(theirs: theirs) == row.bytes("mid_x_shared"))

        let secrets = try V2SessionSecrets(ours: key, theirs: theirs, initiating: initiating, magic: Self.mainnetMagic)
        #expect(secrets.sharedSecret == row.bytes("mid_shared_secret"))
        #expect(secrets.initiatorL == row.bytes("mid_initiator_l"))
        #expect(secrets.initiatorP == row.bytes("mid_initiator_p"))
        #expect(secrets.responderL == row.bytes("mid_responder_l"))
        #expect(secrets.responderP == row.bytes("mid_responder_p"))
        #expect(secrets.sendGarbageTerminator == row.bytes("mid_send_garbage_terminator"))
        #expect(secrets.receiveGarbageTerminator == row.bytes("mid_recv_garbage_terminator"))
        #expect(secrets.sessionID == row.bytes("out_session_id"))

        var cipher = try V2PacketCipher(secrets: secrets)
        #expect(cipher.sessionID == secrets.sessionID)
        let earlier = try #require(Int(row["in_idx"]))
        for _ in 0..<earlier {
            _ = try cipher.encrypt(contents: [UInt8]())
        }
        let piece = try #require(row.bytes("in_contents"))
        let multiply = try #require(Int(row["in_multiply"]))
        let contents = Array([[UInt8]](repeating: piece, count: multiply).joined())
        let aad = try #require(row.bytes("in_aad"))
        let packet = try cipher.encrypt(contents: contents, aad: aad, ignore: row["in_ignore"] == "1")
        #expect(packet.count == contents.count + V2PacketCipher.packetOverhead)

        let whole = try #require(row.bytes("out_ciphertext"))
        let ending = try #require(row.bytes("out_ciphertext_endswith"))
        #expect(!whole.isEmpty || !ending.isEmpty)
        if !whole.isEmpty { #expect(packet == whole) }
        if !ending.isEmpty { #expect(Array(packet.suffix(ending.count)) == ending) }
    }

    /// The same vectors seen from the receiving side: a peer with the mirrored receive keys
    /// decrypts the vector's packet after as many earlier packets.
    @Test(arguments: Vectors.packetEncoding)
    func receivingSideDecrypts(_ row: CSVRow) throws {
        let key = try V2EphemeralKey(privateKey: try #require(row.bytes("in_priv_ours")),
                                     ellswift: try #require(row.bytes("in_ellswift_ours")))
        let theirs = try #require(row.bytes("in_ellswift_theirs"))
        let initiating = row["in_initiating"] == "1"
        let secrets = try V2SessionSecrets(ours: key, theirs: theirs, initiating: initiating, magic: Self.mainnetMagic)
        var sender = try V2PacketCipher(secrets: secrets)
        var receiver = try V2PacketCipher(secrets: secrets.mirrored())
        #expect(receiver.receiveGarbageTerminator == sender.sendGarbageTerminator)

        let earlier = try #require(Int(row["in_idx"]))
        for _ in 0..<earlier {
            let packet = try sender.encrypt(contents: [UInt8]())
            #expect(try receiver.decryptLength(packet.prefix(3)) == 0)
            #expect(receiver.decrypt(packet.dropFirst(3)) != nil)
        }
        let piece = try #require(row.bytes("in_contents"))
        let contents = Array([[UInt8]](repeating: piece, count: try #require(Int(row["in_multiply"]))).joined())
        let aad = try #require(row.bytes("in_aad"))
        let ignore = row["in_ignore"] == "1"
        var packet = try sender.encrypt(contents: contents, aad: aad, ignore: ignore)
        #expect(try receiver.decryptLength(packet.prefix(3)) == contents.count)
        packet.removeFirst(3)
        let decryptedResult = receiver.decrypt(inPlace: &packet, aad: aad)
        let decrypted = try #require(decryptedResult)
        #expect(decrypted.ignore == ignore)
        #expect(Array(decrypted.contents) == contents)
    }
}

extension V2SessionSecrets {
    /// The other side's secrets: the same keys with the role swapped.
    func mirrored() -> V2SessionSecrets {
        var other = self
        other.initiating.toggle()
        return other
    }
}
