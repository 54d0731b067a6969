import BitcoinWire
import Foundation
import PeerEngine

// Writing: events to lines. Reading them back: RecordedEvent+Reading.swift.

extension RecordedEvent {
    /// What a writer of lines remembers of a run: each peer's address and transport, which
    /// every line of the peer names, and which peers are silent (a silence makes a line when
    /// it begins and when it ends, not with every update of the peer).
    public struct Writer: Sendable {
        private var addresses: [PeerID: String] = [:]
        private var transports: [PeerID: TransportKind] = [:]
        private var silent: Set<PeerID> = []

        public init() {}

        /// Takes in what `event` says of its peer; true if it makes a line (then ask
        /// ``line(_:)`` for it).
        public mutating func take(_ event: PeerEvent) -> Bool {
            switch event.kind {
            case let .peerAdded(info):
                addresses[info.id] = info.address
                transports[info.id] = info.transport
            case let .phaseChanged(info, _):
                transports[info.id] = info.transport
            case let .peerUpdated(info):
                transports[info.id] = info.transport
                if info.silence != nil {
                    return silent.insert(info.id).inserted
                }
                return silent.remove(info.id) != nil
            case .peerRemoved:
                return false
            case .frame, .framesDropped, .notice, .error, .relay:
                break
            }
            return true
        }

        /// The line of an event that ``take(_:)`` said makes one.
        public func line(_ event: PeerEvent) -> RecordedEvent? {
            let id = Self.peer(of: event)
            return RecordedEvent(event, address: address(of: id), transport: id.flatMap { transports[$0] })
        }

        /// The address of peer `id`; empty for none, or for a peer not seen.
        public func address(of id: PeerID?) -> String {
            id.flatMap { addresses[$0] } ?? ""
        }

        private static func peer(of event: PeerEvent) -> PeerID? {
            switch event.kind {
            case let .peerAdded(info), let .phaseChanged(info, _), let .peerUpdated(info): return info.id
            case let .peerRemoved(id): return id
            case let .frame(f): return f.peer
            case .framesDropped, .notice, .relay: return nil
            case let .error(peer, _): return peer
            }
        }
    }

    /// A recording's first line: the verack `version` that writes it, the network (its name
    /// only if a named network has its magic), the magic, and the start time `epoch` in UTC.
    public static func header(verack version: String, network: Network, epoch: Double) -> RecordedEvent {
        var line = RecordedEvent(.recording)
        line.verack = version
        line.network = Network.all.contains { $0.magic == network.magic } ? network.name : nil
        line.magic = "\(network.magic)"
        line.started = utc(epoch)
        return line
    }

    /// The line `event` makes, with its peer's `address` and transport as the writer knows
    /// them (`transport`); nil for an event no line stands for (a peer removed). A
    /// `peerUpdated` makes `silent` when its info has a silence and `heard` when not: write
    /// one only when that changes (``Writer`` knows when).
    public init?(_ event: PeerEvent, address: String, transport: TransportKind?) {
        switch event.kind {
        case let .peerAdded(info):
            self.init(.connecting, peer: info.id, time: info.startedAt)
            direction = info.direction.rawValue
            proxy = info.proxy
            if let relay = info.relay {
                pair = relay.pair
                leg = relay.side.rawValue
                partner = relay.partner
            }
        case let .phaseChanged(info, _):
            self.init(phase: info)
        case let .peerUpdated(info):
            if let silence = info.silence {
                self.init(.silent, peer: info.id, time: event.time)
                reason = Self.silenceReason(silence, at: event.time)
                awaiting = silence.awaiting.name
            } else {
                self.init(.heard, peer: info.id, time: event.time)
            }
        case .peerRemoved:
            return nil
        case let .frame(f):
            self.init(frame: f)
        case let .framesDropped(count):
            self.init(.framesDropped, peer: nil, time: event.time)
            self.count = count
        case let .notice(message):
            self.init(.notice, peer: nil, time: event.time)
            self.message = message
        case let .error(peer, message):
            self.init(.error, peer: peer, time: event.time)
            reason = message
        case let .relay(news):
            self.init(relay: news, time: event.time)
        }
        peer = address
        if let kind = transport ?? Self.unitTransport(event) { self.transport = kind.rawValue }
    }

