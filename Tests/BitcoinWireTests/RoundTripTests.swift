import NodeHarness
import Testing
@testable import BitcoinWire

@Suite("Round trips of every message")
struct RoundTripTests {
    @Test func samplesCoverEveryCase() {
        let all: Set<String> = [
            "version", "verack", "ping", "pong", "sendheaders", "sendcmpct", "feefilter", "wtxidrelay",
            "sendaddrv2", "getaddr", "addr", "addrv2", "inv", "getdata", "notfound", "getheaders",
            "getblocks", "headers", "mempool", "reject", "unknown", "filterclear", "merkleblock", "filterload",
            "filteradd", "getcfilters", "cfilter", "getcfheaders", "cfheaders", "getcfcheckpt", "cfcheckpt",
            "sendtxrcncl", "feature", "tx", "block", "cmpctblock", "getblocktxn", "blocktxn",
        ]
        #expect(Set(sampleMessages.map(caseName)) == all)
        #expect(Set(Message.knownCommands.map(\.name)).union(["unknown"]) == all)
    }

    @Test(arguments: sampleMessages)
    func roundTrip(_ message: Message) throws {
        for network in Network.all + [Network.custom(magic: Vectors.bsvRegtest)] {
            let bytes = FrameEncoder.encode(message, magic: network.magic)
            var decoder = FrameDecoder(magic: network.magic)
            decoder.feed(bytes)
            let frame = try #require(try decoder.next())
            #expect(frame.checksumOK)
            #expect(frame.header.command == message.command)
            #expect(Int(frame.header.length) == bytes.count - 24)
            #expect(try frame.message.get() == message)
            #expect(FrameEncoder.encode(try frame.message.get(), magic: network.magic) == bytes)
            #expect(frame.raw == bytes)
        }
    }

    /// Unknown commands keep their payload and re-encode byte for byte.
    @Test func unknownCommandBytes() throws {
        var rng = SeededRNG(seed: 7)
        for command: Command in ["protoconf", "authch", "a", "123456789012", "xversion"] {
            let payload = rng.bytes(Int.random(in: 0..<300, using: &rng))
            let bytes = FrameEncoder.frame(command: command, payload: payload, magic: Network.mainnet.magic)
            let frame = try #require(Frame.inspect(bytes))
            #expect(try frame.message.get() == .unknown(command: command, payload: payload[...]))
            #expect(FrameEncoder.encode(try frame.message.get(), magic: Network.mainnet.magic) == bytes)
        }
    }

    /// A version with bytes after relay keeps them as `extra` and re-encodes exactly.
    @Test func versionExtraBytes() throws {
        var v = sampleVersion
        v.extra = [1, 2, 3]
        let payload = Message.version(v).encodePayload()
        let decoded = try Message.decode(command: "version", payload: payload[...])
        #expect(decoded == .version(v))
        #expect(decoded.encodePayload() == payload)
        let tree = Message.fields(command: "version", payload: payload[...]).fields
        #expect(tree.last?.name == "extra")
        #expect(tree.last?.value == .bytes([1, 2, 3]))
    }

    @Test func addrv2Entries() throws {
        guard case let .addrv2(entries) = sampleMessages.first(where: { caseName($0) == "addrv2" }) else {
            Issue.record("no addrv2 sample")
            return
        }
        #expect(entries.map(\.addressText) == [
            "192.0.2.1", "2001:db8:85a3::8a2e:370:7334", torV3Example,
            "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p",
            "fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa", "network 42: 010203",
        ])
        // BIP155: a known network with the wrong address length is invalid.
        var w = WireWriter()
        w.writeCompactSize(1)
        w.write(UInt32(0)); w.writeCompactSize(0); w.write(UInt8(1)); w.writeVarBytes([1, 2, 3]); w.writePort(1)
        #expect(throws: WireError.invalidValue(field: "addr", offset: 31, reason: "IPV4 address must be 4 bytes, got 3")) {
            try Message.decode(command: "addrv2", payload: w.bytes[...])
        }
        // Services are a CompactSize in addrv2: a value above 32 bits survives.
        #expect(entries[4].services.rawValue == 0x1_0000_0409)
    }

    @Test func summaries() {
        #expect(Message.version(sampleVersion).summary == "version 70016 /verack:0.1.0/ h=871234")
        #expect(Message.ping(nonce: 0xabc).summary == "ping nonce=abc")
        #expect(Message.inv([InventoryItem(type: 1, hash: zeroHash)]).summary == "inv 1 item MSG_TX")
        #expect(Message.unknown(command: "block", payload: [1, 2]).summary == "block (2 bytes, not decoded)")
    }
}
