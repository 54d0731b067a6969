import BitcoinWire
import PeerEngine

/// A connection's two endpoints, in a fixed order whichever way a packet goes.
struct ConnectionKey: Hashable {
    var a: TCPEndpoint
    var b: TCPEndpoint

    init(_ x: TCPEndpoint, _ y: TCPEndpoint) {
        (a, b) = x < y ? (x, y) : (y, x)
    }
}

/// One TCP connection of a capture: the peer it shows as, and both directions.
struct Connection {
    var peer: ObservedPeer
    var info: PeerInfo {
        get { peer.info }
        set { peer.info = newValue }
    }
    let initiator: TCPEndpoint
    var sentBytes = TCPReassembler()
    var receivedBytes = TCPReassembler()
    var sentFrames: FrameStream
    var receivedFrames: FrameStream
    /// Whether it is v1 or v2 (see ``V2Watch``).
    var watch: V2Watch
    /// Forgotten by a live capture: its slot waits for a new connection.
    var retired = false

    /// An empty stand-in for a forgotten connection.
    init(retiredFrom old: Connection) {
        self.init(info: PeerInfo(id: 0, address: "", direction: .outbound, phase: .closed(reason: ""), startedAt: 0), initiator: old.initiator, magic: nil, sawOpening: false)
        retired = true
    }

    init(info: PeerInfo, initiator: TCPEndpoint, magic: Magic?, sawOpening: Bool) {
        peer = ObservedPeer(info: info)
        watch = V2Watch(sawOpening: sawOpening)
        self.initiator = initiator
        sentFrames = FrameStream(magic: magic)
        receivedFrames = FrameStream(magic: magic)
    }

    /// Both directions are over, or it was closed.
    var isOver: Bool { info.phase.isEnd || (sentBytes.isFinished && receivedBytes.isFinished) }

    /// Takes a direction's state out (so it is not copied while it changes).
    mutating func reassembler(_ d: FrameDirection) -> TCPReassembler {
        defer { if d == .sent { sentBytes = TCPReassembler() } else { receivedBytes = TCPReassembler() } }
        return d == .sent ? sentBytes : receivedBytes
    }

    mutating func stream(_ d: FrameDirection) -> FrameStream {
        defer { if d == .sent { sentFrames = FrameStream(magic: nil) } else { receivedFrames = FrameStream(magic: nil) } }
        return d == .sent ? sentFrames : receivedFrames
    }

    mutating func set(_ d: FrameDirection, _ r: TCPReassembler, _ s: FrameStream) {
        if d == .sent {
            sentBytes = r
            sentFrames = s
        } else {
            receivedBytes = r
            receivedFrames = s
        }
    }

    mutating func count(_ event: FrameEvent, frame: Frame, time: Double, updates: Bool, _ emit: (PeerEvent) -> Void) {
        peer.count(event, frame: frame, time: time, updates: updates, emit)
    }
}
