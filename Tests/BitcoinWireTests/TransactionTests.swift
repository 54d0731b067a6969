import Testing
@testable import BitcoinWire

/// Decodes a whole `tx` payload (what Message.decode will do: decode, then expectEnd).
func decodeTx(_ bytes: [UInt8], offset: Int = 24) throws(WireError) -> Transaction {
    var r = WireReader(bytes[...], offset: offset)
    let tx = try Transaction.decode(&r)
    try r.expectEnd()
    return tx
}

func txFields(_ bytes: [UInt8]) -> (fields: [Field], error: WireError?) {
    FieldTrace.run(bytes[...], offset: 24) { (r: inout WireReader) throws(WireError) in
        _ = try Transaction.decode(&r)
        try r.expectEnd()
    }
}

enum TxVectors {
    /// rust-bitcoin `test_txid` (src/blockdata/transaction.rs), "segwit tx from Liquid
    /// integration tests, txid/hash from Core decoderawtransaction": wtxid d6ac4a5e…,
    /// txid 9652aa62…, weight 2718.
    static let liquidSegwit = hex("""
        01000000000102ff34f95a672bb6a4f6ff4a7e90fa8c7b3be7e70ffc39bc99be3bda67942e836c00000000\
        23220020cde476664d3fa347b8d54ef3aee33dcb686a65ced2b5207cbf4ec5eda6b9b46e4f414d4c934ad8\
        1d330314e888888e3bd22c7dde8aac2ca9227b30d7c40093248af7812201000000232200200af6f6a071a6\
        9d5417e592ed99d256ddfd8b3b2238ac73f5da1b06fc0b2e79d54f414d4c0ba0c8f505000000001976a914\
        dcb5898d9036afad9209e6ff0086772795b1441088ac033c0f000000000017a914889f8c10ff2bd4bb9dab\
        b68c5c0d700a46925e6c87033c0f000000000017a914889f8c10ff2bd4bb9dabb68c5c0d700a46925e6c87\
        033c0f000000000017a914889f8c10ff2bd4bb9dabb68c5c0d700a46925e6c87033c0f000000000017a914\
        889f8c10ff2bd4bb9dabb68c5c0d700a46925e6c87033c0f000000000017a914889f8c10ff2bd4bb9dabb6\
        8c5c0d700a46925e6c87033c0f000000000017a914889f8c10ff2bd4bb9dabb68c5c0d700a46925e6c8703\
        3c0f000000000017a914889f8c10ff2bd4bb9dabb68c5c0d700a46925e6c87033c0f000000000017a91488\
        9f8c10ff2bd4bb9dabb68c5c0d700a46925e6c87033c0f000000000017a914889f8c10ff2bd4bb9dabb68c\
        5c0d700a46925e6c87033c0f000000000017a914889f8c10ff2bd4bb9dabb68c5c0d700a46925e6c870500\
        47304402200380b8663e727d7e8d773530ef85d5f82c0b067c97ae927800a0876a1f01d8e2022021ee611e\
        f6507dfd217add2cd60a8aea3cbcfec034da0bebf3312d19577b8c290147304402207bd9943ce1c2c5547b\
        120683fd05d78d23d73be1a5b5a2074ff586b9c853ed4202202881dcf435088d663c9af7b23efb3c03b9db\
        c0c899b247aa94a74d9b4b3c84f501483045022100ba12bba745af3f18f6e56be70f8382ca8e107d1ed5ce\
        aa3e8c360d5ecf78886f022069b38ebaac8fe6a6b97b497cbbb115f3176f7213540bef08f9292e5a72de52\
        de01695321023c9cd9c6950ffee24772be948a45dc5ef1986271e46b686cb52007bac214395a2102756e27\
        cb004af05a6e9faed81fd68ff69959e3c64ac8c9f6cd0e08fd0ad0e75d2103fa40da236bd82202a985a910\
        4e851080b5940812685769202a3b43e4a8b13e6a53ae050048304502210098b9687b81d725a7970d1eee91\
        ff6b89bc9832c2e0e3fb0d10eec143930b006f02206f77ce19dc58ecbfef9221f81daad90bb4f468df3912\
        12abc4f084fe2cc9bdef01483045022100e5479f81a3ad564103da5e2ec8e12f61f3ac8d312ab68763c1dd\
        d7bae94c20610220789b81b7220b27b681b1b2e87198897376ba9d033bc387f084c8b8310c8539c2014830\
        45022100aa1cc48a2d256c0e556616444cc08ae4959d464e5ffff2ae09e3550bdab6ce9f02207192d5e332\
        9a56ba7b1ead724634d104f1c3f8749fe6081e6233aee3e855817a016953210260de9cc68658c61af984e3\
        ab0281d17cfca1cc035966d335f474932d5e6c5422210355fbb768ce3ce39360277345dbb5f376e706459e\
        5a2b5e0e09a535e61690647021023222ceec58b94bd25925dd9743dae6b928737491bd940fc5dd7c6f5d5f\
        2adc1e53ae00000000
        """)

