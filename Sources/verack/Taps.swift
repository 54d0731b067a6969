import BitcoinWire
import Capture
import PeerEngine

/// The captures a front end writes as events arrive: `--record` (JSON Lines) and `--pcap`.
@MainActor
final class Taps {
    private(set) var recorder: Recorder?
    private(set) var pcap: CaptureTap?
    private var reported = Set<String>()

    /// Opens the files `capture` names (a file that cannot be made is a one-line error).
    init(capture: CaptureOptions, network: Network, epoch: Double) throws {
        recorder = try capture.openRecorder(network: network, epoch: epoch)
        pcap = try capture.openPcap().map { CaptureTap(pcap: $0, magic: network.magic, epoch: epoch) }
    }

    init() {}

    var isEmpty: Bool { recorder == nil && pcap == nil }

    /// Starts recording to `path` (the console's `record FILE`).
    func startRecording(path: String, force: Bool, network: Network, epoch: Double) throws(CaptureError) {
        recorder?.close()
        recorder = try Recorder(path: path, force: force, network: network, epoch: epoch)
    }

    /// Stops recording; returns the file's path and its number of lines, if one was open.
    func stopRecording() -> (path: String, lines: Int)? {
        guard let recorder else { return nil }
        recorder.close()
        self.recorder = nil
        return (recorder.file.path, recorder.file.lines)
    }

    /// Hands the event to every capture; returns each capture's failure once, as a line.
    func handle(_ event: PeerEvent) -> [String] {
        var errors: [String] = []
        if let error = recorder?.handle(event) { errors.append("recording stopped: \(error)") }
        if let error = pcap?.handle(event) { errors.append("pcap stopped: \(error)") }
        return errors.filter { reported.insert($0).inserted }
    }
}

/// Lets the engine's event closure reach captures made after the engine (they need the
/// engine's clock).
@MainActor
final class TapBox {
    var taps: Taps?
}
