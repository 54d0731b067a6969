import Testing
@testable import BitcoinWire

@Suite("Documented and captured vectors")
struct VectorTests {
    /// PROTOCOL.md and the Bitcoin wiki: the checksum of an empty payload is 5df6e0e2.
    @Test func emptyPayloadChecksum() {
        #expect(Checksum(of: [UInt8]()).description == "5df6e0e2")
        #expect(Checksum(of: [UInt8]()).bytes == [0x5d, 0xf6, 0xe0, 0xe2])
        #expect(FrameEncoder.encode(.verack, magic: Network.mainnet.magic) == hex("f9beb4d976657261636b000000000000000000005df6e0e2"))
    }

    /// Bitcoin wiki, "Protocol documentation": double SHA-256 of "hello" starts 9595c9df.
    @Test func wikiHelloChecksum() {
        #expect(Checksum(of: Array("hello".utf8)).description == "9595c9df")
        #expect(Hex.encode(DoubleSHA256.hash(Array("hello".utf8))) == "9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50")
    }

    @Test func vectorFilesLoad() {
        #expect(Vectors.documented.count == 2)
    }

    @Test(arguments: Vectors.documented + Vectors.captured)
    func vectorDecodesAndReencodes(_ v: FrameVector) throws {
        let magic = Magic(v.bytes[0], v.bytes[1], v.bytes[2], v.bytes[3])
        var decoder = FrameDecoder(magic: magic)
        decoder.feed(v.bytes)
        let frame = try #require(try decoder.next())
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 0)
        #expect(frame.checksumOK)
        #expect(frame.header.command.name == v.command)
        #expect(frame.raw == v.bytes)
        let message = try frame.message.get()
        #expect(message.command.name == v.command)
        #expect(FrameEncoder.encode(message, magic: magic) == v.bytes)
    }

    /// The protocol-60002 version hexdump of the Bitcoin wiki's "Protocol documentation",
    /// field by field as the wiki explains it.
    @Test func wikiVersionFields() throws {
        let v = try #require(Vectors.documented.first { $0.name == "version-60002-wiki" })
        let frame = try #require(Frame.inspect(v.bytes, expectedMagic: Network.mainnet.magic))
        let zero = IPAddress(bytes: [0, 0, 0, 0])
        let expected = VersionMessage(
            version: 60002, services: .network, timestamp: 0x50d0_b211,
            receiver: NetworkAddress(services: .network, ip: zero, port: 0),
            sender: NetworkAddress(services: [], ip: zero, port: 0),
            nonce: 0x6517_e68c_5db3_2e3b, userAgent: "/Satoshi:0.7.2/", startHeight: 212_672, relay: nil)
        #expect(try frame.message.get() == .version(expected))
        #expect(frame.header.length == 100)
        #expect(frame.header.checksum.description == "358d4932")
        #expect(frame.summary == "version 60002 /Satoshi:0.7.2/ h=212672")
    }

    /// The captured frames are from a real node, so they must include its handshake.
    @Test
    func capturedFramesCoverTheHandshake() throws {
        let commands = Set(Vectors.captured.map(\.command))
        #expect(commands.contains("version"))
        #expect(commands.contains("verack"))
        for v in Vectors.captured {
            #expect(Array(v.bytes.prefix(4)) == [0xda, 0xb5, 0xbf, 0xfa], "\(v.name)")
        }
        let version = try #require(Vectors.captured.first { $0.command == "version" })
        let frame = try #require(Frame.inspect(version.bytes, expectedMagic: Vectors.bsvRegtest))
        guard case let .success(.version(v)) = frame.message else {
            Issue.record("captured version did not decode: \(frame.summary)")
            return
        }
        #expect(v.userAgent.hasPrefix("/Bitcoin SV:"))
        #expect(v.version == 70016)
    }

    /// FIPS 202 / NIST example values for SHA3-256.
    @Test(arguments: [
        ("", "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"),
        ("abc", "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376"),
    ])
    func sha3(_ input: String, _ digest: String) {
        #expect(Hex.encode(SHA3_256.hash(Array(input.utf8))) == digest)
    }

    /// Inputs around the 136-byte rate, where the padding spills into a second block
    /// (digests from Python's hashlib.sha3_256).
    @Test(arguments: [
        (135, "8094bb53c44cfb1e67b7c30447f9a1c33696d2463ecc1d9c92538913392843c9"),
        (136, "3fc5559f14db8e453a0a3091edbd2bc25e11528d81c66fa570a4efdcc2695ee1"),
        (200, "cce34485baf2bf2aca99b94833892a4f52896d3d153f7b840cc4f9fe695f1387"),
    ])
    func sha3MultiBlock(_ count: Int, _ digest: String) {
        #expect(Hex.encode(SHA3_256.hash([UInt8](repeating: 0x61, count: count))) == digest)
    }

    /// Tor's rend-spec-v3, "Encoding onion addresses": the first example address.
    @Test func torV3Address() {
        let entry = AddrV2Entry(time: 0, services: [], networkID: 4, address: torV3ExampleKey, port: 0)
        #expect(entry.addressText == torV3Example)
    }

    /// I2P: base32 of the 32-byte destination hash, checked against Python's base64.b32encode.
    @Test func i2pAndOtherAddressText() {
        let i2p = AddrV2Entry(time: 0, services: [], networkID: 5,
                              address: hex("a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87"), port: 0)
        #expect(i2p.addressText == "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p")
        #expect(AddrV2Entry(time: 0, services: [], networkID: 1, address: [192, 0, 2, 1], port: 0).addressText == "192.0.2.1")
        let cjdns = IPAddress("fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa")?.bytes ?? []
        #expect(AddrV2Entry(time: 0, services: [], networkID: 6, address: cjdns, port: 0).addressText == "fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa")
        #expect(AddrV2Entry(time: 0, services: [], networkID: 42, address: [1, 2], port: 0).addressText == "network 42: 0102")
    }

    /// RFC 4648 section 10 test vectors (lower case, no padding).
    @Test(arguments: [("", ""), ("f", "my"), ("fo", "mzxq"), ("foo", "mzxw6"), ("foob", "mzxw6yq"),
                      ("fooba", "mzxw6ytb"), ("foobar", "mzxw6ytboi")])
    func base32(_ input: String, _ output: String) {
        #expect(Base32.encode(Array(input.utf8)) == output)
    }

    /// RFC 5952 text forms.
    @Test(arguments: [("2001:db8::1", "2001:db8::1"), ("2001:0db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
                      ("::", "::"), ("::1", "::1"), ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"),
                      ("203.0.113.7", "203.0.113.7"), ("::ffff:1.2.3.4", "1.2.3.4")])
    func ipText(_ input: String, _ output: String) {
        #expect(IPAddress(input)?.description == output)
    }
}
