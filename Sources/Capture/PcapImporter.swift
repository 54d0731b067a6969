import BitcoinWire
import PeerEngine

/// Reads a pcap or pcapng of ordinary TCP traffic (`tcpdump -w`, tshark, Wireshark) into the
/// console's events: each TCP connection a peer, each Bitcoin frame in it a frame event.
///
/// Each connection's initiator (the sender of the SYN; without one, of the first packet
/// seen) is "us": its frames are `sent`, the peer's address is the responder's. Both
/// directions are reassembled (``TCPReassembler``) and decoded (``FrameStream``); a hole
/// in a stream is an error event for that peer, and decoding resumes at the next frame.
/// Times count from the first packet. Packets that are not TCP are counted, and reported
/// once at the end.
public final class PcapImporter {
    /// The most bytes held out of order in all directions together.
    public static let maxPendingBytesInAll = 64 << 20

    /// The file read; nil for a live capture, whose packets come through ``feed(_:_:)``.
    public let file: PcapFile?
    public let linkType: Int32
    let magic: Magic?
    /// Seconds since ``epoch`` of the latest packet.
    public private(set) var now = 0.0
    /// A live capture forgets each connection's row once it is closed (``PeerEvent`` `peerRemoved`: the
    /// table keeps the last few ended), so the rows do not pile up.
    public var removesClosedPeers = false
    /// Also emit a `peerUpdated` (traffic counters) after each frame, as the engine does:
    /// the console's peer table wants them; headless output does not.
    public var peerUpdates = true
    /// With ``peerUpdates``: one `peerUpdated` per packet that brought frames, not one per
    /// frame (a live capture of many small frames spends less on snapshots).
    public var peerUpdatesPerPacket = false

    /// Unix time of the first packet: the capture's clock zero.
    public private(set) var epoch: Double?
    /// The network of the first magic found (or of `--magic`).
    public private(set) var network: Network?
    /// Error events emitted (gaps, broken streams, a file cut short).
    public private(set) var errors = 0
    /// Frames whose checksum or payload was bad.
    public private(set) var invalidFrames = 0
    public private(set) var packets = 0
    /// Packets skipped, by reason.
    public private(set) var notTCP = 0
    public private(set) var fragments = 0
    public private(set) var malformed = 0

    private var connections: [Connection] = []
    /// Slots of connections a live capture forgot (``removesClosedPeers``), for new ones:
    /// the table holds as many connections as were open at once, not all there ever were.
    private var freeSlots: [Int] = []
    private var nextPeerID = 1

    /// Connections held, open or not yet forgotten (for tests of a live capture's bounds).
    public var connectionSlots: Int { connections.count }
    private var byKey: [ConnectionKey: Int] = [:]
    private var pendingInAll = 0
    /// Exported-PDU captures have no TCP header: each direction's records are numbered on.
    private var pduSequence: [DirectionKey: UInt32] = [:]

    struct DirectionKey: Hashable {
        var from: TCPEndpoint
        var to: TCPEndpoint
    }

    /// Fails at once for a link type that is not understood.
    public convenience init(file: PcapFile, magic: Magic?) throws(CaptureError) {
        try self.init(file: file, linkType: file.linkType, name: file.name, magic: magic, epoch: nil)
    }

    /// For packets of `linkType` handed to ``feed(_:_:)`` (a live capture); `epoch`: the
    /// clock zero (nil: the first packet's time).
    public convenience init(linkType: Int32, name: String, magic: Magic?, epoch: Double?) throws(CaptureError) {
        try self.init(file: nil, linkType: linkType, name: name, magic: magic, epoch: epoch)
    }

    private init(file: PcapFile?, linkType: Int32, name: String, magic: Magic?, epoch: Double?) throws(CaptureError) {
        guard PacketParser.supportedLinkTypes.contains(linkType) || linkType == ExportedPDU.linkType else {
            throw CaptureError("\(name): link type \(linkType) is not read (Ethernet, Linux cooked, raw IP, loopback and verack's own exported-PDU captures are)")
        }
        self.file = file
        self.linkType = linkType
        self.magic = magic
        self.epoch = epoch
        network = magic.map { Network.custom(magic: $0) }
    }

