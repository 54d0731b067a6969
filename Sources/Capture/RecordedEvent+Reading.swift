import BitcoinWire
import Foundation
import PeerEngine

// Reading: lines to events. Writing them: RecordedEvent+Writing.swift.

extension RecordedEvent {
    /// Why a line stands for no event; a reader skips it and says so.
    public struct Unreadable: Error, Equatable {
        public var reason: String

        public init(_ reason: String) { self.reason = reason }
    }

    /// The events this line stands for, given the peers that earlier lines named (`peers`,
    /// which it updates); `lastTime` stands in for a missing `t`. A frame is decoded again
    /// from its `hex` (and a v2 frame from its `plaintext`), and also updates its peer's
    /// counters. Headers stand for nothing.
    public func peerEvents(peers: inout [PeerID: PeerInfo], lastTime: Double) -> Result<[PeerEvent], Unreadable> {
        let time = t ?? lastTime
        switch event {
        case .recording, .listening:
            return .success([])
        case .connecting:
            guard let id else { return .failure(Unreadable("connecting without a peer id")) }
            var info = PeerInfo(id: id, address: peer ?? "", direction: direction == PeerDirection.inbound.rawValue ? .inbound : .outbound, phase: .connecting, startedAt: time)
            info.transport = transport.flatMap(TransportKind.init(rawValue:))
            if let pair, let side = leg.flatMap(RelaySide.init(rawValue:)), let partner {
                info.relay = RelayLeg(pair: pair, side: side, partner: partner)
            }
            peers[id] = info
            return .success([PeerEvent(time: time, .peerAdded(info))])
        case .versionSent, .versionReceived, .verackReceived, .established, .closed, .dropped, .failed:
            guard let id, var info = peers[id] else { return .failure(Unreadable("\(event.rawValue) for an unknown peer")) }
            let old = info.phase
            let reason = reason ?? ""
            switch event {
            case .versionSent: info.phase = .versionSent
            case .versionReceived: info.phase = .versionReceived
            case .verackReceived: info.phase = .verackReceived
            case .established:
                info.phase = .established
                info.establishedAt = time
                if let sessionID { info.sessionID = try? Hex.decode(sessionID) }
            case .closed: info.phase = .closed(reason: reason)
            case .dropped: info.phase = .dropped(reason: reason)
            default: info.phase = .failed(reason: reason)
            }
            info.phaseChangedAt = time
            info.transport = transport.flatMap(TransportKind.init(rawValue:)) ?? info.transport
            info.silence = nil
            peers[id] = info
            return .success([PeerEvent(time: time, .phaseChanged(info, from: old))])
        case .silent, .heard:
            guard let id, var info = peers[id] else { return .failure(Unreadable("\(event.rawValue) for an unknown peer")) }
            info.silence = event == .silent ? Silence(awaiting: awaiting.flatMap(Command.init(validating:)) ?? .unreadable, since: time) : nil
            peers[id] = info
            return .success([PeerEvent(time: time, .peerUpdated(info))])
        case .frame:
            guard let id, let frame = frameEvent(peer: id, time: time) else { return .failure(Unreadable("a frame without its bytes")) }
            var events: [PeerEvent] = []
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
            return .success(events)
        case .v2KeySent, .v2KeyReceived, .v2Garbage, .v2Terminator, .v2Decoy, .v2Version, .v2UnknownID:
            guard let id, let frame = stepEvent(peer: id, time: time) else { return .failure(Unreadable("a v2 step without its bytes")) }
            return .success([PeerEvent(time: time, .frame(frame))])
        case .gap:
            guard let id else { return .failure(Unreadable("a gap without a peer")) }
            let size = size ?? 0
            let unit = WireUnit.gap(size, note: summary ?? "gap: \(size) bytes missing")
            return .success([PeerEvent(time: time, .frame(FrameEvent(peer: id, direction: frameDirection, time: time, unit: unit)))])
        case .error:
            return .success([PeerEvent(time: time, .error(peer: id, message: reason ?? ""))])
        case .notice:
            return .success([PeerEvent(time: time, .notice(message ?? ""))])
        case .framesDropped:
            return .success([PeerEvent(time: time, .framesDropped(count: count ?? 0))])
        case .relayListening:
            return .success([PeerEvent(time: time, .relay(.listening(listen: listen ?? "", port: UInt16(clamping: port ?? 0), target: target ?? "")))])
        case .relayStopped:
            return .success([PeerEvent(time: time, .relay(.stopped(listen: listen ?? "", pairs: count ?? 0)))])
        case .intercept:
            return .success([PeerEvent(time: time, .relay(.intercepting(rule.flatMap(InterceptRule.init(parsing:)))))])
        case .released:
            guard let held, let pair else { return .failure(Unreadable("released without a held id and pair")) }
            let news = RelayNews.released(held: held, pair: pair, sequence: seq ?? 0, forwarded: forwarded ?? false, note: reason ?? "")
            return .success([PeerEvent(time: time, .relay(news))])
        }
    }

