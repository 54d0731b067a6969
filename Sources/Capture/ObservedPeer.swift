import BitcoinWire
import PeerEngine

/// A peer seen from outside its connection (a packet capture, a sniffed interface, Bitcoin
/// Core's own message capture): its row's snapshot, counted and moved through the
/// handshake's phases from the frames alone.
struct ObservedPeer {
    var info: PeerInfo
    /// Works the handshake phase out from the frames, as for a connection of ours.
    private var session: PeerSession

    init(info: PeerInfo) {
        self.info = info
        session = PeerSession.observer(direction: info.direction, now: info.startedAt)
    }

    /// Counts a frame, and moves the phase on as the handshake shows (``PeerSession``
    /// works the phase out, as it does for connections of ours). Emits the phase change,
    /// or with `updates` the new counters.
    mutating func count(_ event: FrameEvent, frame: Frame, time: Double, updates: Bool, _ emit: (PeerEvent) -> Void) {
        let sent = event.direction == .sent
        if sent {
            info.sent.count(command: event.label, bytes: frame.raw.count)
        } else {
            info.received.count(command: event.label, bytes: frame.raw.count)
            info.lastHeard = time
            if case let .success(.version(v)) = frame.message, info.version == nil { info.version = v }
        }
        let changed = (try? frame.message.get()).flatMap { session.observe($0, sent: sent, now: time) }
        if let phase = changed, !info.phase.isEnd {
            let old = info.phase
            info.phase = phase
            info.phaseChangedAt = time
            if phase == .established { info.establishedAt = time }
            emit(PeerEvent(time: time, .phaseChanged(info, from: old)))
        } else if updates {
            emit(PeerEvent(time: time, .peerUpdated(info)))
        }
    }
}