    /// rust-bitcoin `test_txid`: a legacy transaction, txid 971ed48a… (from Core).
    static let legacyOpReturn = hex("""
        01000000010c7196428403d8b0c88fcb3ee8d64f56f55c8973c9ab7dd106bb4f3527f5888d000000006a47\
        30440220503a696f55f2c00eee2ac5e65b17767cd88ed04866b5637d3c1d5d996a70656d02202c9aff698f\
        343abb6d176704beda63fcdec503133ea4f6a5216b7f925fa9910c0121024d89b5a13d6521388969209df2\
        7a8469bd565aff10e8d42cef931fad5121bfb8ffffffff02b825b404000000001976a914ef79e7ee9fff98\
        bcfd08473d2b76b02a48f8c69088ac0000000000000000296a273236303039343836393731373233313237\
        3633313032313332353630353838373931323132373000000000
        """)

    /// rust-bitcoin `test_segwit_tx_decode`: testnet coinbase 4be105f1…, "the first
    /// BIP144-encoded transaction" seen there, weight 780, with a witness commitment.
    static let testnetSegwitCoinbase = hex("010000000001010000000000000000000000000000000000000000000000000000000000000000ffffffff3603da1b0e00045503bd5704c7dd8a0d0ced13bb5785010800000000000a636b706f6f6c122f4e696e6a61506f6f6c2f5345475749542fffffffff02b4e5a212000000001976a914876fbb82ec05caa6af7a3b5e5a983aae6c6cc6d688ac0000000000000000266a24aa21a9edf91c46b49eb8a29089980f02ee6b57e7d63d33b18b4fddac2bcd7db2a39837040120000000000000000000000000000000000000000000000000000000000000000000000000")
}

@Suite("tx: BIP144 transactions")
struct TransactionTests {
    @Test func segwitTxidWtxidAndWeightMatchCore() throws {
        let tx = try decodeTx(TxVectors.liquidSegwit)
        #expect(tx.txid.displayHex == "9652aa62b0e748caeec40c4cb7bc17c6792435cc3dfe447dd1ca24f912a1c6ec")
        #expect(tx.wtxid.displayHex == "d6ac4a5e61657c4c604dcde855a1db74ec6b3e54f32695d72c5e11c7761ea1b4")
        #expect(tx.weight == 2718)
        #expect(tx.vsize == 680)
        #expect(tx.size == TxVectors.liquidSegwit.count)
        #expect(tx.inputs.count == 2)
        #expect(tx.inputs[0].witness.count == 5)
        #expect(tx.inputs[0].scriptSig.bytes.count == 35)
        #expect(tx.hasWitness)
        #expect(tx.bytes == TxVectors.liquidSegwit)
        // Rebuilt from its parts, the hashes come out the same through encoding.
        let rebuilt = Transaction(version: tx.version, inputs: tx.inputs, outputs: tx.outputs, lockTime: tx.lockTime)
        #expect(rebuilt == tx)
    }

    @Test func legacyTxid() throws {
        let tx = try decodeTx(TxVectors.legacyOpReturn)
        #expect(tx.txid.displayHex == "971ed48a62c143bbd9c87f4bafa2ef213cfa106c6e140f111931d0be307468dd")
        #expect(tx.wtxid == tx.txid)
        #expect(!tx.hasWitness)
        #expect(tx.weight == 4 * tx.size)
        #expect(tx.outputs.map(\.scriptPubKey.type) == [.p2pkh, .opReturn])
        #expect(tx.outputs[0].value == 78_915_000)
        #expect(tx.outputs[0].btc == "0.78915")
        #expect(tx.bytes == TxVectors.legacyOpReturn)
        #expect(tx.summary == "tx 971e…dd 1 in 2 out 0.78915 BTC \(tx.vsize) vB")
    }

    @Test func segwitCoinbase() throws {
        let tx = try decodeTx(TxVectors.testnetSegwitCoinbase)
        #expect(tx.txid.displayHex == "4be105f158ea44aec57bf12c5817d073a712ab131df6f37786872cfc70734188")
        #expect(tx.weight == 780)
        #expect(tx.isCoinbase)
        #expect(tx.inputs[0].scriptSig.firstPushNumber == 924_634)
        #expect(tx.inputs[0].witness == [[UInt8](repeating: 0, count: 32)[...]])
        #expect(tx.bytes == TxVectors.testnetSegwitCoinbase)
    }

    @Test(arguments: [TxVectors.liquidSegwit, TxVectors.legacyOpReturn, TxVectors.testnetSegwitCoinbase])
    func truncationAtEveryOffsetThrows(_ bytes: [UInt8]) {
        for n in 0..<bytes.count {
            let result = Result { () throws(WireError) -> Transaction in try decodeTx(Array(bytes.prefix(n))) }
            guard case let .failure(error) = result else {
                Issue.record("prefix of \(n) bytes decoded")
                continue
            }
            if case .truncated = error {} else { Issue.record("prefix \(n): \(error)") }
            // The field tree stops at the same error.
            #expect(txFields(Array(bytes.prefix(n))).error == error)
        }
    }

