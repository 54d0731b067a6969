import BitcoinWire
import Capture
import Foundation
import PeerEngine

/// `--record FILE`, the console's `record FILE` and `save FILE`: every event as one JSON
/// object per line (a ``RecordedEvent``, as `--json` prints them), after a first line naming
/// the verack version, the network and the start time (UTC). Each line is written as it
/// happens.
@MainActor
final class Recorder {
    let file: LineFile
    private let printer: EventPrinter
    /// The first write error; the recording stops there.
    private(set) var failure: CaptureError?

    /// Creates the file (refusing to replace one unless `force`) and writes the first line.
    init(path: String, force: Bool, network: Network, epoch: Double) throws(CaptureError) {
        file = try LineFile(path: path, force: force)
        let sink = FileSink(file: file)
        printer = EventPrinter(json: true, sink: sink)
        try file.write(line: RecordedEvent.header(verack: Verack.version, network: network, epoch: epoch).line)
        sink.onError = { [weak self] error in if self?.failure == nil { self?.failure = error } }
    }

    /// Records one event; returns an error the first time writing fails.
    @discardableResult
    func handle(_ event: PeerEvent) -> CaptureError? {
        guard failure == nil else { return nil }
        printer.handle(event)
        return failure
    }

    func close() { file.close() }
}

/// Lines straight to a recording file, one write each.
@MainActor
final class FileSink: LineSink {
    let file: LineFile
    var onError: ((CaptureError) -> Void)?

    init(file: LineFile) { self.file = file }

    func line(_ text: String) {
        do { try file.write(line: text) } catch { onError?(error) }
    }

    func flush() {}
}
