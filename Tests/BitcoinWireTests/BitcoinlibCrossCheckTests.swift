import Foundation
import NodeHarness
import Testing
@testable import BitcoinWire

/// The output of scripts/bitcoinlib-vectors.py: transactions and a segwit block built by
/// python-bitcoinlib, an implementation that shares no code with verack.
enum BitcoinlibVectors {
    /// Exit status 3 means python-bitcoinlib is not installed.
    static let run: Shell.Output? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/bitcoinlib-vectors.py").path
        return try? Shell.run("/usr/bin/env", ["python3", script], timeout: 60)
    }()

    static var available: Bool { run?.status == 0 }
    /// Under CI (env `CI` set) a missing python-bitcoinlib fails the test instead of skipping it.
    static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    static var lines: [[String: Any]] {
        guard let text = run?.stdout else { return [] }
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }
}

@Suite("Cross-check with python-bitcoinlib")
struct BitcoinlibCrossCheckTests {
    @Test(.enabled(if: BitcoinlibVectors.available || BitcoinlibVectors.required))
    func transactionsAndBlockMatchBitcoinlib() throws {
        guard BitcoinlibVectors.available else {
            Issue.record("python-bitcoinlib is needed (pip install python-bitcoinlib): \(BitcoinlibVectors.run?.stderr ?? "python3 did not run")")
            return
        }
        let lines = BitcoinlibVectors.lines
        #expect(lines.filter { $0["kind"] as? String == "tx" }.count == 4)
        #expect(lines.filter { $0["kind"] as? String == "block" }.count == 1)
        for line in lines {
            let name = line["name"] as? String ?? "?"
            let bytes = hex(line["hex"] as? String ?? "")
            switch line["kind"] as? String {
            case "tx":
                let tx = try decodeTx(bytes)
                #expect(tx.txid.displayHex == line["txid"] as? String, "\(name)")
                #expect(tx.wtxid.displayHex == line["wtxid"] as? String, "\(name)")
                #expect(tx.size == line["size"] as? Int, "\(name)")
                #expect(tx.bytes == bytes, "\(name)")
                let outputs = line["outputs"] as? [[String: Any]] ?? []
                #expect(outputs.count == tx.outputs.count, "\(name)")
                for (o, expected) in zip(tx.outputs, outputs) {
                    #expect(o.value == (expected["value"] as? NSNumber)?.int64Value, "\(name)")
                    if let address = expected["address"] as? String {
                        #expect(o.address(for: .mainnet) == address, "\(name) \(o.scriptPubKey.type)")
                    }
                }
            case "block":
                let block = try decodeBlock(bytes)
                #expect(block.hash.displayHex == line["hash"] as? String, "\(name)")
                #expect(Hash256(wireBytes: block.header.merkleRoot)?.displayHex == line["merkle_root"] as? String)
                #expect(block.computedMerkleRoot.displayHex == line["merkle_root"] as? String)
                #expect(block.transactions.map(\.txid.displayHex) == line["txids"] as? [String])
                #expect(block.transactions.map(\.wtxid.displayHex) == line["wtxids"] as? [String])
                #expect(block.merkleOK)
                #expect(block.powOK)
                #expect(block.witnessCommitment == .ok)
                #expect(block.height == line["height"] as? Int)
                #expect(block.bytes == bytes)
            default:
                Issue.record("unknown line \(line)")
            }
        }
    }
}
