import BIP324
import BitcoinWire
import Testing
@testable import PeerEngine

/// What the v2 fuzz target (scripts/fuzz v2) found in ``V2Transport``, kept as tests. The
/// input that found each is in Fuzz/seeds/v2/.
@Suite("V2 fuzzer regressions")
struct V2FuzzRegressionTests {
    /// Our cipher (responder) and the peer's (initiator) for one session.
    static func session() throws -> (ours: V2PacketCipher, theirs: V2PacketCipher) {
        let a = try V2EphemeralKey.generate()
        let b = try V2EphemeralKey.generate()
        let magic = Network.mainnet.magic.bytes
        let theirs = try V2PacketCipher(secrets: V2SessionSecrets(ours: a, theirs: b.ellswift, initiating: true, magic: magic))
        let ours = try V2PacketCipher(secrets: V2SessionSecrets(ours: b, theirs: a.ellswift, initiating: false, magic: magic))
        return (ours, theirs)
    }

    /// The steps a transport past the key exchange shows for `stream`, read `chunk` bytes at
    /// a time.
    static func steps(_ stream: [UInt8], ours: V2PacketCipher, chunk: Int) -> [String] {
        var transport = V2Transport(initiating: false, magic: Network.mainnet.magic, settings: .init(), keyedWith: ours, ourGarbage: [])
        var steps: [String] = []
        var position = 0
        while position < stream.count {
            let end = min(stream.count, position + chunk)
            let outputs = stream[position..<end].withUnsafeBytes { transport.receive($0) }
            position = end
            for output in outputs {
                switch output {
                case let .received(unit, _): steps.append("\(unit.kind.label) \(unit.raw.count)")
                case let .failed(reason): steps.append("failed: \(reason)")
                default: break
                }
            }
        }
        return steps
    }

    /// Garbage over 4,095 bytes followed by the terminator in the same read was accepted; read
    /// byte by byte, the same bytes failed at 4,095 + 16. Now both fail.
    @Test(arguments: [4096, 4100, 4111])
    func garbageOverTheLimitFailsWhateverTheReads(_ size: Int) throws {
        let (ours, theirs) = try Self.session()
        let stream = [UInt8](repeating: 0, count: size) + theirs.sendGarbageTerminator
        let failure = "failed: no v2 garbage terminator within 4095 + 16 bytes of garbage"
        #expect(Self.steps(stream, ours: ours, chunk: stream.count) == [failure])
        #expect(Self.steps(stream, ours: ours, chunk: 1) == [failure])
    }

    @Test func garbageOf4095BytesIsTakenInOneReadOrMany() throws {
        let (ours, theirs) = try Self.session()
        let stream = [UInt8](repeating: 0, count: 4095) + theirs.sendGarbageTerminator
        for chunk in [stream.count, 1, 7] {
            #expect(Self.steps(stream, ours: ours, chunk: chunk) == ["v2:garbage 4095", "v2:term 16"])
        }
    }
}
