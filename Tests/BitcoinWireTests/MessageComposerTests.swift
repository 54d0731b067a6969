import Testing
@testable import BitcoinWire

/// A hash in display order and the same hash in wire order.
private let composerHash = "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506"
private let composerWireHash: [UInt8] = Array(hex(composerHash).reversed())
private let composerOtherHash = "00000000000000000002a7c4c1e48d76c5a37902165a270156b7a8d72728a054"
private let composerOtherWire: [UInt8] = Array(hex(composerOtherHash).reversed())

private func composeLine(_ line: String) throws(ComposeError) -> (command: String, payload: [UInt8]) {
    try MessageComposer.compose(line.split(separator: " ").map(String.init), network: .mainnet)
}

private func composeError(_ words: [String]) -> ComposeError? {
    let result = Result { () throws(ComposeError) -> (command: String, payload: [UInt8]) in
        try MessageComposer.compose(words, network: .mainnet)
    }
    if case let .failure(e) = result { return e }
    return nil
}

/// The composed message decoded by the existing decoders.
private func composedMessage(_ line: String) throws -> Message {
    let (command, payload) = try composeLine(line)
    return try Message.decode(command: try Command(command), payload: payload[...])
}

@Suite("MessageComposer")
struct MessageComposerTests {
    @Test func inventoryItems() throws {
        let line = "getdata tx:\(composerHash) block:\(composerOtherHash) filteredblock:\(composerHash) cmpctblock:\(composerHash)"
            + " wtx:\(composerHash) wtxid:\(composerHash) witnesstx:\(composerHash) wblock:\(composerHash) 7:\(composerHash) 0x40000003:\(composerHash)"
        let types: [UInt32] = [1, 2, 3, 4, 5, 5, 0x4000_0001, 0x4000_0002, 7, 0x4000_0003]
        guard case let .getdata(items) = try composedMessage(line) else {
            Issue.record("not a getdata")
            return
        }
        #expect(items.map(\.type) == types)
        #expect(items[0].hash == composerWireHash)
        #expect(items[1].hash == composerOtherWire)
        #expect(try composedMessage("inv tx:\(composerHash)") == .inv([InventoryItem(type: 1, hash: composerWireHash)]))
        #expect(try composedMessage("notfound WBLOCK:\(composerHash.uppercased())") == .notfound([InventoryItem(type: 0x4000_0002, hash: composerWireHash)]))
    }

