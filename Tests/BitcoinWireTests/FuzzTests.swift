import NodeHarness
import Testing
@testable import BitcoinWire

/// Random and mutated input must never crash the decoder, the payload decoders, the field
/// tree or the reports, and every loop must end.
@Suite("Fuzz-style robustness")
struct FuzzTests {
    static let commands = Message.knownCommands + ["block", "?"]

    @Test func randomBytes() {
        var rng = SeededRNG(seed: 0xf00d)
        let magic = Network.mainnet.magic
        for i in 0..<20_000 {
            let length = Int.random(in: 0...160, using: &rng)
            var bytes = rng.bytes(length)
            // Half of the inputs start like a frame, so the decoder gets past the magic.
            if i % 2 == 0 {
                let command = Self.commands[Int.random(in: 0..<Self.commands.count, using: &rng)]
                var header = MessageHeader(magic: magic, command: command, length: UInt32(length), checksum: Checksum(of: bytes)).encode()
                if i % 8 == 0 { header[16] = UInt8.random(in: 0...255, using: &rng) }
                bytes = header + bytes
            }
            var decoder = FrameDecoder(magic: magic)
            decoder.feed(bytes)
            for _ in 0..<4 { _ = try? decoder.next() }
            let command = Self.commands[i % Self.commands.count]
            _ = try? Message.decode(command: command, payload: bytes[...])
            _ = Message.fields(command: command, payload: bytes[...])
            if i % 50 == 0 { _ = FrameStreamReport(bytes: bytes, network: nil).jsonLines }
        }
    }

    @Test func mutatedFrames() throws {
        var rng = SeededRNG(seed: 0xbeef)
        let magic = Network.mainnet.magic
        for i in 0..<4_000 {
            var frame = mainnetFrames[i % mainnetFrames.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<frame.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: frame[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: frame.remove(at: at)
                default: frame.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                }
            }
            // Keep the magic sometimes, so mutations reach the payload decoders.
            if i % 2 == 0, frame.count >= 4 { frame.replaceSubrange(0..<4, with: magic.bytes) }
            var decoder = FrameDecoder(magic: magic)
            decoder.feed(frame)
            while let f = try? decoder.next() { _ = f.fields; _ = f.summary }
            if let f = Frame.inspect(frame, expectedMagic: magic) {
                _ = f.fields
                _ = f.summary
                let payload = frame.dropFirst(24)
                for command in Self.commands where i % 10 == 0 {
                    _ = try? Message.decode(command: command, payload: payload)
                    _ = Message.fields(command: command, payload: payload)
                }
            }
            if i % 20 == 0 { _ = FrameStreamReport(bytes: frame, network: nil).lines }
        }
    }
}