    @Test func lyingCountsAreRefusedBeforeAllocation() {
        // version, then 0xff CompactSize of 2^32-1 inputs.
        let inputs = hex("01000000") + [0xfe, 0xff, 0xff, 0xff, 0xff] + [UInt8](repeating: 0, count: 50)
        #expect(throws: WireError.countTooLarge(field: "tx_in_count", count: 0xffff_ffff, limit: Transaction.maxInputs, offset: 28)) {
            try decodeTx(inputs)
        }
        // 1 input claimed, 0xfc outputs with 30 bytes left.
        var w = WireWriter()
        w.write(Int32(1))
        w.writeCompactSize(1)
        w.write(bytes: [UInt8](repeating: 0, count: 36))
        w.writeCompactSize(0)
        w.write(UInt32(0))
        w.write(UInt8(0xfc))
        w.write(bytes: [UInt8](repeating: 0, count: 30))
        let result = Result { () throws(WireError) -> Transaction in try decodeTx(w.bytes) }
        guard case .failure(.truncated(field: "tx_out_count", _, needed: 0xfc * 9, _)) = result else {
            Issue.record("\(result)")
            return
        }
    }

    @Test func scriptSigAboveMaxScriptSizeIsRefused() {
        var w = WireWriter()
        w.write(Int32(1))
        w.writeCompactSize(1)
        w.write(bytes: [UInt8](repeating: 0, count: 36))
        w.writeVarBytes([UInt8](repeating: 0x51, count: 10_001))
        w.write(UInt32(0))
        w.writeCompactSize(0)
        w.write(UInt32(0))
        #expect(throws: WireError.lengthTooLarge(field: "script_sig", length: 10_001, limit: 10_000, offset: 24 + 41)) {
            try decodeTx(w.bytes)
        }
    }

    @Test func nonCanonicalCompactSizeIsRefused() {
        // One input written as fd 01 00.
        let bytes = hex("01000000") + [0xfd, 0x01, 0x00] + [UInt8](repeating: 0, count: 60)
        #expect(throws: WireError.nonCanonicalCompactSize(offset: 28, value: 1)) { try decodeTx(bytes) }
    }

    @Test func badSegwitFlagIsAnInvalidValueAtTheFlag() {
        var bytes = TxVectors.liquidSegwit
        bytes[5] = 0x02
        let result = Result { () throws(WireError) -> Transaction in try decodeTx(bytes) }
        guard case .failure(.invalidValue(field: "flag", offset: 29, _)) = result else {
            Issue.record("\(result)")
            return
        }
    }

    @Test func segwitWithAllWitnessesEmptyIsRefused() {
        // The legacy vector re-serialized with marker, flag and one empty witness stack.
        let legacy = TxVectors.legacyOpReturn
        let bytes = Array(legacy.prefix(4)) + [0, 1] + Array(legacy.dropFirst(4).dropLast(4)) + [0] + Array(legacy.suffix(4))
        let result = Result { () throws(WireError) -> Transaction in try decodeTx(bytes) }
        guard case .failure(.invalidValue(field: "marker", offset: 28, _)) = result else {
            Issue.record("\(result)")
            return
        }
    }

    @Test func fieldTreeNamesScriptsAndHashes() throws {
        let (fields, error) = txFields(TxVectors.legacyOpReturn)
        #expect(error == nil)
        #expect(fields.map(\.name) == ["version", "tx_in_count", "tx_in[0]", "tx_out_count", "tx_out[0]", "tx_out[1]",
                                       "lock_time", "txid", "wtxid", "size", "weight", "vsize"])
        let out0 = try #require(fields.first { $0.name == "tx_out[0]" })
        #expect(out0["value"]?.value == .text("0.78915 BTC"))
        let spk = try #require(out0["script_pubkey"])
        #expect(spk["type"]?.value == .text("p2pkh"))
        #expect(spk["asm"]?.value == .text("OP_DUP OP_HASH160 <20 bytes: ef79e7ee9fff98bcfd08473d2b76b02a48f8c690> OP_EQUALVERIFY OP_CHECKSIG"))
        #expect(spk["address"] != nil)
        #expect(fields.first { $0.name == "txid" }?.value == .hash("971ed48a62c143bbd9c87f4bafa2ef213cfa106c6e140f111931d0be307468dd"))
        // Witness stacks of a segwit transaction.
        let segwit = txFields(TxVectors.testnetSegwitCoinbase).fields
        #expect(segwit.map(\.name).prefix(3) == ["version", "marker", "flag"])
        let witness = try #require(segwit.first { $0.name == "witness[0]" })
        #expect(witness.children.map(\.name) == ["item_count", "item[0]"])
        #expect(witness.children[1].range.count == 33)
    }
}

@Suite("tx: coinbase field tree")
struct CoinbaseFieldTests {
    @Test func coinbaseScriptSigShowsItsHeight() throws {
        let fields = txFields(TxVectors.testnetSegwitCoinbase).fields
        let input = try #require(fields.first { $0.name == "tx_in[0]" })
        #expect(input["script_sig"]?["height"]?.value == .int(924_634))
        let legacy = txFields(TxVectors.legacyOpReturn).fields
        #expect(legacy.first { $0.name == "tx_in[0]" }?["script_sig"]?["height"] == nil)
    }
}