    @Test func locators() throws {
        #expect(try composedMessage("getheaders \(composerHash) \(composerOtherHash)")
            == .getheaders(BlockLocator(version: 70016, hashes: [composerWireHash, composerOtherWire], hashStop: zeroHash)))
        #expect(try composedMessage("getblocks --stop \(composerOtherHash) \(composerHash)")
            == .getblocks(BlockLocator(version: 70016, hashes: [composerWireHash], hashStop: composerOtherWire)))
        #expect(try composedMessage("getheaders \(composerHash) --stop \(composerOtherHash)")
            == .getheaders(BlockLocator(version: 70016, hashes: [composerWireHash], hashStop: composerOtherWire)))
        #expect(try composedMessage("getheaders") == .getheaders(BlockLocator(version: 70016, hashes: [], hashStop: zeroHash)))
        let full = ["getheaders"] + [String](repeating: composerHash, count: 101)
        let (_, payload) = try MessageComposer.compose(full, network: .mainnet)
        #expect(payload.count == 4 + 1 + 102 * 32)
    }

    @Test func numbers() throws {
        #expect(try composedMessage("ping 42") == .ping(nonce: 42))
        #expect(try composedMessage("ping 0xDEADbeef") == .ping(nonce: 0xdead_beef))
        #expect(try composedMessage("ping 18446744073709551615") == .ping(nonce: .max))
        #expect(try composeLine("ping").payload.count == 8)
        #expect(try composedMessage("pong 0x0") == .pong(nonce: 0))
        #expect(try composedMessage("feefilter 1000") == .feefilter(feerate: 1000))
        #expect(try composedMessage("feefilter 9223372036854775807") == .feefilter(feerate: .max))
        #expect(try composedMessage("sendcmpct 1 2") == .sendcmpct(announce: true, version: 2))
        #expect(try composedMessage("sendcmpct 0 1") == .sendcmpct(announce: false, version: 1))
        let (command, payload) = try composeLine("sendtxrcncl 1 0x0123456789abcdef")
        #expect(command == "sendtxrcncl")
        #expect(try PayloadTesting.decode(payload, SendTxRcnclMessage.decode) == SendTxRcnclMessage(version: 1, salt: 0x0123_4567_89ab_cdef))
    }

    @Test func rawBytes() throws {
        let tx = "0100000001" + String(repeating: "ab", count: 60)
        #expect(try composeLine("tx \(tx)") == (command: "tx", payload: hex(tx)))
        let block = String(repeating: "cd", count: 81)
        #expect(try composeLine("block \(block)") == (command: "block", payload: hex(block)))

        let header = BlockHeader(version: 0x2000_0000, previousBlock: hash(4), merkleRoot: hash(5),
                                 timestamp: 1_714_564_800, bits: 0x1703_4219, nonce: 0xdead_beef)
        var w = WireWriter()
        header.encode(&w)
        header.encode(&w)
        #expect(try composedMessage("headers \(Hex.encode(w.bytes))") == .headers([header, header]))
        #expect(try composedMessage("headers -") == .headers([]))

        #expect(try composeLine("raw protoconf 0200000001000000") == (command: "protoconf", payload: hex("0200000001000000")))
        #expect(try composeLine("raw 123456789012 -") == (command: "123456789012", payload: []))
        #expect(try MessageComposer.compose(["raw", "a b", ""], network: .mainnet) == (command: "a b", payload: []))
    }

    @Test func payloadless() throws {
        for command in ["verack", "sendheaders", "wtxidrelay", "sendaddrv2", "getaddr", "mempool", "filterclear"] {
            #expect(try composeLine(command) == (command: command, payload: []))
        }
        #expect(try composedMessage("verack") == .verack)
        #expect(try composedMessage("mempool") == .mempool)
    }

    /// Absolute indexes 0 5 6 10 go on the wire as the differences 0 4 0 3 (BIP152).
    @Test func getblocktxnDifferentialIndexes() throws {
        #expect(try composeLine("getblocktxn \(composerHash) 0 5 6 10") == (command: "getblocktxn", payload: composerWireHash + [4, 0, 4, 0, 3]))
        let (_, payload) = try composeLine("getblocktxn \(composerHash) 300 65535")
        #expect(payload == composerWireHash + [2, 0xfd, 0x2c, 0x01, 0xfd, 0xd2, 0xfe])
    }

    @Test func bloomAndCompactFilters() throws {
        let (c1, p1) = try composeLine("filterload b50f 11 0x1234 all")
        #expect(c1 == "filterload")
        #expect(try PayloadTesting.decode(p1, FilterLoadMessage.decode) == FilterLoadMessage(filter: [0xb5, 0x0f], hashFunctions: 11, tweak: 0x1234, flags: 1))
        for (flags, value) in [("none", UInt8(0)), ("P2PUBKEYONLY", 2), ("7", 7)] {
            let (_, p) = try composeLine("filterload - 0 0 \(flags)")
            #expect(try PayloadTesting.decode(p, FilterLoadMessage.decode).flags == value)
        }
        let (c2, p2) = try composeLine("filteradd 0123")
        #expect(c2 == "filteradd")
        #expect(try PayloadTesting.decode(p2, FilterAddMessage.decode) == FilterAddMessage(element: [1, 0x23]))

        let (c3, p3) = try composeLine("getcfilters basic 800000 \(composerHash)")
        #expect(c3 == "getcfilters")
        #expect(try PayloadTesting.decode(p3, GetCFiltersMessage.decode) == GetCFiltersMessage(startHeight: 800_000, stopHash: composerWireHash))
        let (c4, p4) = try composeLine("getcfheaders 0x01 5 \(composerHash)")
        #expect(c4 == "getcfheaders")
        #expect(try PayloadTesting.decode(p4, GetCFHeadersMessage.decode) == GetCFHeadersMessage(filterType: 1, startHeight: 5, stopHash: composerWireHash))
        let (c5, p5) = try composeLine("getcfcheckpt basic \(composerOtherHash)")
        #expect(c5 == "getcfcheckpt")
        #expect(try PayloadTesting.decode(p5, GetCFCheckptMessage.decode) == GetCFCheckptMessage(stopHash: composerOtherWire))

        let (c6, p6) = try composeLine("feature BIP434v2 010203")
        #expect(c6 == "feature")
        #expect(try PayloadTesting.decode(p6, FeatureMessage.decode) == FeatureMessage(featureID: "BIP434v2", data: [1, 2, 3]))
        #expect(try PayloadTesting.decode(try composeLine("feature BIP1").payload, FeatureMessage.decode) == FeatureMessage(featureID: "BIP1"))
    }

    /// Every form in the table composes from an example, so the table and compose agree.
    @Test func everyFormComposes() throws {
        let examples: [String: String] = [
            "inv": "inv tx:\(composerHash)", "getdata": "getdata wtx:\(composerHash)", "notfound": "notfound block:\(composerHash)",
            "getheaders": "getheaders \(composerHash)", "getblocks": "getblocks", "ping": "ping", "pong": "pong 1",
            "feefilter": "feefilter 1", "sendcmpct": "sendcmpct 0 2", "sendtxrcncl": "sendtxrcncl 1 2",
            "tx": "tx " + String(repeating: "00", count: 10), "block": "block " + String(repeating: "00", count: 81),
            "headers": "headers -", "getblocktxn": "getblocktxn \(composerHash) 1", "filterload": "filterload 00 1 2 none",
            "filteradd": "filteradd 00", "getcfilters": "getcfilters basic 1 \(composerHash)",
            "getcfheaders": "getcfheaders basic 1 \(composerHash)", "getcfcheckpt": "getcfcheckpt basic \(composerHash)",
            "feature": "feature BIP434", "raw": "raw x -",
        ]
        for (command, usage) in MessageComposer.forms {
            #expect(usage.hasPrefix(command))
            let line = examples[command] ?? command
            #expect(try composeLine(line).command == (command == "raw" ? "x" : command), "\(line)")
        }
        #expect(Set(MessageComposer.forms.map(\.command)).count == MessageComposer.forms.count)
    }

    @Test func completions() {
        #expect(MessageComposer.completions(for: ["getc"]) == ["getcfilters", "getcfheaders", "getcfcheckpt"])
        #expect(MessageComposer.completions(for: [""]).count == MessageComposer.forms.count)
        #expect(MessageComposer.completions(for: []).count == MessageComposer.forms.count)
        #expect(MessageComposer.completions(for: ["getdata", "w"]) == ["wtx:", "wtxid:", "witnesstx:", "wblock:"])
        #expect(MessageComposer.completions(for: ["inv", "tx:\(composerHash)", ""]).contains("cmpctblock:"))
        #expect(MessageComposer.completions(for: ["inv", "tx:00"]) == [])
        #expect(MessageComposer.completions(for: ["getheaders", "--"]) == ["--stop"])
        #expect(MessageComposer.completions(for: ["getheaders", "--stop", ""]) == [])
        #expect(MessageComposer.completions(for: ["getheaders", "--stop", composerHash, "-"]) == [])
        #expect(MessageComposer.completions(for: ["getcfilters", "b"]) == ["basic"])
        #expect(MessageComposer.completions(for: ["getcfilters", "basic", "b"]) == [])
        #expect(MessageComposer.completions(for: ["filterload", "00", "1", "2", "p"]) == ["p2pubkeyonly"])
        #expect(MessageComposer.completions(for: ["raw", "sendc"]) == ["sendcmpct"])
        #expect(MessageComposer.completions(for: ["ping", ""]) == [])
    }

    /// Each malformed argument gives one line naming the command, the argument's position
    /// and the word as typed.
    @Test(arguments: [
        (["getdata", "tx:\(composerHash)", "wblock:zz"], "getdata: argument 2 'wblock:zz': a hash is 64 hex digits"),
        (["getdata", "tx:\(composerHash)", "wblock:\(composerHash)00"], "getdata: argument 2 'wblock:000000000003ba27aa200b1cecaad478d…': a hash is 64 hex digits"),
        (["inv", composerHash], "inv: argument 1 '000000000003ba27aa200b1cecaad478d2b00432…': an item is TYPE:HASH, TYPE one of tx|block|filteredblock|cmpctblock|wtx|wtxid|witnesstx|wblock or a number"),
        (["inv", "foo:\(composerHash)"], "inv: argument 1 'foo:000000000003ba27aa200b1cecaad478d2b0…': unknown item type 'foo' (tx|block|filteredblock|cmpctblock|wtx|wtxid|witnesstx|wblock or a number)"),
        (["notfound", "0x1ffffffff:\(composerHash)"], "notfound: argument 1 '0x1ffffffff:000000000003ba27aa200b1cecaa…': unknown item type '0x1ffffffff' (tx|block|filteredblock|cmpctblock|wtx|wtxid|witnesstx|wblock or a number)"),
        (["getdata"], "getdata: argument 1: ITEM is missing: at least 1 needed (usage: getdata ITEM… (ITEM: tx|block|wtx|wblock|witnesstx|filteredblock|cmpctblock|NUMBER:HASH))"),
        (["getheaders", "xyz"], "getheaders: argument 1 'xyz': a hash is 64 hex digits"),
        (["getheaders", composerHash, "--stop"], "getheaders: argument 3: the value of --stop is missing (usage: getheaders [--stop HASH] HASH… (0 to 101 locator hashes, newest first))"),
        (["getblocks", "--stop", composerHash, "--stop", composerHash], "getblocks: argument 3 '--stop': --stop is given twice"),
        (["getblocks", "--stop", "zz"], "getblocks: argument 2 'zz': a hash is 64 hex digits"),
        (["ping", "1", "2"], "ping: argument 2 '2': unexpected extra argument (usage: ping [NONCE] (decimal or 0x-hex; random when absent))"),
        (["ping", "-1"], "ping: argument 1 '-1': a number from 0 to 18446744073709551615, decimal or 0x-hex"),
        (["ping", "0x"], "ping: argument 1 '0x': a number from 0 to 18446744073709551615, decimal or 0x-hex"),
        (["ping", "18446744073709551616"], "ping: argument 1 '18446744073709551616': a number from 0 to 18446744073709551615, decimal or 0x-hex"),
        (["pong"], "pong: argument 1: NONCE is missing (usage: pong NONCE)"),
        (["feefilter", "9223372036854775808"], "feefilter: argument 1 '9223372036854775808': a fee rate is at most 9223372036854775807"),
        (["feefilter", "1.5"], "feefilter: argument 1 '1.5': a number from 0 to 18446744073709551615, decimal or 0x-hex"),
        (["sendcmpct", "2", "1"], "sendcmpct: argument 1 '2': announce is 0 or 1"),
        (["sendcmpct", "1"], "sendcmpct: argument 2: VERSION is missing (usage: sendcmpct 0|1 VERSION)"),
        (["sendtxrcncl", "4294967296", "1"], "sendtxrcncl: argument 1 '4294967296': a number from 0 to 4294967295, decimal or 0x-hex"),
        (["sendtxrcncl", "1", "0x1ffffffffffffffff"], "sendtxrcncl: argument 2 '0x1ffffffffffffffff': a number from 0 to 18446744073709551615, decimal or 0x-hex"),
        (["tx", "zz"], "tx: argument 1 'zz': not hex: 'z' at character 1 is not a hex digit"),
        (["tx", "0102"], "tx: argument 1 '0102': 2 bytes is too short for a transaction (at least 10)"),
        (["tx", "-"], "tx: argument 1 '-': not hex: '-' at character 1 is not a hex digit"),
        (["tx", ""], "tx: argument 1 '': no bytes given"),
        (["block"], "block: argument 1: HEX is missing (usage: block HEX (a serialized block))"),
        (["headers", "00"], "headers: argument 1 '00': 1 byte is not a whole number of 80-byte headers"),
        (["headers", "-", "-"], "headers: argument 2 '-': unexpected extra argument (usage: headers HEX (80-byte headers concatenated, or - for none))"),
        (["getblocktxn", composerHash], "getblocktxn: argument 2: INDEX is missing: at least 1 needed (usage: getblocktxn HASH INDEX… (absolute, increasing))"),
        (["getblocktxn", composerHash, "5", "5"], "getblocktxn: argument 3 '5': indexes must increase (the previous is 5)"),
        (["getblocktxn", composerHash, "65536"], "getblocktxn: argument 2 '65536': a number from 0 to 65535, decimal or 0x-hex"),
        (["getblocktxn", "x", "1"], "getblocktxn: argument 1 'x': a hash is 64 hex digits"),
        (["filterload", "00", "51", "0", "0"], "filterload: argument 2 '51': at most 50 hash functions (Core's MAX_HASH_FUNCS)"),
        (["filterload", "00", "1", "0", "sometimes"], "filterload: argument 4 'sometimes': flags are none, all, p2pubkeyonly or a number 0-255"),
        (["filterload", "00", "1", "0"], "filterload: argument 4: FLAGS is missing (usage: filterload HEX NHASHFUNCS TWEAK FLAGS (FLAGS: none|all|p2pubkeyonly|0-255))"),
        (["filterload", String(repeating: "00", count: 36_001), "1", "0", "0"], "filterload: argument 1 '0000000000000000000000000000000000000000…': 36001 bytes, at most 36000 (Core's MAX_BLOOM_FILTER_SIZE)"),
        (["filteradd", String(repeating: "ab", count: 521)], "filteradd: argument 1 'abababababababababababababababababababab…': 521 bytes, at most 520"),
        (["getcfilters", "fancy", "0", composerHash], "getcfilters: argument 1 'fancy': a filter type is basic or a number 0-255"),
        (["getcfheaders", "basic", "0"], "getcfheaders: argument 3: STOPHASH is missing (usage: getcfheaders TYPE START STOPHASH (TYPE: basic|0-255))"),
        (["getcfilters", "256", "0", composerHash], "getcfilters: argument 1 '256': a filter type is basic or a number 0-255"),
        (["getcfcheckpt", "basic", composerHash, "x"], "getcfcheckpt: argument 3 'x': unexpected extra argument (usage: getcfcheckpt TYPE STOPHASH (TYPE: basic|0-255))"),
        (["feature", "BIP"], "feature: argument 1 'BIP': a feature id is 4 to 80 bytes, got 3"),
        (["feature", "BIP434", "0g"], "feature: argument 2 '0g': not hex: 'g' at character 2 is not a hex digit"),
        (["raw", "thirteenchars", "-"], "raw: argument 1 'thirteenchars': a command is 1 to 12 bytes, got 13"),
        (["raw", "", "-"], "raw: argument 1 '': a command is 1 to 12 bytes, got 0"),
        (["raw", "bell\u{7}", "-"], "raw: argument 1 'bell\u{FFFD}': a command is printable ASCII"),
        (["raw", "ok"], "raw: argument 2: HEX is missing (usage: raw COMMAND HEX (any command of 1 to 12 printable characters; HEX may be - for none))"),
        (["verack", "x"], "verack: argument 1 'x': unexpected extra argument (usage: verack)"),
        ([], "compose: no command given"),
    ] as [([String], String)])
    func errorsNameTheArgument(_ words: [String], _ expected: String) throws {
        let error = try #require(composeError(words))
        #expect(error.description == expected)
        #expect(!error.description.contains("\n"))
        if let n = error.argument, words.count > n {
            #expect(error.word == words[n])
            #expect(error.description.contains("argument \(n) '"))
        }
    }

    @Test func unknownCommandAndLongLists() throws {
        let unknown = try #require(composeError(["frob"]))
        #expect(unknown.description.hasPrefix("frob: unknown command (commands: inv getdata notfound "))
        #expect(unknown.description.hasSuffix("; raw COMMAND HEX sends any other)"))

        let tooMany = try #require(composeError(["inv"] + [String](repeating: "tx:\(composerHash)", count: 50_001)))
        #expect(tooMany.argument == 50_001)
        #expect(tooMany.description.hasSuffix(": more than 50000 items (Core's MAX_INV_SZ)"))

        let locator = try #require(composeError(["getheaders"] + [String](repeating: composerHash, count: 102)))
        #expect(locator.description == "getheaders: 102 locator hashes, at most 101 (Core's MAX_LOCATOR_SZ)")

        // A newline in a word cannot break the one line.
        let newline = try #require(composeError(["tx", "ab\ncd"]))
        #expect(newline.description == "tx: argument 1 'ab\u{FFFD}cd': 2 bytes is too short for a transaction (at least 10)")
        let longCommand = try #require(composeError([String(repeating: "x", count: 100)]))
        #expect(longCommand.description.hasPrefix("xxxxxxxxxxxxxxxx…: unknown command"))
    }
}
