import Testing
@testable import BitcoinWire

@Suite("Scripts, Base58Check, Bech32/Bech32m")
struct ScriptTests {
    /// BIP350's valid segwit address vectors (BIP173's, with v1+ moved to Bech32m).
    static let bip350Valid: [(String, String)] = [
        ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"),
        ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
         "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"),
        ("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
         "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"),
        ("BC1SW50QGDZ25J", "6002751e"),
        ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"),
        ("tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
         "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"),
        ("tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
         "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
         "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
    ]

    @Test(arguments: bip350Valid)
    func bip350AddressesFromScripts(_ vector: (String, String)) throws {
        let (address, scriptHex) = vector
        let script = Script(hex(scriptHex))
        let network: Network = address.lowercased().hasPrefix("bc") ? .mainnet : .testnet3
        #expect(script.address(for: network) == address.lowercased())
        let hrp = network.addressParameters.bech32HRP
        let decoded = try #require(Bech32.decodeSegwitAddress(hrp: hrp, address))
        let program = try #require(script.witnessProgram)
        #expect(decoded.version == program.version)
        #expect(decoded.program == Array(program.program))
    }

    /// BIP350's invalid vectors: the wrong checksum variant for the witness version.
    @Test(arguments: [
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
        "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
        "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
    ])
    func bip350InvalidAddresses(_ address: String) {
        let hrp = address.lowercased().hasPrefix("bc") ? "bc" : "tb"
        #expect(Bech32.decodeSegwitAddress(hrp: hrp, address) == nil)
    }

    /// Bitcoin Core's src/test/data/base58_encode_decode.json.
    @Test(arguments: [
        ("", ""), ("61", "2g"), ("626262", "a3gV"), ("636363", "aPEr"),
        ("73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"),
        ("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"),
        ("516b6fcd0f", "ABnLTmg"), ("bf4f89001e670274dd", "3SEo3LWLoPntC"), ("572e4794", "3EFU7m"),
        ("ecac89cad93923c02321", "EJDM8drfXA6uyA"), ("10c8511e", "Rt5zm"), ("00000000000000000000", "1111111111"),
    ])
    func base58CoreVectors(_ vector: (String, String)) {
        #expect(Base58.encode(hex(vector.0)) == vector.1)
        #expect(Base58.decode(vector.1) == hex(vector.0))
    }

    @Test func base58CheckAddresses() {
        // The genesis coinbase key's hash160: Satoshi's well known 1A1zP1eP… address.
        let p2pkh = Script(hex("76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac"))
        #expect(p2pkh.type == .p2pkh)
        #expect(p2pkh.address(for: .mainnet) == "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
        let testnet = p2pkh.address(for: .testnet3)
        #expect(testnet.flatMap(Base58.checkDecode) == [0x6f] + hex("62e907b15cbf27d5425399ebf6f0fb50ebb88f18"))
        let p2sh = Script(hex("a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1887"))
        #expect(p2sh.type == .p2sh)
        #expect(p2sh.address(for: .mainnet).flatMap(Base58.checkDecode) == [0x05] + hex("62e907b15cbf27d5425399ebf6f0fb50ebb88f18"))
        #expect(p2sh.address(for: .mainnet)?.hasPrefix("3") == true)
        #expect(p2sh.address(for: .regtest)?.hasPrefix("2") == true)
        #expect(Base58.checkDecode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb") == nil)
        #expect(Script(hex("0014751e76e8199196d454941c45d1b3a323f1433bd6")).address(for: .regtest)?.hasPrefix("bcrt1q") == true)
    }

    @Test func scriptTypes() {
        let key33 = "21" + String(repeating: "02", count: 33)
        #expect(Script(hex(key33 + "ac")).type == .p2pk)
        #expect(Script(hex("51" + key33 + key33 + "52ae")).type == .multisig)
        #expect(Script(hex("52" + key33 + "51ae")).type == .unknown)
        #expect(Script(hex("6a")).type == .opReturn)
        #expect(Script(hex("0014" + String(repeating: "00", count: 20))).type == .p2wpkh)
        #expect(Script(hex("0020" + String(repeating: "00", count: 32))).type == .p2wsh)
        #expect(Script(hex("5120" + String(repeating: "00", count: 32))).type == .p2tr)
        #expect(Script(hex("6002751e")).type == .witnessUnknown(version: 16))
        #expect(Script(hex("0015" + String(repeating: "00", count: 21))).type == .unknown)
        #expect(Script([]).type == .unknown)
        #expect(Script(hex(key33 + "ac")).address(for: .mainnet) == nil)
    }

    @Test func asmRendersPushesAndNeverTraps() {
        #expect(Script(hex("76a914000102030405060708090a0b0c0d0e0f1011121388ac")).asm
                == "OP_DUP OP_HASH160 <20 bytes: 000102030405060708090a0b0c0d0e0f10111213> OP_EQUALVERIFY OP_CHECKSIG")
        #expect(Script(hex("00515f60")).asm == "OP_0 OP_1 OP_15 OP_16")
        #expect(Script(hex("4c02abcd")).asm == "OP_PUSHDATA1 <2 bytes: abcd>")
        #expect(Script(hex("4d0100ff")).asm == "OP_PUSHDATA2 <1 byte: ff>")
        #expect(Script(hex("4e00000000")).asm == "OP_PUSHDATA4 <0 bytes: >")
        #expect(Script(hex("ba b1 b2 bb ff")).asm == "OP_CHECKSIGADD OP_CHECKLOCKTIMEVERIFY OP_CHECKSEQUENCEVERIFY OP_UNKNOWN_0xbb OP_INVALIDOPCODE")
        #expect(Script(hex("14abcd")).asm == "[error: OP_PUSHBYTES_20 pushes 20 bytes, 2 left]")
        #expect(Script(hex("4d01")).asm == "[error: OP_PUSHDATA2 pushes 2 bytes, 1 left]")
        // Every 3-byte script renders without trapping.
        for a in 0...255 {
            for b in [0, 1, 0x4c, 0xff] { _ = Script([UInt8(a), UInt8(b), 0xff]).asm }
        }
    }

    @Test func scriptNumbers() {
        #expect(Script(hex("03204e0d")).firstPushNumber == 871_968)
        #expect(Script(hex("51")).firstPushNumber == 1)
        #expect(Script(hex("60")).firstPushNumber == 16)
        #expect(Script(hex("0181")).firstPushNumber == -1)
        #expect(Script(hex("028000")).firstPushNumber == 128)
        #expect(Script(hex("")).firstPushNumber == nil)
    }

    @Test func amounts() {
        #expect(Amount.btc(1_510_000) == "0.0151")
        #expect(Amount.btc(5_000_000_000) == "50")
        #expect(Amount.btc(-1) == "-0.00000001")
        #expect(Amount.btc(.min) == "-92233720368.54775808")
        #expect(Amount.grouped(2345) == "2,345")
        #expect(Amount.grouped(850_000) == "850,000")
        #expect(Amount.grouped(999) == "999")
        #expect(Amount.grouped(1_000_000) == "1,000,000")
    }
}
