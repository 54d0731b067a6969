import Foundation
import NodeHarness
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `verack handshake` through Debian's microsocks to the real node: without and with
/// RFC 1929 credentials, a wrong password, and an onion address without a proxy.
@Suite(.serialized) struct ProxyEndToEndTests {
    /// A microsocks on a free loopback port, stopped (by its pid) on `stop()`.
    final class Microsocks {
        let pid: pid_t
        let port: UInt16
        let log: String

        init(_ executable: String, credentials: (String, String)? = nil) throws {
            let address = try FakePeer.closedAddress()
            port = try #require(UInt16(address.split(separator: ":").last ?? ""))
            log = NSTemporaryDirectory() + "verack-microsocks-\(getpid())-\(port).log"
            var args = ["-i", "127.0.0.1", "-p", String(port)]
            if let (user, pass) = credentials { args += ["-u", user, "-P", pass] }
            pid = try Shell.spawn(executable, args, stdout: log, stderr: log)
            try waitUntilListening()
        }

        /// Connects until microsocks accepts (it has no readiness signal), at most 10 s.
        private func waitUntilListening() throws {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if let fd = try? LoopbackSocket.dial(port: Int(port)) {
                    close(fd)
                    return
                }
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { throw SpawnError("microsocks exited: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")") }
                _ = poll(nil, 0, 20)
            }
            throw SpawnError("microsocks did not listen on port \(port) within 10 s")
        }

        func stop() {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            unlink(log)
        }
    }

    func jsonEvents(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    @Test(.timeLimit(.minutes(2))) func handshakeThroughMicrosocks() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let microsocks = Shell.which("microsocks") else { return try unavailable("microsocks is not installed (apt-get install microsocks)") }
        let node: RealNode
        do { node = try RealNode.start() } catch { return try unavailable("the test node did not start: \(error)") }
        defer { node.stop() }

        // 1. No authentication, the default transport (auto: v1 to this node).
        let open = try Microsocks(microsocks)
        defer { open.stop() }
        var r = try Shell.run(verack, ["handshake", "--magic", RealNode.magicHex, "--json", "--timeout", "20",
                                       "--proxy", "127.0.0.1:\(open.port)", node.address])
        #expect(r.status == 0, "handshake through microsocks failed: \(r.stdout)\(r.stderr)")
        var events = jsonEvents(r.stdout)
        #expect(events.contains { $0["event"] as? String == "established" }, "\(r.stdout)")
        let connecting = events.first { $0["event"] as? String == "connecting" }
        #expect(connecting?["proxy"] as? String == "127.0.0.1:\(open.port)")
        #expect(connecting?["peer"] as? String == node.address, "the peer is the target, not the proxy")

        // A crawl through the same proxy reaches the node too: the handshake completes
        // through microsocks (the node then never answers getaddr on loopback, which the
        // crawler reports as that address's failure, as for any silent node).
        r = try Shell.run(verack, ["crawl", "--magic", RealNode.magicHex, "--json", "--timeout", "3",
                                   "--proxy", "127.0.0.1:\(open.port)", "--seed", node.address])
        let tried = jsonEvents(r.stdout).first { $0["address"] as? String == node.address }
        #expect((tried?["user_agent"] as? String)?.contains("Bitcoin SV") == true, "\(r.stdout)\(r.stderr)")
        #expect(tried?["handshake_ms"] != nil && tried?["reason"] as? String == "no answer to getaddr within 3 s", "\(r.stdout)")

        // 2. With credentials, also randomised ones refused by a proxy that checks them.
        let guarded = try Microsocks(microsocks, credentials: ("alice", "s3cret"))
        defer { guarded.stop() }
        r = try Shell.run(verack, ["handshake", "--magic", RealNode.magicHex, "--transport", "v1", "--timeout", "20",
                                   "--proxy", "alice:s3cret@127.0.0.1:\(guarded.port)", node.address])
        #expect(r.status == 0, "handshake with credentials failed: \(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("via proxy 127.0.0.1:\(guarded.port)") && r.stdout.contains("established"), "\(r.stdout)")

        r = try Shell.run(verack, ["handshake", "--magic", RealNode.magicHex, "--json", "--transport", "v1", "--timeout", "20",
                                   "--proxy", "alice:wrong@127.0.0.1:\(guarded.port)", node.address])
        #expect(r.status != 0)
        events = jsonEvents(r.stdout)
        let failed = events.first { $0["event"] as? String == "failed" }
        let reason = failed?["reason"] as? String ?? ""
        #expect(reason.hasPrefix("proxy 127.0.0.1:\(guarded.port): ") && reason.contains("username and password"), "\(r.stdout)\(r.stderr)")
    }

    @Test func anOnionNeedsAProxy() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        let onion = String(repeating: "a", count: 56) + ".onion"
        let r = try Shell.run(verack, ["handshake", "--magic", RealNode.magicHex, "--timeout", "5", onion])
        #expect(r.status != 0)
        #expect(r.stderr.contains("needs --proxy or --onion"), "\(r.stdout)\(r.stderr)")
        let i2p = try Shell.run(verack, ["handshake", "--magic", RealNode.magicHex, "--timeout", "5", "--proxy", "127.0.0.1:9", "x.b32.i2p"])
        #expect(i2p.status != 0 && i2p.stderr.contains("I2P addresses are not supported"), "\(i2p.stdout)\(i2p.stderr)")
    }
}
