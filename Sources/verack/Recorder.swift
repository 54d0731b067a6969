import BitcoinWire
import Capture
import Foundation
import PeerEngine

/// `--record FILE`, the console's `record FILE` and `save FILE`: every event as one JSON
/// object per line, in the `--json` schema, after a first line naming the verack version,
/// the network and the start time (UTC). Each line is written as it happens.
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
        let known = Network.all.contains { $0.magic == network.magic }
        let header = JSONValue.object([
            ("event", .string("recording")), ("verack", .string(Verack.version)),
            ("network", known ? .string(network.name) : .null), ("magic", .string("\(network.magic)")),
            ("started", .string(Self.utc(epoch))),
        ])
        try file.write(line: header.serialized)
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

    /// `2026-11-22T06:49:18.564Z`.
    static func utc(_ seconds: Double) -> String {
        var t = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        let ms = Int(((seconds - seconds.rounded(.down)) * 1000).rounded(.down))
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let millis = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millis)Z"
    }
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
