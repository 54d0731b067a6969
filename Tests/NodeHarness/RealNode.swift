import Foundation

/// A real Bitcoin-protocol node (the Bitcoin SV `bitcoind` from PyPI, see
/// `scripts/install-node`) on free loopback ports with a fresh datadir, for end-to-end
/// tests. Its regtest magic on the wire is `dab5bffa`.
public final class RealNode: @unchecked Sendable {
    public static let magicHex = "dab5bffa"

    public let datadir: String
    public let p2pPort: UInt16
    public var address: String { "127.0.0.1:\(p2pPort)" }

    /// Why the node could not start, when it could not.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// The repository root (this file is `Tests/NodeHarness/RealNode.swift`).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// In CI the node must run: tests fail instead of skipping.
    public static var isRequired: Bool {
        let ci = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !ci.isEmpty && ci != "0" && ci.lowercased() != "false"
    }

    private init(datadir: String, p2pPort: UInt16) {
        self.datadir = datadir
        self.p2pPort = p2pPort
    }

    /// Starts a node (installing it first if needed); `arguments` go to bitcoind after the
    /// usual ones (e.g. `-peerbloomfilters=1`).
    public static func start(arguments: [String] = []) throws -> RealNode {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verack-node-\(UUID().uuidString.prefix(8))").path
        let result = try run(["start", dir] + arguments)
        guard result.status == 0,
              let line = result.stdout.split(separator: "\n").last,
              let portText = line.split(separator: ":").last, let port = UInt16(portText)
        else {
            throw Unavailable(description: "scripts/node start failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return RealNode(datadir: dir, p2pPort: port)
    }

    /// A started node, or nil when none can run here and CI does not require one (the
    /// caller then skips). In CI a failure to start throws.
    public static func startIfAvailable() throws -> RealNode? {
        do {
            return try start()
        } catch {
            if isRequired { throw error }
            FileHandle.standardError.write(Data("skipping: no real node (\(error))\n".utf8))
            return nil
        }
    }

    /// `bitcoin-cli` with the node's connection options.
    @discardableResult
    public func cli(_ args: String...) throws -> String {
        let r = try Self.run(["cli", datadir] + args)
        guard r.status == 0 else { throw Unavailable(description: "bitcoin-cli \(args.joined(separator: " ")): \(r.stderr)") }
        return r.stdout
    }

    /// The node's debug log so far.
    public func log() -> String {
        (try? String(contentsOfFile: "\(datadir)/regtest/bitcoind.log", encoding: .utf8)) ?? ""
    }

    /// Number of peers the node has connected.
    public func peerCount() throws -> Int {
        let json = try cli("getconnectioncount").trimmingCharacters(in: .whitespacesAndNewlines)
        return Int(json) ?? -1
    }

    public func stop() {
        _ = try? Self.run(["stop", datadir])
        try? FileManager.default.removeItem(atPath: datadir)
    }

    deinit { stop() }

    static func run(_ args: [String]) throws -> Shell.Output {
        try Shell.run(repositoryRoot.appendingPathComponent("scripts/node").path, args)
    }
}
