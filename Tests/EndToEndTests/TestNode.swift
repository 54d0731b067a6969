import Foundation

/// A throwaway Bitcoin SV regtest node started with `scripts/node`.
final class TestNode {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    let datadir: String
    let address: String

    /// Starts a node, or explains in one line why it could not.
    init() throws {
        datadir = NSTemporaryDirectory() + "verack-e2e-node-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        let script = Self.repository + "/scripts/node"
        guard FileManager.default.isExecutableFile(atPath: script) else { throw TmuxError("no \(script)") }
        let r = try Shell.run(script, ["start", datadir])
        let last = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard r.status == 0, last.hasPrefix("127.0.0.1:") else {
            throw TmuxError("scripts/node start failed (\(r.status)): \(r.stderr.split(separator: "\n").last ?? "")")
        }
        address = last
    }

    func stop() {
        _ = try? Shell.run(Self.repository + "/scripts/node", ["stop", datadir])
        try? FileManager.default.removeItem(atPath: datadir)
    }
}

/// Where the `verack` executable of this build is: beside the test bundle.
enum Products {
    static var verack: String? {
        var dirs: [URL] = []
        if let first = CommandLine.arguments.first { dirs.append(URL(fileURLWithPath: first).deletingLastPathComponent()) }
        dirs.append(Bundle.main.bundleURL.deletingLastPathComponent())
        dirs.append(Bundle.main.bundleURL)
        for dir in dirs {
            // The test binary may sit inside `X.xctest/` or beside it.
            for candidate in [dir.appendingPathComponent("verack"), dir.deletingLastPathComponent().appendingPathComponent("verack")] {
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            }
        }
        return nil
    }
}