    /// Reads the whole file, handing each event to `emit` as it comes: the caller decides
    /// what to keep, so a big capture streams through.
    public func run(_ emit: (PeerEvent) -> Void) {
        guard let file else { return }
        while true {
            let record: PacketRecord?
            do {
                record = try file.next()
            } catch {
                errors += 1
                emit(PeerEvent(time: now, .error(peer: nil, message: "\(error.message): the packets after this are not read")))
                break
            }
            guard let record else { break }
            feed(record, emit)
        }
        finish(emit)
    }

    /// One packet (of a live capture, or of the file), its events handed to `emit`.
    public func feed(_ record: PacketRecord, _ emit: (PeerEvent) -> Void) {
        packets += 1
        let start = epoch ?? record.time
        if epoch == nil { epoch = record.time }
        now = max(now, record.time - start)
        if linkType == ExportedPDU.linkType {
            // verack's own pcaps: one whole frame per record, in order, no TCP header.
            guard let pdu = ExportedPDU.parse(record.bytes) else {
                malformed += 1
                return
            }
            let sequence = pduSequence[DirectionKey(from: pdu.source, to: pdu.destination), default: 1]
            let cut = max(0, record.originalLength - record.bytes.count)  // a snaplen's cut: a gap
            let length = pdu.payload.count + cut
            pduSequence[DirectionKey(from: pdu.source, to: pdu.destination)] = sequence &+ UInt32(truncatingIfNeeded: length)
            handle(TCPSegment(source: pdu.source, destination: pdu.destination, sequence: sequence, flags: [], payload: pdu.payload, length: length), time: now, emit)
            return
        }
        switch PacketParser.parse(record.bytes, linkType: linkType) {
        case let .tcp(segment): handle(segment, time: now, emit)
        case .notTCP: notTCP += 1
        case .fragment: fragments += 1
        case .malformed: malformed += 1
        }
    }

    /// The end of the capture: what is still held is flushed, and the skipped packets are
    /// reported once.
    public func finish(_ emit: (PeerEvent) -> Void) {
        for index in connections.indices where !connections[index].retired { end(index, time: now, reason: nil, emit) }
        if notTCP > 0 { emit(PeerEvent(time: now, .notice("\(notTCP) packets that are not TCP skipped"))) }
        if fragments > 0 { emit(PeerEvent(time: now, .notice("\(fragments) IP fragments skipped (fragments are not reassembled)"))) }
        if malformed > 0 { emit(PeerEvent(time: now, .notice("\(malformed) packets with headers cut short or inconsistent skipped"))) }
    }

    private func handle(_ segment: TCPSegment, time: Double, _ emit: (PeerEvent) -> Void) {
        let key = ConnectionKey(segment.source, segment.destination)
        let opening = segment.flags.contains(.syn) && !segment.flags.contains(.ack)
        var index = byKey[key]
        if let i = index, opening, connections[i].isOver {
            index = nil  // the ports were used again for a new connection
        }
        if index == nil {
            guard segment.flags.contains(.syn) || segment.length > 0 else { return }
            // A SYN-ACK seen first: its destination opened the connection.
            let synAck = segment.flags.contains(.syn) && segment.flags.contains(.ack)
            let (initiator, responder) = synAck ? (segment.destination, segment.source) : (segment.source, segment.destination)
            var info = PeerInfo(id: nextPeerID, address: responder.description, direction: .outbound, phase: .connecting, startedAt: time)
            nextPeerID += 1
            info.localAddress = initiator.description
            // Seen from its SYN, the transport is judged by the first bytes (``V2Watch``).
            info.transport = segment.flags.contains(.syn) ? nil : .v1
            let connection = Connection(info: info, initiator: initiator, magic: magic, sawOpening: segment.flags.contains(.syn))
            if let slot = freeSlots.popLast() {
                connections[slot] = connection
                index = slot
            } else {
                connections.append(connection)
                index = connections.count - 1
            }
            byKey[key] = index
            emit(PeerEvent(time: time, .peerAdded(info)))
        }
        guard let i = index else { return }
        let messagesBefore = connections[i].info.sent.messages + connections[i].info.received.messages
        defer {
            if peerUpdates && peerUpdatesPerPacket, !connections[i].retired,
               connections[i].info.sent.messages + connections[i].info.received.messages != messagesBefore {
                emit(PeerEvent(time: time, .peerUpdated(connections[i].info)))
            }
        }
        let direction: FrameDirection = segment.source == connections[i].initiator ? .sent : .received
        var reassembler = connections[i].reassembler(direction)
        var stream = connections[i].stream(direction)
        let pendingBefore = reassembler.pendingBytes
        reassembler.add(sequence: segment.sequence, flags: segment.flags, payload: segment.payload, length: segment.length) { out in
            route(out, into: &stream, i, direction, time, emit)
        }
        pendingInAll += reassembler.pendingBytes - pendingBefore
        if pendingInAll > Self.maxPendingBytesInAll {
            // Too much waits for holes everywhere: give up on this direction's holes.
            let before = reassembler.pendingBytes
            reassembler.flush { out in route(out, into: &stream, i, direction, time, emit) }
            pendingInAll += reassembler.pendingBytes - before
        }
        let finished = reassembler.isFinished
        if finished {
            settle(into: &stream, i, direction, time, emit)
            stream.finish { self.report($0, i, direction, time, emit) }
        }
        connections[i].set(direction, reassembler, stream)
        if finished || segment.flags.contains(.rst) {
            let by = direction == .sent ? "us" : "the peer"
            end(i, time: time, reason: segment.flags.contains(.rst) ? "reset by \(by)" : "closed by \(by)", emit)
            // Both ways closed, or reset: a live capture forgets it (its row went with
            // `peerRemoved`).
            if removesClosedPeers && (segment.flags.contains(.rst) || (connections[i].sentBytes.isFinished && connections[i].receivedBytes.isFinished)) {
                retire(i, key: key, time: time, emit)
            }
        }
    }

