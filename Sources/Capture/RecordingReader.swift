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

/// Turns recording lines back into events.
struct RecordingParser {
    var network: Network?
    var epoch = 0.0
    var events: [PeerEvent] = []
    var skipped = 0
    private var peers: [PeerID: PeerInfo] = [:]

    mutating func header(_ line: Data, name: String) throws(CaptureError) {
        guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
              object["event"] as? String == "recording",
              let magicText = object["magic"] as? String, let magic = try? Magic(hex: magicText) else {
            throw CaptureError("\(name) is not a verack recording (its first line is not a recording header)")
        }
        if let named = (object["network"] as? String).flatMap(Network.named), named.magic == magic {
            network = named
        } else {
            network = .custom(magic: magic)
        }
        if let started = object["started"] as? String { epoch = Self.parseUTC(started) ?? 0 }
    }

    mutating func line(_ line: Data, number: Int) {
        guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
              let name = object["event"] as? String else {
            skip(number, "not a JSON event")
            return
        }
        let time = (object["t"] as? NSNumber)?.doubleValue ?? events.last?.time ?? 0
        let id = (object["id"] as? NSNumber)?.intValue
        let address = object["peer"] as? String ?? ""
        switch name {
        case "connecting":
            guard let id else { return skip(number, "connecting without a peer id") }
            let direction: PeerDirection = object["direction"] as? String == "in" ? .inbound : .outbound
            var info = PeerInfo(id: id, address: address, direction: direction, phase: .connecting, startedAt: time)
            info.transport = (object["transport"] as? String).flatMap(TransportKind.init(rawValue:))
            peers[id] = info
            events.append(PeerEvent(time: time, .peerAdded(info)))
        case "version-sent", "version-received", "verack-received", "established", "closed", "dropped", "failed":
            guard let id, var info = peers[id] else { return skip(number, "\(name) for an unknown peer") }
            let old = info.phase
            let reason = object["reason"] as? String ?? ""
            switch name {
            case "version-sent": info.phase = .versionSent
            case "version-received": info.phase = .versionReceived
            case "verack-received": info.phase = .verackReceived
            case "established":
                info.phase = .established
                info.establishedAt = time
                if let sid = object["session_id"] as? String { info.sessionID = try? Hex.decode(sid) }
            case "closed": info.phase = .closed(reason: reason)
            case "dropped": info.phase = .dropped(reason: reason)
            default: info.phase = .failed(reason: reason)
            }
            info.phaseChangedAt = time
            info.transport = (object["transport"] as? String).flatMap(TransportKind.init(rawValue:)) ?? info.transport
            info.silence = nil
            peers[id] = info
            events.append(PeerEvent(time: time, .phaseChanged(info, from: old)))
        case "silent", "heard":
            guard let id, var info = peers[id] else { return skip(number, "\(name) for an unknown peer") }
            info.silence = name == "silent" ? Silence(awaiting: (object["awaiting"] as? String).flatMap(Command.init(validating:)) ?? .unreadable, since: time) : nil
            peers[id] = info
            events.append(PeerEvent(time: time, .peerUpdated(info)))
        case "frame":
            guard let id, let frame = Self.frame(object, peer: id, time: time) else { return skip(number, "a frame without its bytes") }
            if var info = peers[id] {
                let n = frame.raw.count
                if frame.direction == .sent { info.sent.count(command: frame.label, bytes: n) } else {
                    info.received.count(command: frame.label, bytes: n)
                    info.lastHeard = time
                    if case let .success(.version(v)) = frame.message { info.version = v }
                }
                peers[id] = info
                events.append(PeerEvent(time: time, .peerUpdated(info)))
            }
            events.append(PeerEvent(time: time, .frame(frame)))
        case "v2-key-sent", "v2-key-received", "v2-garbage", "v2-terminator", "v2-decoy", "v2-version", "v2-unknown-id":
            guard let id, let frame = Self.step(name, object, peer: id, time: time) else { return skip(number, "a v2 step without its bytes") }
            events.append(PeerEvent(time: time, .frame(frame)))
        case "gap":
            guard let id else { return skip(number, "a gap without a peer") }
            let direction: FrameDirection = object["direction"] as? String == "sent" ? .sent : .received
            let size = (object["size"] as? NSNumber)?.intValue ?? 0
            let unit = WireUnit.gap(size, note: object["summary"] as? String ?? "gap: \(size) bytes missing")
            events.append(PeerEvent(time: time, .frame(FrameEvent(peer: id, direction: direction, time: time, unit: unit))))
        case "error":
            events.append(PeerEvent(time: time, .error(peer: id, message: object["reason"] as? String ?? "")))
        case "notice":
            events.append(PeerEvent(time: time, .notice(object["message"] as? String ?? "")))
        case "frames-dropped":
            events.append(PeerEvent(time: time, .framesDropped(count: (object["count"] as? NSNumber)?.intValue ?? 0)))
        case "recording", "listening":
            break
        default:
            skip(number, "unknown event '\(name)'")
        }
    }

