import BitcoinWire
import Foundation
import NodeHarness
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One real node for a whole suite: started before its first test, stopped after its last
/// (a node takes seconds to start; mining, RPC calls and sessions take milliseconds).
struct SharedRealNode: SuiteTrait, TestScoping {
    @TaskLocal static var started: Result<RealNode, any Error>?

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Bloom filters (BIP37) too: without them the node refuses `filterload` (it counts
        // 100 misbehaviour points, whitelisted peers are kept) and serves `filteredblock`
        // as if every transaction matched.
        let result = Result { try RealNode.start(arguments: ["-peerbloomfilters=1"]) }
        defer { if case let .success(node) = result { node.stop() } }
        try await Self.$started.withValue(result, operation: function)
    }

    /// The suite's node; nil (after skipping, or recording a failure in CI) when it did not start.
    static func node() throws -> RealNode? {
        switch started {
        case let .success(node)?: return node
        case let .failure(error)?:
            try unavailable("the test node did not start: \(error)")
            return nil
        case nil:
            Issue.record("the suite has no .sharedRealNode trait")
            return nil
        }
    }
}

extension Trait where Self == SharedRealNode {
    /// Starts one real node for the suite (see ``SharedRealNode``).
    static var sharedRealNode: SharedRealNode { SharedRealNode() }
}

extension RealNode {
    /// A JSON answer of `bitcoin-cli`.
    func json(_ args: String...) throws -> Any {
        let text = try Self.cliArray(self, args)
        return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// `bitcoin-cli` with its answer trimmed.
    func text(_ args: String...) throws -> String {
        try Self.cliArray(self, args).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `cli` takes variadic arguments only: spread an array over the few arities used here.
    private static func cliArray(_ node: RealNode, _ a: [String]) throws -> String {
        switch a.count {
        case 1: return try node.cli(a[0])
        case 2: return try node.cli(a[0], a[1])
        case 3: return try node.cli(a[0], a[1], a[2])
        case 4: return try node.cli(a[0], a[1], a[2], a[3])
        default: throw SpawnError("cli: \(a.count) arguments not supported here")
        }
    }

    func blockCount() throws -> Int { Int(try text("getblockcount")) ?? -1 }

    func blockHash(_ height: Int) throws -> String { try text("getblockhash", String(height)) }

    /// Mines until the chain is at least `height` blocks high (101 makes the first coinbase
    /// spendable).
    func mine(toHeight height: Int) throws {
        let missing = height - (try blockCount())
        if missing > 0 { try cli("generate", String(missing)) }
    }

    /// Mines one block; its hash.
    func mineOne() throws -> String {
        let hashes = try json("generate", "1") as? [String]
        return try #require(hashes?.first)
    }

    /// Polls `condition` (each try is a real RPC round trip) until it holds or `timeout`
    /// seconds pass.
    func poll(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if try condition() { return true }
            if Date() > deadline { return false }
            usleep(20_000)
        }
    }
}

/// One node of a decoded field tree from verack's `--json` output.
struct JSONField {
    let name: String
    let value: Any?
    let children: [JSONField]

    init(name: String, value: Any?, children: [JSONField]) {
        self.name = name
        self.value = value
        self.children = children
    }

    init(_ object: [String: Any]) {
        name = object["name"] as? String ?? ""
        value = object["value"]
        children = (object["children"] as? [[String: Any]] ?? []).map(JSONField.init)
    }

    subscript(_ name: String) -> JSONField? { children.first { $0.name == name } }

    var text: String? { value as? String }
    var int: Int64? { JSONField.int(value) }

    static func int(_ value: Any?) -> Int64? {
        if let n = value as? Int { return Int64(n) }
        if let n = value as? Int64 { return n }
        if let n = value as? NSNumber { return n.int64Value }
        return nil
    }

    /// This field and every field below it.
    var all: [JSONField] { [self] + children.flatMap(\.all) }
}

/// A `frame` event of `--json` output.
struct JSONFrame {
    let id: Int
    let direction: String
    let command: String
    let size: Int
    let hex: String
    let summary: String
    let error: String?
    /// The decoded fields, as children of a nameless root.
    let root: JSONField

    init?(line: Substring) {
        guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
              o["event"] as? String == "frame" else { return nil }
        id = Int(JSONField.int(o["id"]) ?? -1)
        direction = o["direction"] as? String ?? ""
        command = o["command"] as? String ?? ""
        size = Int(JSONField.int(o["size"]) ?? -1)
        hex = o["hex"] as? String ?? ""
        summary = o["summary"] as? String ?? ""
        error = o["error"] as? String
        root = JSONField(name: "", value: nil, children: (o["fields"] as? [[String: Any]] ?? []).map(JSONField.init))
    }

    static func all(_ stdout: String) -> [JSONFrame] {
        stdout.split(separator: "\n").compactMap(JSONFrame.init(line:))
    }

    var received: Bool { direction == "received" }

    /// Whether any decoded field's value is `text` (a hash, say).
    func mentions(_ text: String) -> Bool { root.all.contains { $0.text == text } }
}

/// `verack handshake` to a node with `--send` messages, `--json` output and a `--pcap`.
struct HeadlessSession {
    let status: Int32
    let stdout: String
    let stderr: String
    let frames: [JSONFrame]

    /// Seconds verack listens after the handshake for the answers (they came within
    /// 50 ms here; the margin is for a loaded machine).
    static let listen = "2"

    init(verack: String, node: RealNode, sends: [String], pcap: String? = nil) throws {
        var args = ["handshake", "--magic", RealNode.magicHex, "--json", "--wait", Self.listen]
        for s in sends { args += ["--send", s] }
        if let pcap { args += ["--pcap", pcap, "--force"] }
        let r = try Shell.run(verack, args + [node.address], timeout: 60)
        status = r.status
        stdout = r.stdout
        stderr = r.stderr
        frames = JSONFrame.all(r.stdout)
    }

    func received(_ command: String) -> [JSONFrame] { frames.filter { $0.received && $0.command == command } }

    var transcript: String { stdout.split(separator: "\n").map { String($0.prefix(300)) }.joined(separator: "\n") + stderr }
}

/// tshark reading a pcap: the text listing and selected fields, one row per packet.
struct TsharkReading {
    let listing: String
    /// Per packet, per requested field, the field's occurrences (split at commas).
    let rows: [[[String]]]

    init(tshark: String, path: String, decodeAs: [String] = [], filter: String? = nil, fields: [String]) throws {
        let listing = try Shell.run(tshark, ["-r", path] + decodeAs)
        guard listing.status == 0 else { throw SpawnError("tshark -r \(path): \(listing.stderr)") }
        self.listing = listing.stdout
        var args = ["-r", path] + decodeAs
        if let filter { args += ["-Y", filter] }
        args += ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
        for f in fields { args += ["-e", f] }
        let r = try Shell.run(tshark, args)
        guard r.status == 0 else { throw SpawnError("tshark fields: \(r.stderr)") }
        rows = r.stdout.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            line.split(separator: "\t", omittingEmptySubsequences: false).map { cell in
                cell.split(separator: ",").map(String.init)
            }
        }
    }

    /// Listing lines tshark marks malformed (or where a dissector threw).
    var malformed: [String] {
        listing.split(separator: "\n").map(String.init).filter { $0.contains("Malformed") || $0.contains("Exception") }
    }
}

/// A scratch directory removed by ``remove()``.
struct ScratchDirectory {
    let path: String

    init(_ label: String) throws {
        path = NSTemporaryDirectory() + "verack-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
