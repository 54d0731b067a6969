import BitcoinWire
import Foundation
import PeerEngine

/// A recording read back (`verack open FILE.jsonl`): its network, when it started, and its
/// events in order, ready for the console. A line that does not parse becomes a visible
/// notice in its place (a gap), never a crash; a file that is not a recording is an error.
public struct Recording: Sendable {
    public var network: Network
    /// Unix time of the recording's clock zero.
    public var epoch: Double
    public var events: [PeerEvent]
    /// Lines that could not be read (each also left a notice among the events).
    public var skippedLines: Int

    /// The largest recording read (the console's log has its own budget beyond this).
    public static let maxBytes = 2 << 30

    /// Reads `path`; one-line errors for a missing file, an empty one, or one whose first
    /// line is not a verack recording's header.
    public static func read(path: String) throws(CaptureError) -> Recording {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > maxBytes {
                throw CaptureError("\(path) is \(size) bytes: recordings over \(maxBytes) bytes are not opened")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch let error as CaptureError {
            throw error
        } catch {
            throw CaptureError("cannot read \(path): \((error as NSError).localizedDescription)")
        }
        return try parse(data, name: path)
    }

    public static func parse(_ data: Data, name: String) throws(CaptureError) -> Recording {
        var reader = RecordingParser()
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            lineNumber += 1
            let line = data[start..<end]
            start = end < data.endIndex ? data.index(after: end) : end
            if line.isEmpty { continue }
            if lineNumber == 1 {
                try reader.header(line, name: name)
            } else {
                reader.line(line, number: lineNumber)
            }
        }
        guard let network = reader.network else { throw CaptureError("\(name) is empty: not a verack recording") }
        return Recording(network: network, epoch: reader.epoch, events: reader.events, skippedLines: reader.skipped)
    }
}

/// Turns recording lines back into events: a ``RecordedEvent`` each, through the peers
/// named so far; a line that is not one is skipped with a notice.
struct RecordingParser {
    var network: Network?
    var epoch = 0.0
    var events: [PeerEvent] = []
    var skipped = 0
    private var peers: [PeerID: PeerInfo] = [:]
    private let decoder = JSONDecoder()

    mutating func header(_ line: Data, name: String) throws(CaptureError) {
        guard let header = try? decoder.decode(RecordedEvent.self, from: line), header.event == .recording,
              let magic = header.magic.flatMap({ try? Magic(hex: $0) }) else {
            throw CaptureError("\(name) is not a verack recording (its first line is not a recording header)")
        }
        if let named = header.network.flatMap(Network.named), named.magic == magic {
            network = named
        } else {
            network = .custom(magic: magic)
        }
        if let started = header.started { epoch = RecordedEvent.time(utc: started) ?? 0 }
    }

    mutating func line(_ line: Data, number: Int) {
        let record: RecordedEvent
        do {
            record = try decoder.decode(RecordedEvent.self, from: line)
        } catch {
            if let unknown = error as? RecordedEvent.UnknownKind { return skip(number, "unknown event '\(unknown.name)'") }
            return skip(number, "not a JSON event")
        }
        switch record.peerEvents(peers: &peers, lastTime: events.last?.time ?? 0) {
        case let .success(new): events += new
        case let .failure(unreadable): skip(number, unreadable.reason)
        }
    }

    private mutating func skip(_ number: Int, _ why: String) {
        skipped += 1
        events.append(PeerEvent(time: events.last?.time ?? 0, .notice("recording line \(number) skipped: \(why)")))
    }
}
