import Testing
@testable import BitcoinWire

@Suite("Field tree, JSON and hex dump")
struct FieldTreeTests {
    @Test func versionFieldNamesAndRanges() throws {
        let frame = try #require(Frame.inspect(FrameEncoder.encode(.version(sampleVersion), magic: Network.mainnet.magic)))
        let fields = frame.fields
        #expect(fields.map(\.name) == ["version", "services", "timestamp", "addr_recv", "addr_from", "nonce", "user_agent", "start_height", "relay"])
        #expect(fields.map(\.range) == [24..<28, 28..<36, 36..<44, 44..<70, 70..<96, 96..<104, 104..<119, 119..<123, 123..<124])
        let recv = try #require(fields.first { $0.name == "addr_recv" })
        #expect(recv.value == .group)
        #expect(recv.children.map(\.name) == ["services", "ip", "port"])
        #expect(recv.children.map(\.range) == [44..<52, 52..<68, 68..<70])
        #expect(recv["ip"]?.value == .address("203.0.113.7"))
        #expect(recv["port"]?.value == .uint(8333))
        #expect(fields.first?.value == .int(70016))
        #expect(fields[1].value == .services([.network, .witness, .networkLimited]))
        #expect(fields[6].value == .text("/verack:0.1.0/"))
        #expect(fields[8].value == .bool(true))
        #expect(frame.headerFields.map(\.name) == ["magic", "command", "length", "checksum"])
        #expect(frame.headerFields.map(\.range) == [0..<4, 4..<16, 16..<20, 20..<24])
    }

    @Test func fieldsOfABrokenPayloadStopAtTheError() {
        let payload = Message.version(sampleVersion).encodePayload().prefix(30)
        let (fields, error) = Message.fields(command: "version", payload: payload)
        #expect(fields.map(\.name) == ["version", "services", "timestamp", "addr_recv"])
        #expect(fields[3].range == 44..<52)
        #expect(fields[3].children.map(\.name) == ["services"])
        #expect(error == .truncated(field: "ip", offset: 52, needed: 16, available: 2))
    }

    @Test func nestedGroups() throws {
        let items = [InventoryItem(type: 2, hash: hash(1))]
        let fields = Message.fields(command: "inv", payload: Message.inv(items).encodePayload()[...]).fields
        #expect(fields.map(\.name) == ["count", "inventory[0]"])
        #expect(fields[1].children.map(\.name) == ["type", "hash"])
        #expect(fields[1].children[0].value == .text("MSG_BLOCK"))
        #expect(fields[1].children[1].value == .hash(Hex.encode(hash(1).reversed())))
        #expect(fields[1].range == 25..<61)
    }

    @Test func json() {
        let fields = Message.fields(command: "ping", payload: Message.ping(nonce: 7).encodePayload()[...]).fields
        #expect(JSONValue.array(fields.map(\.json)).serialized == #"[{"name":"nonce","value":7,"offset":24,"length":8}]"#)
        let group = Field(name: "g", value: .group, range: 0..<2, children: [
            Field(name: "s", value: .services([.network, .witness]), range: 0..<1),
            Field(name: "t", value: .text("a\"b\\c\n\u{1}é"), range: 1..<2),
        ])
        #expect(group.json.serialized == #"{"name":"g","value":null,"offset":0,"length":2,"children":[{"name":"s","value":{"value":9,"names":["NETWORK","WITNESS"]},"offset":0,"length":1},{"name":"t","value":"a\"b\\c\n\u0001é","offset":1,"length":1}]}"#)
        #expect(JSONValue.object([("x", .double(.nan)), ("y", .int(-1)), ("z", .bool(false))]).serialized == #"{"x":null,"y":-1,"z":false}"#)
        #expect(JSONValue.object([("a", .int(1))])["a"] == .int(1))
    }

    @Test func render() {
        let fields = Message.fields(command: "sendcmpct", payload: Message.sendcmpct(announce: true, version: 2).encodePayload()[...]).fields
        #expect(Field.render(fields) == ["announce = true [24..<25]", "version = 2 [25..<33]"])
        let group = Field(name: "g", value: .group, range: 0..<1, children: [Field(name: "b", value: .bytes([]), range: 0..<0)])
        #expect(Field.render([group], indent: 1) == ["  g [0..<1]", "    b = (empty) [0..<0]"])
        #expect(FieldValue.time(0).display == "0 (1970-01-01 00:00:00Z)")
        #expect(FieldValue.time(1_714_564_800).display == "1714564800 (2024-05-01 12:00:00Z)")
        #expect(FieldValue.time(-1).display == "-1 (1969-12-31 23:59:59Z)")
    }

    @Test func hexDumpLines() {
        let bytes = hex("f9beb4d976657273696f6e0000000000 64000000358d4932 62")
        let lines = HexDump.lines(bytes)
        #expect(lines.count == 2)
        #expect(lines[0].text == "0000  f9 be b4 d9 76 65 72 73  69 6f 6e 00 00 00 00 00  |....version.....|")
        #expect(lines[1].text == "0010  64 00 00 00 35 8d 49 32  62                       |d...5.I2b|")
        let dump = HexDump.frameDump(bytes)
        #expect(dump[0] == "0000  f9 be b4 d9 76 65 72 73  69 6f 6e 00 00 00 00 00  |....version.....|  magic 0-3, command 4-15")
        #expect(dump[1] == "0010  64 00 00 00 35 8d 49 32  62                       |d...5.I2b|         length 16-19, checksum 20-23, payload 24-")
        #expect(HexDump.lines([]).isEmpty)
        #expect(HexDump.offsetText(0x12345) == "12345")
        #expect(FrameRegion(offset: 3) == .magic)
        #expect(FrameRegion(offset: 15) == .command)
        #expect(FrameRegion(offset: 19) == .length)
        #expect(FrameRegion(offset: 23) == .checksum)
        #expect(FrameRegion(offset: 24) == .payload)
    }

    @Test func hexText() throws {
        #expect(try Hex.decode("0xF9 be\nb4\td9") == [0xf9, 0xbe, 0xb4, 0xd9])
        #expect(throws: WireError.invalidHex(reason: "'z' at character 5 is not a hex digit")) { try Hex.decode("f9bez4") }
        #expect(throws: WireError.invalidHex(reason: "'z' at character 3 is not a hex digit")) { try Hex.decode("0xz") }
        #expect(throws: WireError.invalidHex(reason: "odd number of hex digits")) { try Hex.decode("f9b") }
        #expect(throws: WireError.invalidHex(reason: "byte 0xc3 at character 1 is not a hex digit")) { try Hex.decode("é") }
        #expect(try Magic(hex: "dab5bffa") == Magic(0xda, 0xb5, 0xbf, 0xfa))
        #expect(throws: WireError.self) { try Magic(hex: "dab5bf") }
    }
}
