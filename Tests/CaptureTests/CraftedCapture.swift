import NodeHarness
import BitcoinWire
import Capture
import PeerEngine

/// A tiny writer of capture files for the tests: TCP segments over IPv4 or IPv6 in Ethernet,
/// Linux cooked (v1, v2), raw IP or BSD loopback framing, as classic pcap or as pcapng
/// (section header, one interface, enhanced packet blocks).
struct CraftedCapture {
    /// One end of a connection: 4 or 16 address bytes and a port.
    struct Host {
        var ip: [UInt8]
        var port: UInt16
        static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) -> Host { Host(ip: [a, b, c, d], port: port) }
        static func v6(last: UInt8, port: UInt16) -> Host {
            Host(ip: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [last], port: port)
        }
    }

    struct Record {
        var time: Double
        var bytes: [UInt8]
        /// The length on the wire, when a snaplen cut the record.
        var originalLength: Int?
    }

    static let syn: UInt8 = 0x02, ack: UInt8 = 0x10, fin: UInt8 = 0x01, rst: UInt8 = 0x04, psh: UInt8 = 0x08

    var linkType: UInt32 = 1
    var records: [Record] = []
    var time = 1_700_000_000.0

    init(linkType: UInt32 = 1) { self.linkType = linkType }

    /// Appends one TCP segment (`snap`: keep only this many bytes of the packet).
    mutating func tcp(_ from: Host, _ to: Host, seq: UInt32, flags: UInt8 = ack | psh, payload: [UInt8] = [], snap: Int? = nil) {
        var packet = Self.link(linkType, v6: from.ip.count == 16)
        packet += Self.ip(from, to, tcp: Self.tcpHeader(from, to, seq: seq, flags: flags) + payload)
        time += 0.001
        if let snap, snap < packet.count {
            records.append(Record(time: time, bytes: Array(packet.prefix(snap)), originalLength: packet.count))
        } else {
            records.append(Record(time: time, bytes: packet))
        }
    }

    /// Appends a packet of any bytes after the link header (UDP, ARP, …).
    mutating func raw(_ bytes: [UInt8], etherType: UInt16 = 0x0806) {
        time += 0.001
        var packet: [UInt8] = [UInt8](repeating: 0x11, count: 12)
        packet += [UInt8(etherType >> 8), UInt8(etherType & 0xff)]
        records.append(Record(time: time, bytes: packet + bytes))
    }

    /// A UDP datagram over IPv4 (not TCP: skipped by the reader).
    mutating func udp(_ from: Host, _ to: Host) {
        var packet = Self.link(linkType, v6: false)
        var header = Self.ipv4Header(from, to, protocol: 17, length: 8 + 4)
        header += [UInt8(from.port >> 8), UInt8(from.port & 0xff), UInt8(to.port >> 8), UInt8(to.port & 0xff), 0, 12, 0, 0, 1, 2, 3, 4]
        packet += header
        time += 0.001
        records.append(Record(time: time, bytes: packet))
    }

    /// A whole connection's opening: SYN, SYN-ACK, ACK. Data then starts at `a` + 1, `b` + 1.
    mutating func open(_ client: Host, _ server: Host, clientISN a: UInt32, serverISN b: UInt32) {
        tcp(client, server, seq: a, flags: Self.syn)
        tcp(server, client, seq: b, flags: Self.syn | Self.ack)
        tcp(client, server, seq: a &+ 1, flags: Self.ack)
    }

    static func link(_ type: UInt32, v6: Bool) -> [UInt8] {
        let etherType: [UInt8] = v6 ? [0x86, 0xdd] : [0x08, 0x00]
        switch type {
        case 1: return [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2] + etherType
        case 113: return [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0] + etherType
        case 276: return etherType + [0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]
        case 0: return v6 ? [10, 0, 0, 0] : [2, 0, 0, 0]
        default: return []
        }
    }

    static func tcpHeader(_ from: Host, _ to: Host, seq: UInt32, flags: UInt8) -> [UInt8] {
        [UInt8(from.port >> 8), UInt8(from.port & 0xff), UInt8(to.port >> 8), UInt8(to.port & 0xff)]
            + be32(seq) + be32(0) + [0x50, flags, 0xff, 0xff, 0, 0, 0, 0]
    }

    static func ipv4Header(_ from: Host, _ to: Host, protocol p: UInt8, length: Int) -> [UInt8] {
        let total = 20 + length
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0x40, 0, 64, p, 0, 0] + from.ip + to.ip
    }

    static func ip(_ from: Host, _ to: Host, tcp: [UInt8]) -> [UInt8] {
        if from.ip.count == 16 {
            return [0x60, 0, 0, 0, UInt8(tcp.count >> 8), UInt8(tcp.count & 0xff), 6, 64] + from.ip + to.ip + tcp
        }
        return ipv4Header(from, to, protocol: 6, length: tcp.count) + tcp
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }

    /// A classic pcap file (microsecond timestamps, snaplen 262144).
    var pcap: [UInt8] {
        var out = Self.le32(0xa1b2_c3d4) + Self.le16(2) + Self.le16(4) + Self.le32(0) + Self.le32(0) + Self.le32(262_144) + Self.le32(linkType)
        for r in records {
            let seconds = UInt32(r.time)
            out += Self.le32(seconds) + Self.le32(UInt32((r.time - Double(seconds)) * 1e6))
            out += Self.le32(UInt32(r.bytes.count)) + Self.le32(UInt32(r.originalLength ?? r.bytes.count))
            out += r.bytes
        }
        return out
    }

    /// A pcapng file: a section header, one interface description, enhanced packet blocks.
    var pcapng: [UInt8] {
        func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
            let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
            let length = UInt32(12 + padded.count)
            return Self.le32(type) + Self.le32(length) + padded + Self.le32(length)
        }
        var out = block(0x0a0d_0d0a, Self.le32(0x1a2b_3c4d) + Self.le16(1) + Self.le16(0) + [UInt8](repeating: 0xff, count: 8))
        out += block(1, Self.le16(UInt16(linkType)) + Self.le16(0) + Self.le32(262_144))
        for r in records {
            let micros = UInt64(r.time * 1e6)
            out += block(6, Self.le32(0) + Self.le32(UInt32(micros >> 32)) + Self.le32(UInt32(micros & 0xffff_ffff))
                + Self.le32(UInt32(r.bytes.count)) + Self.le32(UInt32(r.originalLength ?? r.bytes.count)) + r.bytes)
        }
        return out
    }
}

