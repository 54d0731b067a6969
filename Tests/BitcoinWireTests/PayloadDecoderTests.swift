import NodeHarness
import Testing
@testable import BitcoinWire

/// One payload type's decoder and encoder, erased so that one table covers them all.
private struct PayloadCodec: Sendable {
    var name: String
    var decode: @Sendable ([UInt8]) throws(WireError) -> AnyHashable
    var encode: @Sendable (AnyHashable) -> [UInt8]?

    init<T: Hashable & Sendable>(
        _ name: String, _ decode: @escaping @Sendable (inout WireReader) throws(WireError) -> T,
        _ encode: @escaping @Sendable (T, inout WireWriter) -> Void
    ) {
        self.name = name
        self.decode = { (bytes: [UInt8]) throws(WireError) -> AnyHashable in
            var r = WireReader(bytes[...])
            let v = try decode(&r)
            try r.expectEnd()
            return AnyHashable(v)
        }
        self.encode = { value in
            guard let v = value.base as? T else { return nil }
            var w = WireWriter()
            encode(v, &w)
            return w.bytes
        }
    }
}

/// Helpers shared by the payload and composer tests (in a namespace, so that other test
/// files can use the same short names).
enum PayloadTesting {
    /// Decodes a whole payload with `decode`, requiring every byte to be read.
    static func decode<T>(_ bytes: [UInt8], _ decode: (inout WireReader) throws(WireError) -> T) throws(WireError) -> T {
        var r = WireReader(bytes[...])
        let v = try decode(&r)
        try r.expectEnd()
        return v
    }

    /// The field tree `decode` records for `bytes` (offsets from the payload's start).
    static func fields<T>(_ bytes: [UInt8], _ decode: (inout WireReader) throws(WireError) -> T) -> [Field] {
        let tracer = FieldTracer()
        var r = WireReader(bytes[...], offset: 0, tracer: tracer)
        _ = try? decode(&r)
        while tracer.depth > 1 { tracer.end(at: r.offset) }
        return tracer.fields
    }

    static func encoded(_ encode: (inout WireWriter) -> Void) -> [UInt8] {
        var w = WireWriter()
        encode(&w)
        return w.bytes
    }
}

private func decodePayload<T>(_ bytes: [UInt8], _ decode: (inout WireReader) throws(WireError) -> T) throws(WireError) -> T {
    try PayloadTesting.decode(bytes, decode)
}

private func traceFields<T>(_ bytes: [UInt8], _ decode: (inout WireReader) throws(WireError) -> T) -> [Field] {
    PayloadTesting.fields(bytes, decode)
}

private func payloadBytes(_ encode: (inout WireWriter) -> Void) -> [UInt8] { PayloadTesting.encoded(encode) }

/// Block 100,000 of mainnet (any block explorer): its header and its four txids.
private enum Block100000 {
    static let hashHex = "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506"
    static let txidsDisplay = [
        "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
        "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
        "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
        "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
    ]
    static var txids: [[UInt8]] { txidsDisplay.map { Array(hex($0).reversed()) } }
    static let header = BlockHeader(
        version: 1,
        previousBlock: Array(hex("000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250").reversed()),
        merkleRoot: Array(hex("f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766").reversed()),
        timestamp: 1_293_623_863, bits: 0x1b04_864c, nonce: 274_148_111)
}

/// The `merkleblock` example of the Bitcoin developer reference ("P2P Network",
/// `merkleblock`; also in Dash's "Parsing a MerkleBlock"): 7 transactions, 4 hashes,
/// flags `1d`, and one match, hash #2.
private let developerReferenceMerkleBlock = hex(
    "01000000"
        + "82bb869cf3a793432a66e826e05a6fc37469f8efb7421dc88067010000000000"
        + "7f16c5962e8bd963659c793ce370d95f093bc7e367117b3c30c1f8fdd0d97287"
        + "76381b4d" + "4c86041b" + "554b8529"
        + "07000000" + "04"
        + "3612262624047ee87660be1a707519a443b1c1ce3d248cbfc6c15870f6c5daa2"
        + "019f5b01d4195ecbc9398fbf3c3b1fa9bb3183301d7a1fb3bd174fcfa40a2b65"
        + "41ed70551dd7e841883ab8f0b16bf04176b7d1480e4f0af9f3d4c3595768d068"
        + "20d2a7bc994987302e5b1ac80fc425fe25f8b63169ea78e68fbaaefa59379bbf"
        + "01" + "1d")

