import Foundation
import NodeHarness
import Testing

/// verack's `--pcap` and `--record` of sessions with the real node. tshark (Wireshark's
/// dissector, not ours) reads the pcap: every frame dissects as Bitcoin, none is
/// malformed, and the commands it lists are the recording's frames, in order. The
/// recording is its header line followed by exactly what `--json` printed.
@Suite(.serialized) struct PcapEndToEndTests {

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
        let recording = NSTemporaryDirectory() + "verack-e2e-\(getpid())-\(corrupt ?? "clean").jsonl"
        unlink(path)
        unlink(recording)
        defer { unlink(path); unlink(recording) }

        var args = ["handshake", "--magic", RealNode.magicHex, "--json", "--pcap", path, "--record", recording]
        if let corrupt { args += ["--corrupt", corrupt, "--timeout", "6"] }
        let run = try Shell.run(verack, args + [node.address])
        #expect(run.status == (corrupt == nil ? 0 : 1), "\(run.stdout)\(run.stderr)")
        let recorded = try String(contentsOfFile: recording, encoding: .utf8)
        var lines = recorded.split(separator: "\n").map(String.init)
        let header = try #require((try? JSONSerialization.jsonObject(with: Data(lines.removeFirst().utf8))) as? [String: Any])
        #expect(header["event"] as? String == "recording")
        #expect(header["magic"] as? String == RealNode.magicHex)
        #expect((header["started"] as? String)?.hasSuffix("Z") == true)
        #expect(lines == run.stdout.split(separator: "\n").map(String.init), "the recording is not the --json output")
        let ours = Self.jsonCommands(recorded)
        #expect(ours.first == "version")

        let listing = try Shell.run(tshark, ["-r", path])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(!listing.stdout.contains("Malformed"), "tshark found malformed packets:\n\(listing.stdout)")
        let fields = try Shell.run(tshark, ["-r", path, "-T", "fields", "-e", "bitcoin.command"])
        let theirs = fields.stdout.split(separator: "\n").map(String.init)
        #expect(theirs == ours, "tshark: \(theirs)\nrecording: \(ours)")
        if corrupt != nil {
            #expect(theirs == ["version"], "only the corrupted version went out")
        } else {
            #expect(theirs.filter { $0 == "version" }.count == 2 && theirs.contains("verack"))
        }
    }
}

extension PcapEndToEndTests {
    /// A capture never replaces a file unless asked: one line, exit 64, the file intact.
    @Test func capturesRefuseToReplaceAFile() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        let path = NSTemporaryDirectory() + "verack-e2e-\(getpid())-keep"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        for flag in ["--record", "--pcap"] {
            let r = try Shell.run(verack, ["handshake", "--network", "regtest", flag, path, "127.0.0.1:1"])
            #expect(r.status == 64)
            #expect(r.stderr == "Error: \(flag): \(path) exists: give --force to replace it\n")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep")
        }
    }
}
