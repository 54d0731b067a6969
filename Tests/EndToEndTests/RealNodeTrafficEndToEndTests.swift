import BitcoinWire
import Foundation
import NodeHarness
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Real chain traffic from the real node (Bitcoin SV's bitcoind on regtest, legacy
/// transactions only), fetched the way a user does it: `verack handshake --send … --json`.
/// What verack decodes is checked against the node's own RPC answers, and against tshark.
///
/// One node serves the suite; each test reads the chain's state when it starts, so the
/// tests do not depend on their order.
@Suite(.serialized, .sharedRealNode) struct RealNodeTrafficEndToEndTests {
    /// The chain is mined to this height first: coinbases spendable, and BIP34 heights
    /// pushed as OP_N (1 to 16), one byte (17 to 127) and two bytes (128 and up).
    static let height = 130

    /// `getheaders` from genesis and `getdata` of blocks whose BIP34 heights are pushed
    /// every way: the `headers` message lists the node's whole chain, linked, every
    /// header's pow ✓; each block is the node's (hash, size, txids), merkle ✓ pow ✓,
    /// with the height asked.
    @Test(.timeLimit(.minutes(2))) func headersAndBlocksFromTheNodeDecodeAsTheNodeSays() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let node = try SharedRealNode.node() else { return }
        try node.mine(toHeight: Self.height)
        let tip = try node.blockCount()
        let genesis = try node.blockHash(0)
        let heights = [1, 16, 17, 127, 128, tip]
        let hashes = try heights.map { try node.blockHash($0) }

        let run = try HeadlessSession(verack: verack, node: node, sends: [
            "getheaders \(genesis)", "getdata " + hashes.map { "block:\($0)" }.joined(separator: " "),
        ])
        #expect(run.status == 0, "\(run.transcript)")

        let headers = try #require(run.received("headers").first, "no headers came back:\n\(run.transcript)")
        #expect(headers.error == nil)
        #expect(headers.summary == "headers \(tip)")
        #expect(headers.root["count"]?.int == Int64(tip))
        let list = headers.root.children.filter { $0.name.hasPrefix("headers[") }
        #expect(list.count == tip)
        var previous = genesis
        for (i, h) in list.enumerated() {
            #expect(h["pow"]?.text == "✓", "headers[\(i)]: pow \(h["pow"]?.text ?? "none")")
            #expect(h["prev_block"]?.text == previous, "headers[\(i)] does not link to the one before")
            #expect(h["txn_count"]?.int == 0)
            previous = h["hash"]?.text ?? ""
        }
        #expect(list.first?["hash"]?.text == hashes[0])
        #expect(list.last?["hash"]?.text == hashes.last)

        let blocks = run.received("block")
        #expect(blocks.count == heights.count, "\(run.transcript)")
        for (block, (height, hash)) in zip(blocks, zip(heights, hashes)) {
            let rpc = try #require(try node.json("getblock", hash) as? [String: Any])
            let txids = rpc["tx"] as? [String] ?? []
            #expect(block.error == nil)
            #expect(block.root["header"]?["hash"]?.text == hash)
            #expect(block.root["header"]?["pow"]?.text == "✓")
            #expect(block.root["merkle"]?.text?.hasPrefix("✓") == true, "h=\(height): merkle \(block.root["merkle"]?.text ?? "none")")
            #expect(block.root["height"]?.int == Int64(height), "BIP34 height of block \(height): \(block.root["height"]?.value ?? "none")")
            #expect(block.root["witness_commitment"]?.text == "absent")
            #expect(block.size == Int(JSONField.int(rpc["size"]) ?? -1), "the payload is the node's block size")
            #expect(block.root["txn_count"]?.int == Int64(txids.count))
            #expect(block.root.children.filter { $0.name.hasPrefix("tx[") }.map(\.text) == txids.map(Optional.some))
            #expect(block.summary.hasPrefix("block \(hash.prefix(4))…\(hash.suffix(4)) h=\(height) "), "\(block.summary)")
            #expect(block.summary.hasSuffix(" merkle ✓ pow ✓"), "\(block.summary)")
        }
    }

    /// A wallet payment of 1.25 BTC: asked for by BIP35 `mempool` (the node announces its
    /// mempool with `inv`) then `getdata tx:TXID`, it decodes to the node's txid, bytes and
    /// outputs, the fee is small and positive; mined, the block that holds it decodes with
    /// it among its transactions, and so do its `cmpctblock` and a `blocktxn` of the rest.
    @Test(.timeLimit(.minutes(2))) func aWalletTransactionFromTheMempoolAndFromItsBlock() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let node = try SharedRealNode.node() else { return }
        try node.mine(toHeight: Self.height)
        let address = try node.text("getnewaddress")
        let txid = try node.text("sendtoaddress", address, "1.25")
        let rpc = try #require(try node.json("getrawtransaction", txid, "1") as? [String: Any])
        let rpcOutputs = rpc["vout"] as? [[String: Any]] ?? []
        let rpcValues = rpcOutputs.map { Self.satoshis($0["value"]) }
        var inputTotal: Int64 = 0
        for input in rpc["vin"] as? [[String: Any]] ?? [] {
            let previous = try #require(try node.json("getrawtransaction", input["txid"] as? String ?? "", "1") as? [String: Any])
            let outputs = previous["vout"] as? [[String: Any]] ?? []
            inputTotal += Self.satoshis(outputs[Int(JSONField.int(input["vout"]) ?? 0)]["value"])
        }

        let run = try HeadlessSession(verack: verack, node: node, sends: ["mempool", "getdata tx:\(txid)"])
        #expect(run.status == 0, "\(run.transcript)")
        #expect(run.received("inv").contains { $0.mentions(txid) }, "the node's mempool inv does not list \(txid):\n\(run.transcript)")
        #expect(run.received("notfound").isEmpty, "\(run.transcript)")
        let tx = try #require(run.received("tx").first { $0.root["txid"]?.text == txid }, "no tx \(txid) came back:\n\(run.transcript)")
        #expect(tx.error == nil)
        #expect(tx.root["wtxid"]?.text == txid, "a legacy transaction's wtxid is its txid")
        #expect(String(tx.hex.dropFirst(48)) == rpc["hex"] as? String, "the payload is not the node's serialization")
        let outputs = tx.root.children.filter { $0.name.hasPrefix("tx_out[") }
        let values = outputs.map { $0["value"]?["satoshis"]?.int ?? -1 }
        #expect(values == rpcValues)
        #expect(values.filter { $0 == 125_000_000 }.count == 1, "one output pays 1.25 BTC: \(values)")
        #expect(outputs.map { $0["script_pubkey"]?.text } == rpcOutputs.map { ($0["scriptPubKey"] as? [String: Any])?["hex"] as? String })
        #expect(outputs.allSatisfy { $0["script_pubkey"]?["type"]?.text == "p2pkh" }, "the wallet pays to and changes into P2PKH")
        let total = values.reduce(0, +)
        let fee = inputTotal - total
        #expect(fee > 0 && fee < 100_000, "fee \(fee) sat: inputs \(inputTotal), outputs \(total)")
        let wallet = try #require(try node.json("gettransaction", txid) as? [String: Any])
        #expect(fee == -Self.satoshis(wallet["fee"]), "the wallet's fee is \(wallet["fee"] ?? "none") BTC")
        let vin = (rpc["vin"] as? [Any])?.count ?? -1
        #expect(tx.summary == "tx \(txid.prefix(4))…\(txid.suffix(2)) \(vin) in \(values.count) out \(Amount.btc(total)) BTC \(JSONField.int(rpc["size"]) ?? -1) vB",
                "\(tx.summary)")

        // Mined with five more payments: a block of seven transactions (an odd count, so
        // the merkle tree's first level pairs the last txid with itself).
        for _ in 0..<5 { _ = try node.text("sendtoaddress", address, "0.5") }
        let blockHash = try node.mineOne()
        let txids = try #require(try node.json("getblock", blockHash) as? [String: Any])["tx"] as? [String] ?? []
        #expect(txids.contains(txid) && txids.count >= 7)
        let indexes = (1..<txids.count).map(String.init).joined(separator: " ")
        let mined = try HeadlessSession(verack: verack, node: node, sends: [
            "getdata block:\(blockHash)", "getdata cmpctblock:\(blockHash)", "getblocktxn \(blockHash) \(indexes)",
        ])
        #expect(mined.status == 0, "\(mined.transcript)")
        let block = try #require(mined.received("block").first, "\(mined.transcript)")
        #expect(block.root["header"]?["hash"]?.text == blockHash)
        #expect(block.root.children.filter { $0.name.hasPrefix("tx[") }.map(\.text) == txids.map(Optional.some))
        #expect(block.root["merkle"]?.text?.hasPrefix("✓") == true)
        #expect(block.summary.hasSuffix("\(txids.count) txs merkle ✓ pow ✓"), "\(block.summary)")
        // The same block as BIP152 sends it: the coinbase prefilled, a short id for each
        // other transaction; those transactions asked by index come back in order.
        let compact = try #require(mined.received("cmpctblock").first, "\(mined.transcript)")
        #expect(compact.error == nil)
        #expect(compact.root["header"]?["hash"]?.text == blockHash)
        #expect(compact.root["header"]?["pow"]?.text == "✓")
        #expect(compact.root["prefilled_txn[0]"]?["index"]?.int == 0)
        #expect(compact.root["prefilled_txn[0]"]?["tx"]?.text == txids.first)
        #expect(compact.root["shortids_length"]?.int == Int64(txids.count - 1))
        let missing = try #require(mined.received("blocktxn").first, "\(mined.transcript)")
        #expect(missing.error == nil)
        #expect(missing.root.children.filter { $0.name.hasPrefix("tx[") }.map(\.text) == txids.dropFirst().map(Optional.some))
    }

    /// tshark reads verack's `--pcap` of a session with headers, blocks, the mempool's inv
    /// and a transaction: nothing is malformed, its commands are verack's in order, and its
    /// own dissection agrees on the header count, each block's transaction count and the
    /// transaction's output values.
    @Test(.timeLimit(.minutes(2))) func tsharkAgreesWithVerackOnBlockAndTransactionTraffic() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tshark = Shell.which("tshark") else { return try unavailable("tshark is not installed (apt-get install tshark)") }
        guard let node = try SharedRealNode.node() else { return }
        try node.mine(toHeight: Self.height)
        let dir = try ScratchDirectory("realnode-pcap")
        defer { dir.remove() }
        let pcap = dir.file("session.pcap")
        let txid = try node.text("sendtoaddress", try node.text("getnewaddress"), "1.25")
        let tip = try node.blockCount()
        let blocks = try [1, 128, tip].map { "block:" + (try node.blockHash($0)) }

        let run = try HeadlessSession(verack: verack, node: node, sends: [
            "getheaders \(try node.blockHash(0))", "getdata " + blocks.joined(separator: " "), "mempool", "getdata tx:\(txid)",
        ], pcap: pcap)
        #expect(run.status == 0, "\(run.transcript)")
        let ours = run.frames
        for command in ["headers", "block", "inv", "tx"] {
            #expect(ours.contains { $0.received && $0.command == command }, "no \(command) received:\n\(run.transcript)")
        }

        let reading = try TsharkReading(tshark: tshark, path: pcap, fields: [
            "bitcoin.command", "bitcoin.headers.count", "bitcoin.block.num_transactions", "bitcoin.tx.out.value",
        ])
        #expect(reading.malformed.isEmpty, "tshark: \(reading.malformed)")
        #expect(reading.rows.map { $0.first?.first ?? "" } == ours.map(\.command), "tshark and verack disagree on the commands")
        #expect(reading.rows.allSatisfy { $0.count == 4 })
        for (row, frame) in zip(reading.rows, ours) where row.count == 4 {
            switch frame.command {
            case "headers":
                // tshark names each header's txn_count (0) bitcoin.headers.count too.
                let count = Int(frame.root["count"]?.int ?? -1)
                #expect(row[1].first == String(count) && row[1].dropFirst() == ArraySlice(repeating: "0", count: count),
                        "headers count: tshark \(row[1].prefix(3))… (\(row[1].count) values), verack \(count)")
            case "block":
                #expect(row[2] == [String(frame.root["txn_count"]?.int ?? -1)], "block tx count: tshark \(row[2])")
            case "tx":
                let values = frame.root.children.filter { $0.name.hasPrefix("tx_out[") }.map { String($0["value"]?["satoshis"]?.int ?? -1) }
                #expect(row[3] == values, "tx output values: tshark \(row[3]), verack \(values)")
            default:
                break
            }
        }
        // The session is over: mine the payment so that it is not left in the mempool.
        _ = try node.mineOne()
    }

    /// One payment to 300 addresses (made up: P2PKH of hash160s 00…00 to 01 2b…): its
    /// output count is a 3-byte CompactSize (fd 2d 01); every output decodes to its amount
    /// and script, and the bytes are the node's.
    @Test(.timeLimit(.minutes(2))) func aPaymentToThreeHundredAddressesDecodesEveryOutput() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let node = try SharedRealNode.node() else { return }
        try node.mine(toHeight: Self.height)
        let hashes = (0..<300).map { i in [UInt8(i >> 8), UInt8(i & 0xff)] + [UInt8](repeating: 0x5a, count: 18) }
        let amounts = hashes.map { "\"\(Base58.checkEncode([0x6f] + $0))\":0.001" }.joined(separator: ",")
        let txid = try node.text("sendmany", "", "{\(amounts)}")
        let rpc = try #require(try node.json("getrawtransaction", txid, "1") as? [String: Any])

        let run = try HeadlessSession(verack: verack, node: node, sends: ["mempool", "getdata tx:\(txid)"])
        #expect(run.status == 0, "\(run.transcript)")
        let tx = try #require(run.received("tx").first { $0.root["txid"]?.text == txid }, "no tx \(txid) came back:\n\(run.transcript)")
        #expect(tx.error == nil)
        #expect(String(tx.hex.dropFirst(48)) == rpc["hex"] as? String, "the payload is not the node's serialization")
        #expect(tx.root["tx_out_count"]?.int == 301)
        let outputs = tx.root.children.filter { $0.name.hasPrefix("tx_out[") }
        #expect(outputs.count == 301)
        let paid = outputs.filter { $0["value"]?["satoshis"]?.int == 100_000 }
        #expect(Set(paid.compactMap { $0["script_pubkey"]?.text }) == Set(hashes.map { "76a914" + Hex.encode($0) + "88ac" }))
        #expect(tx.summary.contains(" 301 out "), "\(tx.summary)")
        _ = try node.mineOne()
    }

    /// BIP37 against the node (started with `-peerbloomfilters=1`): a block of
    /// three transactions asked as `filteredblock` under a filter that matches everything
    /// comes as a `merkleblock` whose partial tree proves the header's root and lists the
    /// node's three txids, followed by those three `tx`s; under a filter that matches
    /// nothing, the proof is the root alone.
    @Test(.timeLimit(.minutes(2))) func filteredBlocksProveTheirTransactions() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let node = try SharedRealNode.node() else { return }
        try node.mine(toHeight: Self.height)
        _ = try node.mineOne()  // an empty mempool: the next block holds our two payments only
        let address = try node.text("getnewaddress")
        for amount in ["1.25", "0.75"] { _ = try node.text("sendtoaddress", address, amount) }
        let hash = try node.mineOne()
        let rpc = try #require(try node.json("getblock", hash) as? [String: Any])
        let txids = rpc["tx"] as? [String] ?? []
        #expect(txids.count == 3)

        let run = try HeadlessSession(verack: verack, node: node, sends: [
            "filterload ffffffffffffffffffffffffffffffff 1 0 none", "getdata filteredblock:\(hash)",
            "filterload 00000000000000000000000000000000 1 0 none", "getdata filteredblock:\(hash)",
        ])
        #expect(run.status == 0, "\(run.transcript)")
        let proofs = run.received("merkleblock")
        try #require(proofs.count == 2, "\(run.transcript)")
        let all = proofs[0], none = proofs[1]
        for proof in proofs {
            #expect(proof.error == nil)
            #expect(proof.root["total_transactions"]?.int == 3)
            #expect(proof.root["header"]?["merkle_root"]?.text == rpc["merkleroot"] as? String)
            #expect(proof.summary.hasPrefix("merkleblock \(hash.prefix(4))…\(hash.suffix(4)) "), "\(proof.summary)")
            #expect(proof.root["header"]?["hash"]?.text == hash, "the header's hash, as block's shows it")
            #expect(proof.root["header"]?["pow"]?.text?.hasPrefix("✓") == true)
        }
        #expect(all.root["matched"]?.children.map(\.text) == txids.map(Optional.some))
        #expect(all.root["root"]?.text == "✓ (3 matched)")
        #expect(all.summary.hasSuffix(" 3/3 matched root ✓ (3 matched)"), "\(all.summary)")
        #expect(none.root["matched"]?.children.isEmpty ?? true)
        #expect(none.root["hash_count"]?.int == 1, "with nothing matched the proof is the root alone")
        #expect(none.root["hashes"]?.children.first?.text == rpc["merkleroot"] as? String)
        #expect(none.root["root"]?.text == "✓ (0 matched)")
        // The matched transactions follow their merkleblock, in the block's order.
        let after = run.frames.filter(\.received).drop { $0.command != "merkleblock" }.dropFirst().prefix { $0.command == "tx" }
        #expect(after.map { $0.root["txid"]?.text } == txids.map(Optional.some))
    }

    /// Two real nodes syncing, captured by tshark on loopback: B joins A (which mined a
    /// chain holding a wallet payment), takes a fresh payment from A's mempool and A's next
    /// block. verack reads the capture (`decode --pcap`, the importer `verack open` uses):
    /// every frame of a command in verack's table decodes without an error, the whole chain
    /// came in `block`s with their BIP34 heights, SV's own `protoconf` and `authch` stay
    /// undecoded, and tshark, reading the same capture, sees the same commands per connection
    /// and direction. The console opens it with the same number of messages.
    @Test(.timeLimit(.minutes(3))) func twoNodesSyncingDecodeFromALoopbackCapture() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tshark = Shell.which("tshark") else { return try unavailable("tshark is not installed (apt-get install tshark)") }
        guard getuid() == 0 else { return try unavailable("capturing on lo needs root") }
        guard let a = try SharedRealNode.node() else { return }
        try a.mine(toHeight: Self.height)
        let minedPayment = try a.text("sendtoaddress", try a.text("getnewaddress"), "1.25")
        _ = try a.mineOne()  // also mines whatever other tests left in the mempool
        let synced = try a.blockCount()
        let b: RealNode
        do { b = try RealNode.start() } catch { return try unavailable("the second node did not start: \(error)") }
        defer { b.stop() }
        let dir = try ScratchDirectory("realnode-sync")
        defer { dir.remove() }
        let path = dir.file("sync.pcapng")

        let capture = try OpenPcapEndToEndTests.Capture(tshark: tshark, port: a.p2pPort, path: path)
        var captureStopped = false
        defer { if !captureStopped { capture.stop() } }
        try b.cli("addnode", a.address, "onetry")
        let tip = try a.text("getbestblockhash")
        #expect(try b.poll(timeout: 30) { try b.text("getbestblockhash") == tip }, "B did not sync to A's tip")
        let relayed = try a.text("sendtoaddress", try a.text("getnewaddress"), "2.5")
        #expect(try b.poll(timeout: 30) { try b.text("getrawmempool").contains(relayed) }, "A's payment did not reach B's mempool")
        let newTip = try a.mineOne()
        #expect(try b.poll(timeout: 30) { try b.text("getbestblockhash") == newTip }, "B did not take A's new block")

        // dumpcap writes in batches: wait until the capture holds the last block's frame.
        let decodeArgs = ["decode", "--pcap", path, "--magic", RealNode.magicHex, "--json"]
        let complete = try b.poll(timeout: 20) {
            let partial = JSONFrame.all(try Shell.run(verack, decodeArgs).stdout)
            return partial.contains { $0.received && ["cmpctblock", "block"].contains($0.command) && $0.mentions(newTip) }
        }
        #expect(complete, "the capture never held block \(newTip)")
        captureStopped = true
        #expect(capture.stop(), "tshark did not stop on SIGINT")

        let decoded = try Shell.run(verack, decodeArgs)
        #expect(decoded.status == 0, "verack decode --pcap found invalid frames or gaps:\n\(decoded.stderr)")
        let frames = JSONFrame.all(decoded.stdout)
        let commands = Set(frames.map(\.command))
        for needed in ["version", "verack", "getheaders", "headers", "getdata", "block", "inv", "tx", "cmpctblock", "sendheaders", "sendcmpct", "ping", "pong"] {
            #expect(commands.contains(needed), "no \(needed) in the capture: \(commands.sorted())")
        }
        for frame in frames {
            guard let command = Command(validating: frame.command), command.isDecoded else { continue }
            #expect(Command.all.contains(command))
            #expect(frame.error == nil, "\(frame.command) did not decode: \(frame.error ?? "")")
            #expect(!frame.summary.contains("not decoded"), "\(frame.summary)")
        }
        for own in ["protoconf", "authch"] {
            let seen = frames.filter { $0.command == own }
            #expect(!seen.isEmpty, "SV sends \(own) on every connection")
            #expect(Command(validating: own)?.isDecoded != true, "\(own) is SV's, not Core's")
            for frame in seen {
                #expect(frame.summary == "\(own) (\(frame.size) bytes, not decoded)", "\(frame.summary)")
                #expect(frame.error == nil)
            }
        }
        // The chain came whole, in blocks: heights 1 to the synced tip, once each, every one
        // merkle ✓ pow ✓; the mined payment is in one of them; the relayed one came as a tx.
        let blocks = frames.filter { $0.received && $0.command == "block" }
        #expect(blocks.compactMap { $0.root["height"]?.int }.sorted() == (1...Int64(synced)).map { $0 })
        #expect(blocks.allSatisfy { $0.summary.hasSuffix("merkle ✓ pow ✓") }, "\(blocks.map(\.summary).filter { !$0.hasSuffix("merkle ✓ pow ✓") })")
        #expect(blocks.contains { $0.root.children.contains { $0.name.hasPrefix("tx[") && $0.text == minedPayment } })
        #expect(frames.contains { $0.received && $0.command == "tx" && $0.root["txid"]?.text == relayed })
        let headers = frames.filter { $0.command == "headers" }.flatMap { $0.root.children.filter { $0.name.hasPrefix("headers[") } }
        #expect(!headers.isEmpty && headers.allSatisfy { $0["pow"]?.text == "✓" })

        // tshark on the same capture: nothing malformed, the same commands per connection
        // and direction (verack's peer ids and tshark's stream numbers may differ).
        let reading = try TsharkReading(tshark: tshark, path: path, decodeAs: ["-d", "tcp.port==\(a.p2pPort),bitcoin"], filter: "bitcoin",
                                        fields: ["tcp.stream", "tcp.srcport", "bitcoin.command"])
        #expect(reading.malformed.isEmpty, "tshark: \(reading.malformed)")
        var theirs: [String: [String]] = [:]
        for row in reading.rows where row.count == 3 {
            let direction = row[1].first == String(a.p2pPort) ? "received" : "sent"
            theirs["\(row[0].first ?? "") \(direction)", default: []] += row[2]
        }
        var ours: [String: [String]] = [:]
        for frame in frames { ours["\(frame.id) \(frame.direction)", default: []].append(frame.command) }
        let sequences = { (d: [String: [String]]) in d.map { "\($0.key.split(separator: " ").last ?? ""): \($0.value.joined(separator: " "))" }.sorted() }
        #expect(sequences(theirs) == sequences(ours))

        // The console opens the capture with every frame in its log.
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let session = try TmuxSession(tmux: tmux, width: 120, height: 40, directory: RealNode.repositoryRoot.path)
        defer { session.kill() }
        try session.type("'\(verack)' open --magic \(RealNode.magicHex) \(path); echo \"verack exited $?\"")
        var step = try session.wait(timeout: 20) { $0.contains("opened \(path)") && $0.contains("Messages \(frames.count)") }
        #expect(step.matched, "verack open did not show \(frames.count) messages:\n\(step.screen)")
        let protoconfs = frames.filter { $0.command == "protoconf" }.count
        try session.type("filter command protoconf")
        step = try session.wait(timeout: 10) { $0.contains("Messages \(protoconfs) · filter: command protoconf") && $0.contains("not decoded") }
        #expect(step.matched, "the console does not list the \(protoconfs) protoconf frames as not decoded:\n\(step.screen)")
        try expectCleanQuit(session)
    }

    /// BTC as JSON (a double) in satoshis.
    static func satoshis(_ value: Any?) -> Int64 {
        let btc = (value as? Double) ?? (value as? NSNumber)?.doubleValue ?? -1
        return Int64((btc * 100_000_000).rounded())
    }
}
