import Foundation
import NodeHarness
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `verack probe` as a user runs it: against `verack serve`, whose reactions must be Core's
/// wherever Core's are known, and its exit statuses.
@Suite struct ProbeEndToEndTests {
    /// The cases where verack differs from Core on purpose, and why.
    static let differsOnPurpose: [String: String] = [
        "self-nonce": "verack checks a version's nonce against every connection of its own, inbound ones too "
            + "(Core only against its outbound ones), so a peer that replays our nonce is dropped as a self-connection",
    ]

    /// A `verack serve` on a free loopback port, and its port.
    static func serve(_ verack: String, _ extra: [String] = []) throws -> (pid: pid_t, port: Int) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verack-probe-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("serve.out").path
        let pid = try Shell.spawn(
            verack, ["serve", "--listen", "127.0.0.1:0", "--network", "regtest", "--json", "--quiet"] + extra,
            stdout: out, stderr: dir.appendingPathComponent("serve.err").path)
        let deadline = Date().addingTimeInterval(20 * Sanitizer.slowdown)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains("\"listening\"") }),
               let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
               let port = object["port"] as? Int {
                return (pid, port)
            }
            usleep(50_000)
        }
        kill(pid, SIGTERM)
        throw SpawnError("verack serve did not say where it listens")
    }

    static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// The JSON lines of a probe run.
    static func objects(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func serveReactsAsCore() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable") }
        let server = try Self.serve(verack)
        defer { Self.stop(server.pid) }
        let started = Date()
        let run = try Shell.run(verack, ["probe", "127.0.0.1:\(server.port)", "--network", "regtest", "--json"], timeout: 90)
        let seconds = Date().timeIntervalSince(started)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(seconds < 60, "the battery took \(seconds) s")
        let results = try Self.objects(run.stdout)
        #expect(results.count == 27)
        let reactions = Set(["answered", "ignored", "silent", "disconnected", "refused-later"])
        for r in results {
            let name = r["case"] as? String ?? "?"
            let verdict = r["verdict"] as? String ?? ""
            #expect(reactions.contains(r["reaction"] as? String ?? ""), "\(name): \(r)")
            #expect(r["core_expected"] is String, "\(name) has no Core expectation")
            if let reason = Self.differsOnPurpose[name] {
                #expect(verdict.hasPrefix("differs"), "\(name) is listed as differing on purpose (\(reason)) but: \(verdict)")
            } else {
                #expect(verdict == "as Core", "\(name): \(r["reaction"] ?? "") (\(r["detail"] ?? "")); \(verdict)")
            }
        }
    }

    /// The v2 group against a `verack serve` that accepts v1 and v2, as Core 27+ does.
    @Test func serveReactsAsCoreOverV2() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable") }
        let server = try Self.serve(verack)
        defer { Self.stop(server.pid) }
        let run = try Shell.run(verack, ["probe", "127.0.0.1:\(server.port)", "--network", "regtest", "--transport", "v2", "--case", "v2", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let results = try Self.objects(run.stdout)
        #expect(results.map { $0["case"] as? String ?? "?" } == ["v2-bad-tag", "v2-no-terminator", "v2-bad-terminator", "v2-decoys", "v2-oversized-length"])
        for r in results {
            #expect(r["verdict"] as? String == "as Core", "\(r["case"] ?? ""): \(r["reaction"] ?? "") (\(r["detail"] ?? "")); \(r["verdict"] ?? "")")
        }
    }

    @Test func tableNamesEveryCase() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable") }
        let server = try Self.serve(verack, ["--transport", "v1"])
        defer { Self.stop(server.pid) }
        let run = try Shell.run(verack, ["probe", "127.0.0.1:\(server.port)", "--network", "regtest", "--case", "handshake", "--case", "ping-rtt"])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("case ") == true)
        for name in ["before-version", "second-version", "self-nonce", "long-user-agent", "ping-rtt"] {
            #expect(lines.contains { $0.hasPrefix(name + " ") }, "no row for \(name)")
        }
        #expect(!lines.contains { $0.hasPrefix("bad-magic") })
        #expect(lines.last?.contains("cases against 127.0.0.1:\(server.port)") == true)
    }

    @Test func exitStatuses() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable") }
        let closed = try FakePeer.closedAddress()
        let unreachable = try Shell.run(verack, ["probe", closed, "--network", "regtest"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("cannot connect"))
        for bad in [["--case", "nonsense"], ["--timeout", "0"], ["--transport", "v3"], ["--network", "regtest", "--magic", "dab5bffa"]] {
            let run = try Shell.run(verack, ["probe", closed] + bad)
            #expect(run.status == 64, "\(bad): \(run.status)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(bad): \(run.stderr)")
        }
    }
}