private let treeTestHeader = BlockHeader(version: 0x2000_0000, previousBlock: hash(4), merkleRoot: hash(5),
                               timestamp: 1_714_564_800, bits: 0x1703_4219, nonce: 0xdead_beef)

/// One or more payloads of every new type, as (codec, bytes).
private let newPayloadSamples: [(codec: PayloadCodec, bytes: [UInt8])] = {
    let merkle = PayloadCodec("merkleblock", MerkleBlockMessage.decode) { $0.encode(&$1) }
    let filterload = PayloadCodec("filterload", FilterLoadMessage.decode) { $0.encode(&$1) }
    let filteradd = PayloadCodec("filteradd", FilterAddMessage.decode) { $0.encode(&$1) }
    let getcfilters = PayloadCodec("getcfilters", GetCFiltersMessage.decode) { $0.encode(&$1) }
    let getcfheaders = PayloadCodec("getcfheaders", GetCFHeadersMessage.decode) { $0.encode(&$1) }
    let cfilter = PayloadCodec("cfilter", CFilterMessage.decode) { $0.encode(&$1) }
    let cfheaders = PayloadCodec("cfheaders", CFHeadersMessage.decode) { $0.encode(&$1) }
    let getcfcheckpt = PayloadCodec("getcfcheckpt", GetCFCheckptMessage.decode) { $0.encode(&$1) }
    let cfcheckpt = PayloadCodec("cfcheckpt", CFCheckptMessage.decode) { $0.encode(&$1) }
    let sendtxrcncl = PayloadCodec("sendtxrcncl", SendTxRcnclMessage.decode) { $0.encode(&$1) }
    let feature = PayloadCodec("feature", FeatureMessage.decode) { $0.encode(&$1) }
    let tree = PartialMerkleTree.build(txids: Block100000.txids, matched: [false, true, false, true])
    return [
        (merkle, developerReferenceMerkleBlock),
        (merkle, payloadBytes(MerkleBlockMessage(header: Block100000.header, tree: tree).encode)),
        // Malformed trees still decode.
        (merkle, payloadBytes(MerkleBlockMessage(header: treeTestHeader, tree: PartialMerkleTree(totalTransactions: 0, hashes: [], flags: [])).encode)),
        (merkle, payloadBytes(MerkleBlockMessage(header: treeTestHeader, tree: PartialMerkleTree(totalTransactions: 9, hashes: [hash(1)], flags: [0, 0])).encode)),
        (filterload, payloadBytes(FilterLoadMessage(filter: [0xb5, 0x0f], hashFunctions: 11, tweak: 0, flags: 1).encode)),
        (filterload, payloadBytes(FilterLoadMessage(filter: [], hashFunctions: 0, tweak: 0xffff_ffff, flags: 0x80).encode)),
        (filterload, payloadBytes(FilterLoadMessage(filter: [UInt8](repeating: 0xff, count: 36_000), hashFunctions: 50, tweak: 7, flags: 2).encode)),
        (filteradd, payloadBytes(FilterAddMessage(element: hash(3)).encode)),
        (filteradd, payloadBytes(FilterAddMessage(element: [UInt8](repeating: 1, count: 520)).encode)),
        (filteradd, payloadBytes(FilterAddMessage(element: []).encode)),
        (getcfilters, payloadBytes(GetCFiltersMessage(startHeight: 800_000, stopHash: hash(6)).encode)),
        (getcfheaders, payloadBytes(GetCFHeadersMessage(filterType: 7, startHeight: 0, stopHash: zeroHash).encode)),
        (cfilter, payloadBytes(CFilterMessage(blockHash: hash(7), filter: hex("0301234567")).encode)),
        (cfilter, payloadBytes(CFilterMessage(blockHash: hash(7), filter: [0]).encode)),
        (cfilter, payloadBytes(CFilterMessage(filterType: 1, blockHash: hash(7), filter: []).encode)),
        (cfilter, payloadBytes(CFilterMessage(blockHash: hash(7), filter: [0xfd, 0x01, 0x00]).encode)),
        (cfheaders, payloadBytes(CFHeadersMessage(stopHash: hash(8), previousFilterHeader: hash(9), filterHashes: [hash(10), hash(11)]).encode)),
        (cfheaders, payloadBytes(CFHeadersMessage(stopHash: hash(8), previousFilterHeader: hash(9), filterHashes: []).encode)),
        (cfheaders, payloadBytes(CFHeadersMessage(stopHash: hash(8), previousFilterHeader: hash(9),
                                             filterHashes: (0..<2000).map { hash(UInt8(truncatingIfNeeded: $0)) }).encode)),
        (getcfcheckpt, payloadBytes(GetCFCheckptMessage(stopHash: hash(12)).encode)),
        (cfcheckpt, payloadBytes(CFCheckptMessage(stopHash: hash(13), filterHeaders: [hash(14), hash(15), hash(16)]).encode)),
        (cfcheckpt, payloadBytes(CFCheckptMessage(stopHash: hash(13), filterHeaders: []).encode)),
        (sendtxrcncl, payloadBytes(SendTxRcnclMessage(version: 1, salt: 0x0123_4567_89ab_cdef).encode)),
        (feature, payloadBytes(FeatureMessage(featureID: "BIP434v2", data: [1, 2, 3]).encode)),
        (feature, payloadBytes(FeatureMessage(featureID: "BIP1").encode)),
        (feature, payloadBytes(FeatureMessage(featureID: [UInt8](repeating: 0x41, count: 80), data: [UInt8](repeating: 9, count: 512)).encode)),
    ]
}()

