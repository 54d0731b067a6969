import BitcoinWire
import PeerEngine

/// A tap on the engine's events that writes captures as they happen: the front ends hand it
/// every event, after their own handling. It remembers each peer's addresses for the frames.
public final class CaptureTap {
    public let pcap: PcapWriter?
    let magic: Magic
    /// Unix time of the engine's clock zero.
    let epoch: Double
    private var peers: [PeerID: PeerInfo] = [:]
    /// The first error, reported once; the capture stops there.
    public private(set) var failure: CaptureError?

    public init(pcap: PcapWriter?, magic: Magic, epoch: Double) {
        self.pcap = pcap
        self.magic = magic
        self.epoch = epoch
    }

    /// Takes one event; returns an error the first time writing fails.
    @discardableResult
    public func handle(_ event: PeerEvent) -> CaptureError? {
        switch event.kind {
        case let .peerAdded(info), let .phaseChanged(info, _), let .peerUpdated(info):
            peers[info.id] = info
        case let .frame(frame):
            guard failure == nil, let pcap, let peer = peers[frame.peer] else { return nil }
            do {
                try pcap.write(frame, at: epoch + frame.time, local: peer.localAddress, remote: peer.address, magic: magic)
            } catch {
                failure = error
                return error
            }
        default:
            break
        }
        return nil
    }

    public func close() { pcap?.close() }
}
