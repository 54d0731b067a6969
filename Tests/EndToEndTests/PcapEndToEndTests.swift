import Foundation
import NodeHarness
import Testing

/// verack's `--pcap` of sessions with the real node, read back by tshark (Wireshark's
/// dissector, not ours): every frame dissects as Bitcoin, none is malformed, and the
/// commands tshark lists are the frames `--json` printed, in order.
@Suite(.serialized) struct PcapEndToEndTests {
    func unavailable(_ reason: String) throws {
        if ConsoleEndToEndTests.inCI {
            Issue.record("end-to-end test cannot run in CI: \(reason)")
            return
        }
        try Test.cancel("skipped: \(reason)")
    }

    /// The `command` of each `frame` event of `--json` output.
    static func jsonCommands(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").compactMap { line in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  object["event"] as? String == "frame" else { return nil }
            return object["command"] as? String
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: [nil, "checksum"] as [String?])
    func tsharkReadsOurCaptureOfARealSession(_ corrupt: String?) throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tshark = Shell.which("tshark") else { return try unavailable("tshark is not installed (apt-get install tshark)") }
        let node: RealNode
        do { node = try RealNode.start() } catch { return try unavailable("the test node did not start: \(error)") }
        defer { node.stop() }
        let path = NSTemporaryDirectory() + "verack-e2e-\(getpid())-\(corrupt ?? "clean").pcap"
        unlink(path)
        defer { unlink(path) }

        var args = ["handshake", "--magic", RealNode.magicHex, "--json", "--pcap", path]
        if let corrupt { args += ["--corrupt", corrupt, "--timeout", "6"] }
        let run = try Shell.run(verack, args + [node.address])
        #expect(run.status == (corrupt == nil ? 0 : 1), "\(run.stdout)\(run.stderr)")
        let ours = Self.jsonCommands(run.stdout)
        #expect(ours.first == "version")

        let listing = try Shell.run(tshark, ["-r", path])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(!listing.stdout.contains("Malformed"), "tshark found malformed packets:\n\(listing.stdout)")
        let fields = try Shell.run(tshark, ["-r", path, "-T", "fields", "-e", "bitcoin.command"])
        let theirs = fields.stdout.split(separator: "\n").map(String.init)
        #expect(theirs == ours, "tshark: \(theirs)\nverack: \(ours)")
        if corrupt != nil {
            #expect(theirs == ["version"], "only the corrupted version went out")
        } else {
            #expect(theirs.filter { $0 == "version" }.count == 2 && theirs.contains("verack"))
        }
    }
}
