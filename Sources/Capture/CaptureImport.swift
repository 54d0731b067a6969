import BitcoinWire
import PeerEngine

/// A capture read whole into the console's events as it opens (`verack open`): a pcap or
/// pcapng, or Bitcoin Core's `-capturemessages` folder.
public protocol CaptureImport: AnyObject {
    /// Reads the capture, handing each event to `emit` as it comes.
    func run(_ emit: (PeerEvent) -> Void)
    /// Unix time of the first packet or record, once read: the clock zero.
    var epoch: Double? { get }
    /// Error events emitted (gaps, broken streams, files cut short).
    var errors: Int { get }
    /// The network the capture turned out to be (or was said to be).
    var foundNetwork: Network? { get }
    /// Frames that failed to decode.
    var invalidFrames: Int { get }
    /// Whether each frame also emits its peer's updated counters (off for a reader that
    /// prints frames).
    var peerUpdates: Bool { get set }
}

extension PcapImporter: CaptureImport {
    public var foundNetwork: Network? { network }
}

extension CoreCaptureImporter: CaptureImport {
    public var foundNetwork: Network? { network }
}