@Suite("Payload decoders: merkleblock, bloom filters, BIP157, BIP330, BIP434")
struct PayloadDecoderTests {
    @Test func roundTripsByteForByte() throws {
        for (codec, bytes) in newPayloadSamples {
            let value = try codec.decode(bytes)
            #expect(codec.encode(value) == bytes, "\(codec.name)")
        }
    }

    /// Every proper prefix throws (each payload ends in a required field), and never crashes.
    @Test func truncationAtEveryOffsetThrows() {
        for (codec, bytes) in newPayloadSamples where bytes.count < 5000 {
            for n in 0..<bytes.count {
                let result = Result { () throws(WireError) -> AnyHashable in try codec.decode(Array(bytes[..<n])) }
                guard case let .failure(error) = result else {
                    Issue.record("\(codec.name) decoded from \(n) of \(bytes.count) bytes")
                    continue
                }
                #expect(!error.description.isEmpty)
            }
        }
    }

    /// Mutated and random payloads: a decoder either throws or returns a value that
    /// re-encodes to exactly the input (every field is canonical), and the field tree,
    /// summary and merkle verdict of anything decoded never crash.
    @Test func mutatedPayloadsDecodeCanonicallyOrThrow() {
        var rng = SeededRNG(seed: 0x6d73_6742)
        for (codec, original) in newPayloadSamples where original.count < 5000 {
            for round in 0..<300 {
                var bytes = original
                if round % 10 == 9 {
                    bytes = rng.bytes(Int.random(in: 0...200, using: &rng))
                } else {
                    for _ in 0...Int.random(in: 0...3, using: &rng) where !bytes.isEmpty {
                        bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    }
                }
                let result = Result { () throws(WireError) -> AnyHashable in try codec.decode(bytes) }
                guard case let .success(value) = result else { continue }
                #expect(codec.encode(value) == bytes, "\(codec.name) round \(round)")
                if let m = value.base as? MerkleBlockMessage {
                    _ = traceFields(bytes, MerkleBlockMessage.decode)
                    #expect(m.summary.hasPrefix("merkleblock "))
                    #expect(m.matchedTxids.allSatisfy { m.tree.hashes.contains($0) })
                }
            }
        }
    }

