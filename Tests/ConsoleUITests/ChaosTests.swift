import BitcoinWire
import NodeHarness
import PeerEngine
import Testing
@testable import ConsoleUI

/// The console never crashes: random keys, random terminal sizes (including too small)
/// and random engine events, interleaved, with a render after every step. Seeded, so a
/// failure reproduces.
struct ChaosTests {
    static let keys: [Key] = [
        .enter, .esc, .tab, .backTab, .up, .down, .left, .right, .pgUp, .pgDown, .home, .end,
        .backspace, .delete, .ctrl("a"), .ctrl("e"), .ctrl("u"), .ctrl("w"), .ctrl("c"), .f1,
        .char(":"), .char("?"), .char("F"), .char("q"), .char(" "), .char("1"), .char("é"), .char("漢"),
    ]
    static let lines = [
        "drop 1", "drop all", "resend 1 ping --corrupt checksum", "resend 2 version --corrupt", "send 1 getaddr",
        "filter peer 1", "filter command ping", "filter off", "filter peer x", "connect", "connect 1.2.3.4:0",
        "help", "resend", "send 99 ping", "\u{1b}[2J", String(repeating: "x", count: 300),
    ]

    func randomEvent(_ rng: inout SeededRNG, peers: inout [PeerInfo]) -> PeerEvent {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0:
            let id = peers.count + 1
            let info = PeerInfo(id: id, address: "10.0.0.\(id):8333", direction: .outbound, phase: .connecting, startedAt: 0)
            peers.append(info)
            return .peerAdded(info)
        case 1 where !peers.isEmpty:
            let i = Int.random(in: 0..<peers.count, using: &rng)
            let phases: [PeerPhase] = [.versionSent, .established, .failed(reason: "x"), .closed(reason: String(repeating: "y", count: 200))]
            let old = peers[i].phase
            peers[i].phase = phases.randomElement(using: &rng) ?? .established
            peers[i].version = VersionMessage(
                timestamp: Int64.min, receiver: NetworkAddress(), nonce: 1,
                userAgent: "/agent\u{0}\u{1b}漢\u{301}:\(i)/" + String(repeating: "w", count: Int.random(in: 0..<300, using: &rng)),
                startHeight: Int32.min)
            return .phaseChanged(peers[i], from: old)
        case 2 where !peers.isEmpty:
            var info = peers[Int.random(in: 0..<peers.count, using: &rng)]
            info.silence = Bool.random(using: &rng) ? Silence(awaiting: "pong", since: -1e9) : nil
            info.pingMs = Double.random(in: 0...1e9, using: &rng)
            return .peerUpdated(info)
        case 3 where !peers.isEmpty:
            return .peerRemoved(peers[Int.random(in: 0..<peers.count, using: &rng)].id)
        case 4:
            return .error(peer: nil, message: String(repeating: "e", count: Int.random(in: 0..<500, using: &rng)))
        case 5:
            return .framesDropped(count: Int.random(in: 1..<1000, using: &rng))
        case 6:
            // v2 units: handshake steps and packets whose layouts may not fit their bytes.
            let peer = peers.isEmpty ? 1 : peers[Int.random(in: 0..<peers.count, using: &rng)].id
            let length = Int.random(in: 0..<300, using: &rng)
            let raw = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let contents: [WireContent] = [
                .message(Bool.random(using: &rng) ? "version" : "v2", .success(.unknown(command: "v2", payload: []))),
                .v2Step(.key, note: "k"), .v2Step(.garbage, note: "g\u{1b}x"), .v2Step(.terminator, note: "t"),
                .v2Step(.decoy, note: "d"), .v2Step(.version, note: "v"), .v2UnknownID(UInt8.random(in: 0...255, using: &rng)),
                .gap(note: "gap"),
            ]
            let content = contents.randomElement(using: &rng) ?? .gap(note: "gap")
            let layout: FrameLayout = Bool.random(using: &rng)
                ? .v2Packet(count: Int.random(in: 0..<400, using: &rng))
                : .whole(.garbage, count: length)
            let plaintext = Bool.random(using: &rng) ? (0..<Int.random(in: 0..<100, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } : nil
            let unit = WireUnit(
                content: content, transport: .v2, raw: raw, layout: layout,
                size: Int.random(in: -5..<5_000_000, using: &rng), checksumOK: true, plaintext: plaintext)
            let origins: [FrameOrigin] = [.protocol, .injected, .corrupted(.tag), .corrupted(.key), .corrupted(.terminator)]
            let frame = FrameEvent(
                peer: peer, direction: Bool.random(using: &rng) ? .sent : .received, time: Double.random(in: 0...1e7, using: &rng),
                unit: unit, origin: origins.randomElement(using: &rng) ?? .protocol)
            return .frame(frame)
        default:
            let peer = peers.isEmpty ? 1 : peers[Int.random(in: 0..<peers.count, using: &rng)].id
            let length = Int.random(in: 0..<200, using: &rng)
            var raw = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if Bool.random(using: &rng) { raw = FrameEncoder.encode(.ping(nonce: 5), magic: Magic(0xda, 0xb5, 0xbf, 0xfa)) }
            let message: Result<Message, WireError> = Bool.random(using: &rng)
                ? .success(.unknown(command: "blob", payload: raw[...]))
                : .failure(.truncated(field: "x", offset: 3, needed: 9, available: 1))
            return .frame(FrameEvent(
                peer: peer, direction: Bool.random(using: &rng) ? .sent : .received, time: Double.random(in: 0...1e7, using: &rng),
                raw: raw, command: "blob", size: length, checksumOK: Bool.random(using: &rng), message: message,
                corruption: Corruption.v1Kinds.randomElement(using: &rng)))
        }
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomUseNeverCrashes(seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        var model = ConsoleModel(networkName: "chaos", width: 100, height: 30)
        var peers: [PeerInfo] = []
        for _ in 0..<3000 {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0:
                model.resize(width: Int.random(in: 1...220, using: &rng), height: Int.random(in: 1...70, using: &rng))
                _ = model.handle(key: .resize)
            case 1:
                for ch in Self.lines.randomElement(using: &rng) ?? "" { _ = model.handle(key: .char(ch)) }
                _ = model.handle(key: .enter)
            case 2, 3, 4:
                model.handle(randomEvent(&rng, peers: &peers))
            case 5 where Bool.random(using: &rng):
                // A v2 peer with a session id, or one that fell back to v1.
                if var info = peers.randomElement(using: &rng) {
                    info.transport = [TransportKind.v1, .v2].randomElement(using: &rng)
                    info.sessionID = Bool.random(using: &rng) ? (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) } : nil
                    info.fellBackToV1 = Bool.random(using: &rng)
                    model.handle(.peerUpdated(info))
                }
            default:
                let key = Self.keys.randomElement(using: &rng) ?? .enter
                // Quitting is an action for the app; the model itself goes on.
                _ = model.handle(key: key)
            }
            let screen = model.render()
            #expect(screen.lines.count == max(0, model.layout.height) || model.layout.isTooSmall)
        }
    }
}