    private init(relay news: RelayNews, time: Double) {
        switch news {
        case let .listening(listen, port, target):
            self.init(.relayListening, peer: nil, time: time)
            self.listen = listen
            self.port = Int(port)
            self.target = target
        case let .stopped(listen, pairs):
            self.init(.relayStopped, peer: nil, time: time)
            self.listen = listen
            count = pairs
        case let .intercepting(rule):
            self.init(.intercept, peer: nil, time: time)
            self.rule = rule?.description
        case let .released(held, pair, sequence, forwarded, note):
            self.init(.released, peer: nil, time: time)
            self.held = held
            self.pair = pair
            seq = sequence
            self.forwarded = forwarded
            reason = note
        }
    }

    /// What a `silent` line says: `no pong for 20.0 s`.
    public static func silenceReason(_ silence: Silence, at time: Double) -> String {
        "no \(silence.awaiting) for \(String(format: "%.1f", time - silence.since)) s"
    }

    /// A line of a peer (or of none), its time rounded to the millisecond.
    private init(_ event: Kind, peer: PeerID?, time: Double) {
        self.init(event)
        id = peer
        t = (time * 1000).rounded() / 1000
    }

    private init(phase info: PeerInfo) {
        let kind: Kind
        switch info.phase {
        case .connecting: kind = .connecting
        case .versionSent: kind = .versionSent
        case .versionReceived: kind = .versionReceived
        case .verackReceived: kind = .verackReceived
        case .established: kind = .established
        case .closed: kind = .closed
        case .dropped: kind = .dropped
        case .failed: kind = .failed
        }
        self.init(kind, peer: info.id, time: info.phaseChangedAt)
        if kind == .established {
            let ms = ((info.establishedAt ?? info.phaseChangedAt) - info.startedAt) * 1000
            self.ms = (ms * 10).rounded() / 10
            if let v = info.version {
                version = Int(v.version)
                userAgent = v.userAgent
                services = v.services.rawValue
                serviceNames = v.services.names
                startHeight = Int(v.startHeight)
            }
            sessionID = info.sessionID.map { Hex.encode($0) }
        } else if let reason = info.phase.reason {
            self.reason = reason
            received = Traffic(info.received)
            sent = Traffic(info.sent)
        }
    }

    private init(frame f: FrameEvent) {
        let kind: Kind
        switch f.kind {
        case .message: kind = .frame
        case .v2Key: kind = f.direction == .sent ? .v2KeySent : .v2KeyReceived
        case .v2Garbage: kind = .v2Garbage
        case .v2Terminator: kind = .v2Terminator
        case .v2Decoy: kind = .v2Decoy
        case .v2Version: kind = .v2Version
        case .v2UnknownID: kind = .v2UnknownID
        case .gap: kind = .gap
        }
        self.init(kind, peer: f.peer, time: f.time)
        direction = f.direction.rawValue
        size = f.size
        hex = Hex.encode(f.raw)
        corrupt = f.corruption?.rawValue
        injected = f.origin == .injected ? true : nil
        if let mark = f.relay {
            pair = mark.pair
            leg = mark.leg.rawValue
            flow = mark.from.flow
            seq = mark.sequence
            held = mark.held
        }
        if kind == .frame {
            command = f.label
            checksumOK = f.checksumOK
            fields = f.fields
            summary = f.summary
            // v2: the hex is the encrypted packet; the decrypted payload goes beside it.
            if f.transport == .v2, let p = f.plaintext { plaintext = Hex.encode(p) }
            if case let .failure(e) = f.message { error = e.description }
            return
        }
        bytes = f.raw.count
        if kind == .gap { summary = f.summary }
        if case let .v2UnknownID(id) = f.unit.content {
            typeID = Int(id)
            plaintext = f.plaintext.map { Hex.encode($0) }
        }
    }

    /// A unit's own transport, for a frame of a peer whose transport the writer has not
    /// heard of.
    private static func unitTransport(_ event: PeerEvent) -> TransportKind? {
        if case let .frame(f) = event.kind, f.kind != .gap { return f.transport }
        return nil
    }

    /// `2026-11-22T06:49:18.564Z` for Unix time `seconds`.
    public static func utc(_ seconds: Double) -> String {
        var t = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        let ms = Int(((seconds - seconds.rounded(.down)) * 1000).rounded(.down))
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let millis = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millis)Z"
    }

    /// Unix time of `2026-11-22T06:49:18.564Z`.
    public static func time(utc text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}

extension RecordedEvent.Traffic {
    /// A peer's counters in one direction.
    public init(_ c: TrafficCounters) {
        self.init(
            messages: c.messages, bytes: c.bytes,
            perCommand: c.perCommand.mapValues { Count(messages: $0.messages, bytes: $0.bytes) })
    }
}
