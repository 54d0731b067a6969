import BitcoinWire
import PeerEngine

/// Tells a v2 (BIP324) connection of a capture from a v1 one, and keeps what can be said
/// of it without its keys.
///
/// Core tells them apart by the initiator's first 16 bytes: a v1 peer starts with a magic
/// and `version`. Here the first 16 bytes are v1 when they start with a magic looked for,
/// or hold `version` after any 4 bytes (another network's v1: the frame search then says
/// it found no frame of the network); anything else is a 64-byte ElligatorSwift key. Only
/// a connection seen from its SYN is judged: a capture that starts mid-stream is read as
/// v1 (the frame search finds its frames, or says it found none).
///
/// Of a v2 connection the keys are shown (one unit each way, `v2:key`), then only byte
/// counts: the garbage, the terminator and every packet are encrypted, packet lengths too,
/// so no boundary can be found without the keys.
struct V2Watch {
    enum State {
        /// The initiator's first bytes, until 16 are there.
        case undecided([UInt8])
        case v1
        case v2
    }

    var state: State
    /// Each direction's key bytes so far (up to 64), then its encrypted bytes.
    var sentKey: [UInt8] = []
    var receivedKey: [UInt8] = []
    var sentEncrypted = 0
    var receivedEncrypted = 0
    var reported = false

    static let decidingBytes = 16
    static let keyBytes = 64

    init(sawOpening: Bool) {
        state = sawOpening ? .undecided([]) : .v1
    }

    var isV2: Bool {
        if case .v2 = state { return true }
        return false
    }

    /// Whether a stream starting with `head` (16 bytes or more) is v1.
    static func looksV1(_ head: [UInt8], magics: [Magic]) -> Bool {
        guard head.count >= decidingBytes else { return true }
        let start = Array(head[0..<4])
        if magics.contains(where: { $0.bytes == start }) { return true }
        return Array(head[4..<decidingBytes]) == Command.version.wireBytes
    }

    /// Takes v2 bytes of one direction: returns the key once it is whole (only then).
    mutating func take(_ count: Int, bytes: UnsafeRawBufferPointer?, _ direction: FrameDirection) -> [UInt8]? {
        var key = direction == .sent ? sentKey : receivedKey
        var rest = count
        var whole: [UInt8]?
        if key.count < Self.keyBytes {
            let n = min(count, Self.keyBytes - key.count)
            if let bytes { key += bytes.prefix(n) } else { key += [UInt8](repeating: 0, count: n) }
            rest -= n
            if key.count == Self.keyBytes { whole = key }
        }
        if direction == .sent {
            sentKey = key
            sentEncrypted += rest
        } else {
            receivedKey = key
            receivedEncrypted += rest
        }
        return whole
    }

    /// The unit showing a direction's key.
    static func keyUnit(_ key: [UInt8], _ direction: FrameDirection) -> WireUnit {
        let note = direction == .sent
            ? "v2 (BIP324): the initiator's ElligatorSwift key (its first 16 bytes are no v1 header)"
            : "v2 (BIP324): the responder's key: the key exchange happened; what follows is encrypted, packet lengths too"
        return .step(.key, raw: key, layout: .whole(.key, count: key.count), note: note)
    }

    /// What is said of the connection when it ends.
    func summary(peer: PeerID) -> String {
        "peer \(peer) is v2 (BIP324): \(sentEncrypted) bytes sent and \(receivedEncrypted) received after the keys are encrypted, packet lengths too: no message can be read without the keys"
    }
}
