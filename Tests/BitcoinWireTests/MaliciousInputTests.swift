import Testing
@testable import BitcoinWire

@Suite("Malicious lengths and counts")
struct MaliciousInputTests {
    func decode(_ command: Command, _ payload: [UInt8]) throws(WireError) -> Message {
        try Message.decode(command: command, payload: payload[...])
    }

    @Test func addrCountOf2To32() {
        #expect(throws: WireError.countTooLarge(field: "count", count: 1 << 32, limit: 1000, offset: 24)) {
            try decode("addr", hex("ff 00 00 00 00 01 00 00 00"))
        }
        #expect(throws: WireError.countTooLarge(field: "count", count: 1 << 32, limit: 1000, offset: 24)) {
            try decode("addrv2", hex("ff 00 00 00 00 01 00 00 00"))
        }
    }

    @Test func invCountAboveLimit() {
        // 50,001 = 0xc351.
        #expect(throws: WireError.countTooLarge(field: "count", count: 50_001, limit: 50_000, offset: 24)) {
            try decode("inv", hex("fd 51 c3"))
        }
        // A count within the limit that the payload cannot hold is refused before allocating.
        #expect(throws: WireError.truncated(field: "count", offset: 27, needed: 50_000 * 36, available: 0)) {
            try decode("getdata", hex("fd 50 c3"))
        }
    }

    @Test func userAgentOf257Bytes() {
        var payload = Message.version(sampleVersion).encodePayload()
        let uaStart = 80
        let uaLength = Int(payload[uaStart])
        payload.replaceSubrange(uaStart..<(uaStart + 1 + uaLength), with: hex("fd 01 01") + [UInt8](repeating: 0x61, count: 257))
        #expect(throws: WireError.lengthTooLarge(field: "user_agent", length: 257, limit: 256, offset: 104)) {
            try decode("version", payload)
        }
        // 256 is allowed.
        var ok = sampleVersion
        ok.userAgent = String(repeating: "a", count: 256)
        #expect(throws: Never.self) { try decode("version", Message.version(ok).encodePayload()) }
    }

    @Test(arguments: [
        (hex("fd 05 00"), UInt64(5)),
        (hex("fd fc 00"), UInt64(0xfc)),
        (hex("fe ff 00 00 00"), UInt64(0xff)),
        (hex("fe ff ff 00 00"), UInt64(0xffff)),
        (hex("ff ff ff ff ff 00 00 00 00"), UInt64(0xffff_ffff)),
        (hex("ff 01 00 00 00 00 00 00 00"), UInt64(1)),
    ])
    func nonCanonicalCompactSize(_ prefix: [UInt8], _ value: UInt64) {
        for command: Command in ["inv", "addr", "addrv2", "headers", "getdata"] {
            #expect(throws: WireError.nonCanonicalCompactSize(offset: 24, value: value)) {
                try decode(command, prefix + [UInt8](repeating: 0, count: 64))
            }
        }
    }

    @Test func canonicalBoundaries() throws {
        for value: UInt64 in [0, 0xfc, 0xfd, 0xffff, 0x1_0000, 0xffff_ffff, 0x1_0000_0000, .max] {
            var w = WireWriter()
            w.writeCompactSize(value)
            var r = WireReader(w.bytes[...])
            #expect(try r.readCompactSize("n") == value)
            #expect(r.isAtEnd)
        }
    }

    /// Every known message's payload, cut at every offset: `.truncated`, never a crash. Cuts
    /// that leave a shorter valid message are allowed only where the format has an open end
    /// (version's optional relay and extra bytes, reject's data, unknown payloads).
    @Test(arguments: sampleMessages)
    func truncationAtEveryOffset(_ message: Message) {
        let payload = message.encodePayload()
        let openFrom: Int? = switch message {
        case let .version(v): v.relay == nil ? payload.count : payload.count - 1 - v.extra.count
        case let .reject(r): payload.count - r.data.count
        case .unknown: 0
        default: nil
        }
        for cut in 0..<payload.count {
            let result = Result { () throws(WireError) in try Message.decode(command: message.command, payload: payload[..<cut]) }
            switch result {
            case .success:
                #expect(openFrom.map { cut >= $0 } == true, "\(message.command) cut at \(cut) decoded")
            case let .failure(error):
                guard case .truncated = error else {
                    Issue.record("\(message.command) cut at \(cut): \(error)")
                    continue
                }
            }
            // The field tree of a cut payload is as far as it got, with the same error.
            _ = Message.fields(command: message.command, payload: payload[..<cut])
        }
    }

    /// Bytes after the last field are refused, except after version (kept as `extra`) and
    /// in the open-ended formats.
    @Test(arguments: sampleMessages)
    func trailingBytes(_ message: Message) throws {
        let payload = message.encodePayload() + [0x00]
        switch message {
        case .version, .reject, .unknown:
            #expect(throws: Never.self) { try decode(message.command, payload) }
        default:
            #expect(throws: WireError.trailingBytes(offset: 24 + payload.count - 1, count: 1)) {
                try decode(message.command, payload)
            }
        }
    }

    @Test func headersMustHaveNoTransactions() {
        var w = WireWriter()
        w.writeCompactSize(1)
        w.write(bytes: [UInt8](repeating: 0, count: 80))
        w.writeCompactSize(1)
        #expect(throws: WireError.invalidValue(field: "txn_count", offset: 24 + 81, reason: "headers must have txn_count 0, got 1")) {
            try decode("headers", w.bytes)
        }
    }

    @Test func locatorAboveLimit() {
        #expect(throws: WireError.countTooLarge(field: "hash_count", count: 102, limit: 101, offset: 28)) {
            try decode("getheaders", hex("80110100 66") + [UInt8](repeating: 0, count: 102 * 32 + 32))
        }
    }
}