    @Test func trailingBytesAreRefused() {
        for (codec, bytes) in newPayloadSamples {
            let result = Result { () throws(WireError) -> AnyHashable in try codec.decode(bytes + [0]) }
            guard case let .failure(error) = result, case .trailingBytes = error else {
                Issue.record("\(codec.name) accepted a trailing byte")
                continue
            }
        }
    }

    @Test func summariesStartWithTheCommand() throws {
        let m = try decodePayload(developerReferenceMerkleBlock, MerkleBlockMessage.decode)
        #expect(m.summary.hasPrefix("merkleblock "))
        #expect(m.summary.hasSuffix("1/7 matched root ✓ (1 matched)"))
        #expect(FilterLoadMessage(filter: [1], hashFunctions: 1, tweak: 255, flags: 2).summary
            == "filterload 1 byte 1 hash function tweak=0xff BLOOM_UPDATE_P2PUBKEY_ONLY")
        #expect(FilterAddMessage(element: [0xab]).summary == "filteradd 1 byte ab")
        #expect(GetCFiltersMessage(startHeight: 5, stopHash: hash(1)).summary.hasPrefix("getcfilters basic from 5 to "))
        #expect(GetCFHeadersMessage(filterType: 3, startHeight: 5, stopHash: hash(1)).summary.hasPrefix("getcfheaders type 3 from 5 to "))
        #expect(CFilterMessage(blockHash: hash(1), filter: [2, 0xaa, 0xbb]).summary.hasSuffix(" 3 bytes N=2"))
        #expect(CFHeadersMessage(stopHash: hash(1), previousFilterHeader: zeroHash, filterHashes: [hash(2)]).summary.hasPrefix("cfheaders basic 1 hash to "))
        #expect(GetCFCheckptMessage(stopHash: hash(1)).summary.hasPrefix("getcfcheckpt basic to "))
        #expect(CFCheckptMessage(stopHash: hash(1), filterHeaders: []).summary.hasPrefix("cfcheckpt basic 0 headers to "))
        #expect(SendTxRcnclMessage(version: 1, salt: 0xabc).summary == "sendtxrcncl v1 salt=0xabc")
        #expect(FeatureMessage(featureID: "BIP434v2", data: [1, 2, 3]).summary == "feature BIP434v2 3 bytes 010203")
    }

    // MARK: merkleblock

    @Test func developerReferenceExample() throws {
        let m = try decodePayload(developerReferenceMerkleBlock, MerkleBlockMessage.decode)
        #expect(m.tree.totalTransactions == 7)
        #expect(m.tree.hashes.count == 4)
        guard case let .valid(x) = m.verdict else {
            Issue.record("verdict \(m.verdict.text)")
            return
        }
        #expect(x.matches == [PartialMerkleTree.Match(position: 4, hashIndex: 1, txid: m.tree.hashes[1])])
        #expect(x.bitsUsed == 7)
        #expect(x.paddingBitsSet == false)
        #expect(m.matchedTxids.map { Hex.encode($0.reversed()) } == ["652b0aa4cf4f17bdb31f7a1d308331bba91f3b3cbf8f39c9cb5e19d4015b9f01"])

        let fields = traceFields(developerReferenceMerkleBlock, MerkleBlockMessage.decode)
        #expect(fields.map(\.name) == ["header", "total_transactions", "hash_count", "hashes", "flags", "matched", "root"])
        #expect(fields[0].children.map(\.name) == ["version", "prev_block", "merkle_root", "timestamp", "bits", "nonce", "hash", "pow"])
        #expect(fields[0].range == 0..<80)
        let matched = try #require(fields.first { $0.name == "matched" })
        #expect(matched.children.map(\.name) == ["tx[4]"])
        #expect(matched.children.first?.value == .hash("652b0aa4cf4f17bdb31f7a1d308331bba91f3b3cbf8f39c9cb5e19d4015b9f01"))
        #expect(matched.children.first?.range == 85 + 32..<85 + 64)
        #expect(fields.last?.value == .text("✓ (1 matched)"))
        #expect(fields.last?.range == 80..<developerReferenceMerkleBlock.count)
    }

    @Test func block100000KnownValues() {
        #expect(Block100000.header.hashHex == Block100000.hashHex)
        #expect(PartialMerkleTree.root(of: Block100000.txids) == Block100000.header.merkleRoot)
    }

    /// Every subset of block 100,000's transactions: the tree built for it decodes, proves
    /// the header's root, and yields exactly that subset.
    @Test(arguments: 0..<16)
    func block100000EverySubset(_ mask: Int) throws {
        let matched = (0..<4).map { mask >> $0 & 1 == 1 }
        let tree = PartialMerkleTree.build(txids: Block100000.txids, matched: matched)
        let bytes = payloadBytes(MerkleBlockMessage(header: Block100000.header, tree: tree).encode)
        let m = try decodePayload(bytes, MerkleBlockMessage.decode)
        #expect(m.verdict.isValid, "\(m.verdict.text)")
        #expect(m.matchedTxids == (0..<4).filter { matched[$0] }.map { Block100000.txids[$0] })
        if case let .valid(x) = m.verdict { #expect(x.matches.map(\.position) == (0..<4).filter { matched[$0] }) }
    }

    /// Trees of odd sizes (the last node of a level duplicated) built and read back.
    @Test(arguments: [1, 2, 3, 5, 6, 7, 9, 17, 100, 1001])
    func builtTreesOfManySizes(_ count: Int) throws {
        let txids = (0..<count).map { DoubleSHA256.hash([UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)]) }
        let root = try #require(PartialMerkleTree.root(of: txids))
        for pattern in [0, 1, 2, 3] {
            let matched = (0..<count).map { i in
                switch pattern {
                case 0: return false
                case 1: return true
                case 2: return i % 3 == 1
                default: return i == count - 1
                }
            }
            let tree = PartialMerkleTree.build(txids: txids, matched: matched)
            let x = try tree.extract().get()
            #expect(x.root == root)
            #expect(x.matches.map(\.position) == (0..<count).filter { matched[$0] })
        }
    }

    private func verdict(_ tree: PartialMerkleTree, root: [UInt8] = hash(5)) throws -> MerkleRootVerdict {
        var header = treeTestHeader
        header.merkleRoot = root
        let bytes = payloadBytes(MerkleBlockMessage(header: header, tree: tree).encode)
        let m = try decodePayload(bytes, MerkleBlockMessage.decode)
        #expect(m.tree == tree)
        let fields = traceFields(bytes, MerkleBlockMessage.decode)
        #expect(fields.last?.name == "root")
        #expect(fields.last?.value == .text(m.verdict.text))
        return m.verdict
    }

    @Test func malformedTreesAreVerdictsNotErrors() throws {
        let good = PartialMerkleTree.build(txids: Block100000.txids, matched: [false, true, false, false])
        var cases: [(PartialMerkleTree, MerkleTreeProblem)] = [
            (PartialMerkleTree(totalTransactions: 0, hashes: [], flags: []), .noTransactions),
            (PartialMerkleTree(totalTransactions: 16_667, hashes: [hash(1)], flags: [0]), .tooManyTransactions(16_667)),
            (PartialMerkleTree(totalTransactions: 1, hashes: [hash(1), hash(2)], flags: [3]),
             .moreHashesThanTransactions(hashes: 2, transactions: 1)),
            (PartialMerkleTree(totalTransactions: 20, hashes: (1...9).map { hash($0) }, flags: [0xff]), .fewerBitsThanHashes(bits: 8, hashes: 9)),
            (PartialMerkleTree(totalTransactions: 4, hashes: [hash(1)], flags: []), .fewerBitsThanHashes(bits: 0, hashes: 1)),
            (PartialMerkleTree(totalTransactions: 4, hashes: [], flags: []), .ranOutOfBits),
            (PartialMerkleTree(totalTransactions: 4, hashes: [], flags: [0]), .ranOutOfHashes),
            (PartialMerkleTree(totalTransactions: 1_000, hashes: [hash(1)], flags: [0xff]), .ranOutOfBits),
        ]
        var extraByte = good
        extraByte.flags.append(0)
        cases.append((extraByte, .unusedFlagBytes(used: 1, present: 2)))
        var extraHash = good
        extraHash.hashes.append(hash(1))
        cases.append((extraHash, .unusedHashes(used: 3, present: 4)))
        // CVE-2012-2459: [a, b, c, c] hashes to the same root as [a, b, c].
        let three = Array(Block100000.txids.prefix(3))
        let mutated = PartialMerkleTree.build(txids: three + [three[2]], matched: [true, true, true, true])
        cases.append((mutated, .identicalChildren(height: 1, position: 1)))
        #expect(PartialMerkleTree.root(of: three) == PartialMerkleTree.root(of: three + [three[2]]))

        for (tree, problem) in cases {
            #expect(try verdict(tree) == .malformed(problem), "\(problem)")
            #expect(MerkleRootVerdict.malformed(problem).text == "✗ (\(problem))")
        }
    }

    /// Core's bound is MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT = 4,000,000 / (4 × 60).
    @Test func transactionBound() throws {
        #expect(PartialMerkleTree.maxTransactions == 16_666)
        let txids = (0..<16_666).map { DoubleSHA256.hash([UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)]) }
        var matched = [Bool](repeating: false, count: txids.count)
        matched[16_665] = true
        let tree = PartialMerkleTree.build(txids: txids, matched: matched)
        let x = try tree.extract().get()
        #expect(x.root == PartialMerkleTree.root(of: txids))
        #expect(x.matches.map(\.position) == [16_665])
        #expect(MerkleTreeProblem.tooManyTransactions(16_667).description
            == "total_transactions 16667 is above 16666 (4,000,000 weight / 240 per transaction)")
    }

    @Test func rootMismatchAndPadding() throws {
        let tree = PartialMerkleTree.build(txids: Block100000.txids, matched: [true, false, false, false])
        let v = try verdict(tree, root: hash(99))
        guard case .rootMismatch = v else {
            Issue.record("expected a mismatch, got \(v.text)")
            return
        }
        #expect(v.text.hasPrefix("✗ (the tree hashes to f3e94742aca4b5ef…"))

        var padded = tree
        let bits = try tree.extract().get().bitsUsed
        #expect(bits % 8 != 0)
        padded.flags[padded.flags.count - 1] |= 0x80
        let p = try verdict(padded, root: Block100000.header.merkleRoot)
        #expect(p.isValid)
        #expect(p.text == "✓ (1 matched; padding bits set, Core ignores them)")
    }

    @Test func merkleBlockLyingCounts() {
        let header = payloadBytes(treeTestHeader.encode)
        for tail in ["01000000" + "fdffff", "01000000" + "ffffffffffffffffff", "01000000" + "fe00000100", "01000000" + "0200" + "fe00ffffff"] {
            let bytes = header + hex(tail) + [UInt8](repeating: 0, count: 40)
            let r = Result { () throws(WireError) -> MerkleBlockMessage in try decodePayload(bytes, MerkleBlockMessage.decode) }
            guard case let .failure(e) = r else {
                Issue.record("lying count \(tail) decoded")
                continue
            }
            switch e {
            case .truncated, .countTooLarge, .lengthTooLarge: break
            default: Issue.record("unexpected \(e)")
            }
        }
    }

    // MARK: bloom filters

    @Test func filterLoadLimitsAndFlags() throws {
        let tooBig = payloadBytes(FilterLoadMessage(filter: [UInt8](repeating: 0, count: 36_001), hashFunctions: 1, tweak: 0, flags: 0).encode)
        #expect(throws: WireError.lengthTooLarge(field: "filter", length: 36_001, limit: 36_000, offset: 0)) {
            try decodePayload(tooBig, FilterLoadMessage.decode)
        }
        let manyFuncs = payloadBytes(FilterLoadMessage(filter: [1], hashFunctions: 51, tweak: 0, flags: 0).encode)
        #expect(throws: WireError.invalidValue(field: "nHashFuncs", offset: 2, reason: "51 is above the limit of 50")) {
            try decodePayload(manyFuncs, FilterLoadMessage.decode)
        }
        let fields = traceFields(payloadBytes(FilterLoadMessage(filter: [1], hashFunctions: 3, tweak: 9, flags: 1).encode), FilterLoadMessage.decode)
        #expect(fields.map(\.name) == ["filter", "nHashFuncs", "nTweak", "nFlags"])
        #expect(fields.last?.value == .text("BLOOM_UPDATE_ALL"))
        #expect(fields.last?.range == 10..<11)
        #expect(FilterLoadMessage.flagsName(0) == "BLOOM_UPDATE_NONE")
        #expect(FilterLoadMessage.flagsName(7) == "0x07")
    }

    @Test func filterAddLimit() {
        let tooBig = payloadBytes(FilterAddMessage(element: [UInt8](repeating: 0, count: 521)).encode)
        #expect(throws: WireError.lengthTooLarge(field: "data", length: 521, limit: 520, offset: 0)) {
            try decodePayload(tooBig, FilterAddMessage.decode)
        }
    }

    // MARK: BIP157

    @Test func compactFilterFields() throws {
        let bytes = payloadBytes(CFilterMessage(blockHash: hash(7), filter: hex("0301234567")).encode)
        let m = try decodePayload(bytes, CFilterMessage.decode)
        #expect(m.elementCount == 3)
        let fields = traceFields(bytes, CFilterMessage.decode)
        #expect(fields.map(\.name) == ["filter_type", "block_hash", "filter"])
        #expect(fields[0].value == .text("0 (basic)"))
        #expect(fields[1].value == .hash(Hex.encode(hash(7).reversed())))
        #expect(fields[2].range == 33..<39)
        #expect(fields[2].children.map(\.name) == ["filter_length", "N", "gcs"])
        #expect(fields[2].children.map(\.range) == [33..<34, 34..<35, 35..<39])
        #expect(fields[2].children[1].value == .uint(3))

        let odd = payloadBytes(CFilterMessage(filterType: 9, blockHash: hash(7), filter: [0xfd, 0x01, 0x00]).encode)
        #expect(try decodePayload(odd, CFilterMessage.decode).elementCount == nil)
        let oddFields = traceFields(odd, CFilterMessage.decode)
        #expect(oddFields[0].value == .text("9 (unknown)"))
        #expect(oddFields[2].children.map(\.name) == ["filter_length", "data"])
    }

    @Test func cfheadersChainAndLimits() throws {
        let m = CFHeadersMessage(stopHash: hash(1), previousFilterHeader: zeroHash, filterHashes: [hash(2), hash(3)])
        let first = DoubleSHA256.hash(hash(2) + zeroHash)
        #expect(m.filterHeaders == [first, DoubleSHA256.hash(hash(3) + first)])
        let fields = traceFields(payloadBytes(m.encode), CFHeadersMessage.decode)
        #expect(fields.map(\.name) == ["filter_type", "stop_hash", "previous_filter_header", "filter_hashes_length", "filter_hashes"])
        #expect(fields.last?.children.map(\.name) == ["filter_hash[0]", "filter_hash[1]"])

        var w = WireWriter()
        w.write(UInt8(0))
        w.write(bytes: hash(1))
        w.write(bytes: hash(2))
        w.writeCompactSize(2001)
        w.write(bytes: [UInt8](repeating: 0, count: 2001 * 32))
        #expect(throws: WireError.countTooLarge(field: "filter_hashes_length", count: 2001, limit: 2000, offset: 65)) {
            try decodePayload(w.bytes, CFHeadersMessage.decode)
        }
        // A count the payload cannot hold is refused before any allocation.
        var lying = WireWriter()
        lying.write(UInt8(0))
        lying.write(bytes: hash(1))
        lying.writeCompactSize(100_000)
        #expect(throws: WireError.truncated(field: "filter_headers_length", offset: 38, needed: 3_200_000, available: 0)) {
            try decodePayload(lying.bytes, CFCheckptMessage.decode)
        }
        var tooMany = WireWriter()
        tooMany.write(UInt8(0))
        tooMany.write(bytes: hash(1))
        tooMany.writeCompactSize(UInt64.max)
        #expect(throws: WireError.countTooLarge(field: "filter_headers_length", count: UInt64.max, limit: 125_000, offset: 33)) {
            try decodePayload(tooMany.bytes, CFCheckptMessage.decode)
        }
    }

    @Test func requestFields() {
        let fields = traceFields(payloadBytes(GetCFiltersMessage(startHeight: 7, stopHash: hash(1)).encode), GetCFiltersMessage.decode)
        #expect(fields.map(\.name) == ["filter_type", "start_height", "stop_hash"])
        #expect(fields.map(\.range) == [0..<1, 1..<5, 5..<37])
        #expect(fields[1].value == .uint(7))
        let checkpt = traceFields(payloadBytes(GetCFCheckptMessage(stopHash: hash(1)).encode), GetCFCheckptMessage.decode)
        #expect(checkpt.map(\.name) == ["filter_type", "stop_hash"])
    }

    // MARK: BIP330, BIP434

    @Test func sendTxRcnclFields() throws {
        let bytes = hex("01000000" + "efcdab8967452301")
        let m = try decodePayload(bytes, SendTxRcnclMessage.decode)
        #expect(m == SendTxRcnclMessage(version: 1, salt: 0x0123_4567_89ab_cdef))
        #expect(traceFields(bytes, SendTxRcnclMessage.decode).map(\.name) == ["version", "salt"])
    }

    @Test func featureLimits() throws {
        let bytes = hex("08" + "4249503433347632" + "03010203")
        let m = try decodePayload(bytes, FeatureMessage.decode)
        #expect(m == FeatureMessage(featureID: "BIP434v2", data: [1, 2, 3]))
        let fields = traceFields(bytes, FeatureMessage.decode)
        #expect(fields.map(\.name) == ["featureid", "featuredata"])
        #expect(fields[0].value == .text("BIP434v2"))
        #expect(fields[0].range == 0..<9)

        #expect(throws: WireError.invalidValue(field: "featureid", offset: 0, reason: "3 bytes, BIP434 requires 4 to 80")) {
            try decodePayload(hex("03414243" + "00"), FeatureMessage.decode)
        }
        #expect(throws: WireError.lengthTooLarge(field: "featureid", length: 81, limit: 80, offset: 0)) {
            try decodePayload([81] + [UInt8](repeating: 0x41, count: 81) + [0], FeatureMessage.decode)
        }
        #expect(throws: WireError.lengthTooLarge(field: "featuredata", length: 513, limit: 512, offset: 5)) {
            try decodePayload(hex("0441424344" + "fd0102") + [UInt8](repeating: 0, count: 513), FeatureMessage.decode)
        }
        // featuredata is not optional.
        #expect(throws: WireError.truncated(field: "featuredata", offset: 5, needed: 1, available: 0)) {
            try decodePayload(hex("0441424344"), FeatureMessage.decode)
        }
        // Control characters in the identifier are shown replaced, and kept on the wire.
        let odd = FeatureMessage(featureID: [0x41, 0x1b, 0x5b, 0x32, 0x4a], data: [])
        #expect(odd.featureIDText == "A\u{FFFD}[2J")
        #expect(try decodePayload(payloadBytes(odd.encode), FeatureMessage.decode) == odd)
    }
}