    private mutating func skip(_ number: Int, _ why: String) {
        skipped += 1
        events.append(PeerEvent(time: events.last?.time ?? 0, .notice("recording line \(number) skipped: \(why)")))
    }

    static func origin(_ object: [String: Any]) -> FrameOrigin {
        if let c = (object["corrupt"] as? String).flatMap(Corruption.init(rawValue:)) { return .corrupted(c) }
        return object["injected"] as? Bool == true ? .injected : .protocol
    }

    static func frame(_ object: [String: Any], peer: PeerID, time: Double) -> FrameEvent? {
        guard let hex = object["hex"] as? String, let raw = try? Hex.decode(hex) else { return nil }
        let direction: FrameDirection = object["direction"] as? String == "sent" ? .sent : .received
        let unit: WireUnit
        if object["transport"] as? String == "v2" {
            let command = (object["command"] as? String).flatMap(Command.init(validating:)) ?? .unreadable
            let plaintext = (object["plaintext"] as? String).flatMap { try? Hex.decode($0) } ?? []
            let message: Result<Message, WireError>
            do { message = .success(try Message.decode(command: command, payload: plaintext[...], offset: 0)) } catch { message = .failure(error) }
            unit = WireUnit(
                transport: .v2, raw: raw, layout: .v2Packet(count: raw.count), command: command, size: plaintext.count,
                checksumOK: true, message: message, plaintext: plaintext)
        } else if let inspected = Frame.inspect(raw) {
            unit = WireUnit(frame: inspected)
        } else {
            unit = WireUnit(
                transport: .v1, raw: raw, layout: .v1(count: raw.count), command: (object["command"] as? String).flatMap(Command.init(validating:)) ?? .unreadable,
                size: raw.count, checksumOK: false, message: .failure(.truncated(field: "header", offset: 0, needed: MessageHeader.size, available: raw.count)))
        }
        return FrameEvent(peer: peer, direction: direction, time: time, unit: unit, origin: origin(object))
    }

    static func step(_ name: String, _ object: [String: Any], peer: PeerID, time: Double) -> FrameEvent? {
        guard let raw = (object["hex"] as? String).flatMap({ try? Hex.decode($0) }) else { return nil }
        let direction: FrameDirection = object["direction"] as? String == "sent" || name == "v2-key-sent" ? .sent : .received
        let ours = direction == .sent
        let size = (object["size"] as? NSNumber)?.intValue ?? raw.count
        let step: V2HandshakeStep
        let layout: FrameLayout
        let note: String
        switch name {
        case "v2-key-sent", "v2-key-received":
            (step, layout, note) = (.key, .whole(.key, count: raw.count), "\(ours ? "our" : "their") ElligatorSwift key (\(raw.count) bytes)")
        case V2HandshakeStep.garbage.rawValue:
            (step, layout, note) = (.garbage, .whole(.garbage, count: raw.count), "\(ours ? "our" : "their") garbage: \(size) bytes")
        case V2HandshakeStep.terminator.rawValue:
            (step, layout, note) = (.terminator, .whole(.terminator, count: raw.count), "\(ours ? "our" : "their") garbage terminator")
        case V2HandshakeStep.decoy.rawValue:
            (step, layout, note) = (.decoy, .v2Packet(count: raw.count), "decoy: \(size) bytes")
        case V2HandshakeStep.version.rawValue:
            (step, layout, note) = (.version, .v2Packet(count: raw.count), "\(ours ? "our" : "their") version packet")
        default:
            let id = UInt8(clamping: (object["id"] as? NSNumber)?.intValue ?? 0)
            let plaintext = (object["plaintext"] as? String).flatMap { try? Hex.decode($0) }
            let unit = WireUnit(
                content: .v2UnknownID(id), transport: .v2, raw: raw, layout: .v2Packet(count: raw.count), size: size,
                checksumOK: true, plaintext: plaintext)
            return FrameEvent(peer: peer, direction: direction, time: time, unit: unit, origin: origin(object))
        }
        let unit = WireUnit.step(step, raw: raw, layout: layout, size: size, note: note)
        return FrameEvent(peer: peer, direction: direction, time: time, unit: unit, origin: origin(object))
    }

    /// `2026-11-22T06:49:18.564Z` as Unix time.
    static func parseUTC(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}