    /// The relay mark of a frame line, when it has one.
    private var relayMark: RelayMark? {
        guard let pair, let side = leg.flatMap(RelaySide.init(rawValue:)) else { return nil }
        let from = flow.flatMap(RelaySide.init(flow:)) ?? side
        return RelayMark(pair: pair, leg: side, from: from, sequence: seq ?? 0, held: held)
    }

    private var frameDirection: FrameDirection {
        direction == FrameDirection.sent.rawValue || event == .v2KeySent ? .sent : .received
    }

    private var origin: FrameOrigin {
        if let c = corrupt.flatMap(Corruption.init(rawValue:)) { return .corrupted(c) }
        return injected == true ? .injected : .protocol
    }

    /// A `frame` line's frame, decoded again from its bytes; nil without them.
    func frameEvent(peer: PeerID, time: Double) -> FrameEvent? {
        guard let raw = hex.flatMap({ try? Hex.decode($0) }) else { return nil }
        let command = command.flatMap(Command.init(validating:)) ?? .unreadable
        let unit: WireUnit
        if transport == TransportKind.v2.rawValue {
            let plaintext = plaintext.flatMap { try? Hex.decode($0) } ?? []
            let message = Result { () throws(WireError) -> Message in try Message.decode(command: command, payload: plaintext[...], offset: 0) }
            unit = WireUnit(
                transport: .v2, raw: raw, layout: .v2Packet(count: raw.count), command: command, size: plaintext.count,
                checksumOK: true, message: message, plaintext: plaintext)
        } else if let inspected = Frame.inspect(raw) {
            unit = WireUnit(frame: inspected)
        } else {
            unit = WireUnit(
                transport: .v1, raw: raw, layout: .v1(count: raw.count), command: command, size: raw.count, checksumOK: false,
                message: .failure(.truncated(field: "header", offset: 0, needed: MessageHeader.size, available: raw.count)))
        }
        return FrameEvent(peer: peer, direction: frameDirection, time: time, unit: unit, origin: origin, relay: relayMark)
    }

    /// A v2 step line's unit; nil without its bytes.
    func stepEvent(peer: PeerID, time: Double) -> FrameEvent? {
        guard let raw = hex.flatMap({ try? Hex.decode($0) }) else { return nil }
        let direction = frameDirection
        let ours = direction == .sent
        let size = size ?? raw.count
        let step: V2HandshakeStep
        let layout: FrameLayout
        let note: String
        switch event {
        case .v2Garbage:
            (step, layout, note) = (.garbage, .whole(.garbage, count: raw.count), "\(ours ? "our" : "their") garbage: \(size) bytes")
        case .v2Terminator:
            (step, layout, note) = (.terminator, .whole(.terminator, count: raw.count), "\(ours ? "our" : "their") garbage terminator")
        case .v2Decoy:
            (step, layout, note) = (.decoy, .v2Packet(count: raw.count), "decoy: \(size) bytes")
        case .v2Version:
            (step, layout, note) = (.version, .v2Packet(count: raw.count), "\(ours ? "our" : "their") version packet")
        case .v2UnknownID:
            // Recordings before `type_id` wrote the id as a second `id` member, which the
            // peer's id shadows: 0 stands in.
            let unit = WireUnit(
                content: .v2UnknownID(UInt8(clamping: typeID ?? 0)), transport: .v2, raw: raw, layout: .v2Packet(count: raw.count),
                size: size, checksumOK: true, plaintext: plaintext.flatMap { try? Hex.decode($0) })
            return FrameEvent(peer: peer, direction: direction, time: time, unit: unit, origin: origin, relay: relayMark)
        default:
            (step, layout, note) = (.key, .whole(.key, count: raw.count), "\(ours ? "our" : "their") ElligatorSwift key (\(raw.count) bytes)")
        }
        let unit = WireUnit.step(step, raw: raw, layout: layout, size: size, note: note)
        return FrameEvent(peer: peer, direction: direction, time: time, unit: unit, origin: origin, relay: relayMark)
    }
}
