import BitcoinWire
import Foundation

/// `verack-fuzz seeds TARGET DIR`: writes a seed corpus for TARGET into DIR, made from the
/// repository's test vectors (run from the repository root): the v1 frames in
/// Tests/BitcoinWireTests/Vectors/*.txt, the contents in BIP324's packet_encoding vectors,
/// typed command lines, and `addr`/`addrv2` payloads made with the encoders. Hand-made seeds live in Fuzz/seeds/TARGET/ (scripts/fuzz copies
/// them as they are).
enum Seeds {
    static func write(target: String, to directory: String) -> Int {
        var seeds: [[UInt8]] = []
        let frames = vectorFrames()
        switch target {
        case "frame":
            seeds = frames
            seeds.append(frames.reduce([], +))  // the whole session as one stream
        case "message":
            for frame in frames where frame.count >= MessageHeader.size {
                guard let header = try? MessageHeader.parse(frame[..<MessageHeader.size]),
                      let index = MessageTarget.commands.firstIndex(of: header.command) else { continue }
                seeds.append([UInt8(index)] + frame[MessageHeader.size...])
                seeds.append([UInt8(index) | 0xc0] + frame[MessageHeader.size...])
            }
        case "command-line":
            let lines = [
                "connect 127.0.0.1:18444", "connect --v2 [::1]:18444", "connect --v1 seeds", "connect seeds",
                "drop 1", "drop all", "resend 1 version --corrupt checksum", "resend 2 ping --corrupt=tag",
                "send 1 ping", "send 2 getheaders", "filter peer 1", "filter command inv", "filter off", "help", "quit",
            ]
            for line in lines { seeds.append(Array(line.utf8) + [0x00]) }
            // History, editing and completion keys: ↑ ↓ ← → Home End, Tab, Ctrl-W, Ctrl-U.
            seeds.append(Array("send 1 ping".utf8) + [0x00] + Array("filter off".utf8) + [0x00, 0x04, 0x04, 0x05, 0x06, 0x0a, 0x13, 0x00])
            seeds.append(Array("res".utf8) + [0x02] + Array(" 1 pi".utf8) + [0x02, 0x02, 0x00])
            seeds.append(Array("drop 1 2".utf8) + [0x06, 0x06, 0x0c, 0x0d, 0x12, 0x0b, 0x10, 0x00])
            seeds.append([0x02, 0x02, 0x04, 0x05, 0x0e, 0x0f, 0x00, 0x50, 0x14, 0x01, 0x08, 0x09, 0x00])
            seeds.append(Array("connect ".utf8) + [0x80, 0x82, 0x85, 0x86, 0x89, 0x81, 0x00])
        case "v2":
            // flags 0 (we respond), no garbage, the version packet, then each vector frame's
            // message; one with garbage and a decoy; then each BIP324 vector's contents.
            var script: [UInt8] = [0x00, 0, 0, 0x00, 0x00]
            for frame in frames.prefix(12) where frame.count >= MessageHeader.size {
                guard let header = try? MessageHeader.parse(frame[..<MessageHeader.size]),
                      let index = MessageTarget.commands.firstIndex(of: header.command) else { continue }
                let payload = frame[MessageHeader.size...]
                seeds.append([0x01, 0, 0, 0x00, 0x00, 0x05, UInt8(index), UInt8(payload.count & 0xff), UInt8(payload.count >> 8)] + payload)
                script += [0x05, UInt8(index), UInt8(payload.count & 0xff), UInt8(payload.count >> 8)] + payload
            }
            seeds.append(script)
            seeds.append([0x00, 5, 0, 1, 2, 3, 4, 5, 0x08, 3, 9, 9, 9, 0x00, 0x00, 0x01, 2, 0, 0x02, 3, 1, 2, 3])
            for contents in packetVectorContents() {
                seeds.append([0x01, 0, 0, 0x00, 0x00, 0x04, UInt8(contents.count & 0xff), UInt8(contents.count >> 8)] + contents)
            }
        case "addresses":
            seeds = AddressesTarget.seeds()
        case "core-capture":
            seeds = CoreCaptureTarget.seeds(frames.prefix(12).map { $0 })
        case "pcap":
            let stream = frames.prefix(8).reduce([], +)
            seeds.append(stream)
            seeds.append(PcapTarget.seedCapture(stream))
        default:
            return 0
        }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (i, seed) in seeds.enumerated() {
            _ = FileManager.default.createFile(atPath: "\(directory)/seed-\(target)-\(i + 1)", contents: Data(seed))
        }
        return seeds.count
    }

    /// The last field of each non-comment line that is hex: a whole frame.
    static func vectorFrames() -> [[UInt8]] {
        let directory = "Tests/BitcoinWireTests/Vectors"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
        var frames: [[UInt8]] = []
        for file in files {
            guard let text = try? String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let field = line.split(separator: " ").last, let bytes = try? Hex.decode(String(field)) else { continue }
                if !bytes.isEmpty { frames.append(bytes) }
            }
        }
        return frames
    }

    /// `in_contents` of BIP324's packet_encoding vectors (the short ones, multiply 1).
    static func packetVectorContents() -> [[UInt8]] {
        guard let text = try? String(contentsOfFile: "Tests/BIP324Tests/Vectors/packet_encoding_test_vectors.csv", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: ",", omittingEmptySubsequences: false)
            guard columns.count > 6, columns[6] == "1", let contents = try? Hex.decode(String(columns[5])), contents.count < 4096 else { return nil }
            return contents
        }
    }
}