    /// Forgets connection `i`: what it holds is flushed, its slot is free for a new one.
    private func retire(_ i: Int, key: ConnectionKey, time: Double, _ emit: (PeerEvent) -> Void) {
        let held = connections[i].sentBytes.pendingBytes + connections[i].receivedBytes.pendingBytes
        end(i, time: time, reason: nil, emit)  // flushes what waited for holes
        pendingInAll -= held
        if byKey[key] == i { byKey[key] = nil }
        connections[i] = Connection(retiredFrom: connections[i])
        freeSlots.append(i)
    }

    /// Hands reassembled bytes of peer `i` to its frame stream, or, while the initiator's
    /// first bytes are judged and once the connection is v2, to its ``V2Watch``.
    private func route(_ out: TCPReassembler.Output, into stream: inout FrameStream, _ i: Int, _ direction: FrameDirection, _ time: Double, _ emit: (PeerEvent) -> Void) {
        switch connections[i].watch.state {
        case .v1:
            feed(out, into: &stream, i, direction, time, emit)
        case var .undecided(head):
            guard direction == .sent, case let .data(bytes) = out else {
                // The responder spoke first, or bytes are missing: not judged, read as v1.
                if direction == .sent {
                    settle(into: &stream, i, direction, time, emit)
                } else {
                    var sent = connections[i].stream(.sent)
                    settle(into: &sent, i, .sent, time, emit)
                    connections[i].sentFrames = sent
                }
                feed(out, into: &stream, i, direction, time, emit)
                return
            }
            head += bytes
            guard head.count >= V2Watch.decidingBytes else {
                connections[i].watch.state = .undecided(head)
                return
            }
            if V2Watch.looksV1(head, magics: stream.candidates) {
                connections[i].watch.state = .v1
                connections[i].info.transport = .v1
                head.withUnsafeBytes { feed(.data($0), into: &stream, i, direction, time, emit) }
            } else {
                connections[i].watch.state = .v2
                connections[i].info.transport = .v2
                emit(PeerEvent(time: time, .peerUpdated(connections[i].info)))
                head.withUnsafeBytes { takeV2(.data($0), i, direction, time, emit) }
            }
        case .v2:
            takeV2(out, i, direction, time, emit)
        }
    }

    private func feed(_ out: TCPReassembler.Output, into stream: inout FrameStream, _ i: Int, _ direction: FrameDirection, _ time: Double, _ emit: (PeerEvent) -> Void) {
        switch out {
        case let .data(bytes): stream.feed(bytes) { self.report($0, i, direction, time, emit) }
        case let .gap(n): stream.gap(n) { self.report($0, i, direction, time, emit) }
        }
    }