/// What reading a capture gave, for the expectations.
struct Imported {
    var events: [PeerEvent]
    var importer: PcapImporter

    init(_ bytes: [UInt8], magic: Magic? = nil) throws(CaptureError) {
        let file = try PcapFile(bytes: bytes, name: "test.pcap")
        importer = try PcapImporter(file: file, magic: magic)
        var events: [PeerEvent] = []
        importer.run { events.append($0) }
        self.events = events
    }

    /// The frames, without the gap rows.
    var frames: [FrameEvent] {
        events.compactMap { if case let .frame(f) = $0.kind, f.kind == .message { return f } else { return nil } }
    }

    /// The gap rows: units of their own in the log, where bytes are missing.
    var gaps: [FrameEvent] {
        events.compactMap { if case let .frame(f) = $0.kind, f.kind == .gap { return f } else { return nil } }
    }

    /// `peer direction command` for each frame, as `1 > ping`, `1 < pong`.
    var ladder: [String] { frames.map { "\($0.peer) \($0.direction == .sent ? ">" : "<") \($0.label)" } }

    /// Errors and gaps, in order, as their one-line texts.
    var errors: [String] {
        events.compactMap { e -> String? in
            switch e.kind {
            case let .error(_, m): return m
            case let .frame(f) where f.kind == .gap: return f.summary
            default: return nil
            }
        }
    }

    var notices: [String] {
        events.compactMap { if case let .notice(m) = $0.kind { return m } else { return nil } }
    }

    var peers: [PeerInfo] {
        var latest: [PeerID: PeerInfo] = [:]
        for e in events {
            switch e.kind {
            case let .peerAdded(i), let .phaseChanged(i, _), let .peerUpdated(i): latest[i.id] = i
            default: break
            }
        }
        return latest.values.sorted { $0.id < $1.id }
    }
}