    /// Bytes of a v2 connection: its key shown once whole, the rest counted.
    private func takeV2(_ out: TCPReassembler.Output, _ i: Int, _ direction: FrameDirection, _ time: Double, _ emit: (PeerEvent) -> Void) {
        let key: [UInt8]?
        let count: Int
        switch out {
        case let .data(bytes):
            count = bytes.count
            key = connections[i].watch.take(count, bytes: bytes, direction)
        case let .gap(n):
            count = n
            key = connections[i].watch.take(n, bytes: nil, direction)
        }
        if direction == .sent { connections[i].info.sent.bytes += count } else { connections[i].info.received.bytes += count }
        if let key {
            emit(PeerEvent(time: time, .frame(FrameEvent(peer: connections[i].info.id, direction: direction, time: time, unit: V2Watch.keyUnit(key, direction)))))
        }
        if peerUpdates { emit(PeerEvent(time: time, .peerUpdated(connections[i].info))) }
    }

    /// The initiator's stream ends (or is read as v1) while its first bytes are still
    /// judged: they are v1 after all, read as such.
    private func settle(into stream: inout FrameStream, _ i: Int, _ direction: FrameDirection, _ time: Double, _ emit: (PeerEvent) -> Void) {
        guard direction == .sent, case let .undecided(head) = connections[i].watch.state else { return }
        connections[i].watch.state = .v1
        connections[i].info.transport = .v1
        head.withUnsafeBytes { feed(.data($0), into: &stream, i, direction, time, emit) }
    }

    /// Once, when a v2 connection ends: what its encrypted bytes were.
    private func reportV2(_ i: Int, time: Double, _ emit: (PeerEvent) -> Void) {
        guard connections[i].watch.isV2, !connections[i].watch.reported else { return }
        connections[i].watch.reported = true
        emit(PeerEvent(time: time, .notice(connections[i].watch.summary(peer: connections[i].info.id))))
    }

    /// Reports what a stream found, as events of peer `i`.
    private func report(_ output: FrameStream.Output, _ i: Int, _ direction: FrameDirection, _ time: Double, _ emit: (PeerEvent) -> Void) {
        switch output {
        case let .frame(frame):
            if network == nil { network = Network.custom(magic: frame.header.magic) }
            let event = FrameEvent(peer: connections[i].info.id, direction: direction, time: time, unit: WireUnit(frame: frame))
            if !frame.checksumOK { invalidFrames += 1 } else if case .failure = frame.message { invalidFrames += 1 }
            emit(PeerEvent(time: time, .frame(event)))
            connections[i].count(event, frame: frame, time: time, updates: peerUpdates && !peerUpdatesPerPacket, emit)
        case let .gap(count, message):
            // A row of its own in the log and an arrow in the ladder, where the bytes are missing.
            errors += 1
            let unit = WireUnit.gap(count, note: "\(direction == .sent ? "sent" : "received") stream: \(message)")
            emit(PeerEvent(time: time, .frame(FrameEvent(peer: connections[i].info.id, direction: direction, time: time, unit: unit))))
        case let .problem(message, isError):
            let words = "\(direction == .sent ? "sent" : "received") stream: \(message)"
            if isError {
                errors += 1
                emit(PeerEvent(time: time, .error(peer: connections[i].info.id, message: words)))
            } else {
                emit(PeerEvent(time: time, .notice("peer \(connections[i].info.id) \(words)")))
            }
        }
    }

    /// Ends connection `i`: a FIN or RST (`reason`), or the end of the capture (nil).
    private func end(_ i: Int, time: Double, reason: String?, _ emit: (PeerEvent) -> Void) {
        if reason == nil {
            for direction in [FrameDirection.sent, .received] {
                var reassembler = connections[i].reassembler(direction)
                var stream = connections[i].stream(direction)
                guard !reassembler.isFinished else { continue }
                reassembler.flush { out in route(out, into: &stream, i, direction, time, emit) }
                settle(into: &stream, i, direction, time, emit)
                stream.finish { self.report($0, i, direction, time, emit) }
                connections[i].set(direction, reassembler, stream)
            }
            reportV2(i, time: time, emit)
            return
        }
        guard let reason, !connections[i].info.phase.isEnd else { return }
        reportV2(i, time: time, emit)
        let old = connections[i].info.phase
        connections[i].info.phase = .closed(reason: reason)
        connections[i].info.phaseChangedAt = time
        emit(PeerEvent(time: time, .phaseChanged(connections[i].info, from: old)))
        if removesClosedPeers { emit(PeerEvent(time: time, .peerRemoved(connections[i].info.id))) }
    }
}
