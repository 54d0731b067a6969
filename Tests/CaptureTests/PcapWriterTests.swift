import BitcoinWire
import Foundation
import PeerEngine
import Testing
@testable import Capture

struct PcapWriterTests {
    static let magic = Network.regtest.magic

    func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "verack-pcap-\(getpid())-\(Int.random(in: 0..<1_000_000))-\(name)"
    }

    static func u32le(_ b: [UInt8], _ at: Int) -> UInt32 { b[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    static func u16be(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) << 8 | Int(b[at + 1]) }

    /// The tags of one exported-PDU record, and where the frame starts.
    static func tags(_ b: [UInt8], from start: Int) -> (tags: [Int: [UInt8]], payload: Int) {
        var tags: [Int: [UInt8]] = [:]
        var at = start
        while true {
            let type = u16be(b, at), length = u16be(b, at + 2)
            at += 4
            if type == 0 { return (tags, at) }
            tags[type] = Array(b[at..<(at + length)])
            at += length
        }
    }

    @Test func aV1FrameAndAV2MessageMakeTwoRecords() throws {
        let path = temporaryPath("two.pcap")
        defer { unlink(path) }
        let writer = try PcapWriter(path: path, force: false)
        let ping = FrameEncoder.encode(.ping(nonce: 9), magic: Self.magic)
        try writer.write(
            FrameEvent(peer: 1, direction: .sent, time: 0, raw: ping, command: "ping", size: 8, checksumOK: true, message: .success(.ping(nonce: 9))),
            at: 1_700_000_000.25, local: "127.0.0.1:40000", remote: "127.0.0.1:18444", magic: Self.magic)
        // A v2 message: the encrypted bytes are replaced by a v1 frame of the same message.
        let v2 = WireUnit(
            transport: .v2, raw: [UInt8](repeating: 0xee, count: 29), layout: .v2Packet(count: 29), command: "pong", size: 8,
            checksumOK: true, message: .success(.pong(nonce: 9)), plaintext: Message.pong(nonce: 9).encodePayload())
        try writer.write(FrameEvent(peer: 2, direction: .received, time: 0, unit: v2), at: 1_700_000_001, local: "[::1]:40001", remote: "[::1]:8333", magic: Self.magic)
        // A handshake step is not a Bitcoin frame: no record.
        let key = WireUnit.step(.key, raw: [UInt8](repeating: 1, count: 64), layout: .whole(.key, count: 64), note: "our key")
        try writer.write(FrameEvent(peer: 2, direction: .sent, time: 0, unit: key), at: 1_700_000_001, local: nil, remote: "[::1]:8333", magic: Self.magic)
        writer.close()
        #expect(writer.records == 2)

        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Self.u32le(bytes, 0) == 0xa1b2_c3d4)
        #expect(Self.u32le(bytes, 20) == 252, "LINKTYPE_WIRESHARK_UPPER_PDU")
        // Record 1: IPv4, sent, so our end is the source.
        #expect(Self.u32le(bytes, 24) == 1_700_000_000 && Self.u32le(bytes, 28) == 250_000)
        let length1 = Int(Self.u32le(bytes, 32))
        #expect(Self.u32le(bytes, 36) == UInt32(length1))
        let (tags1, payload1) = Self.tags(bytes, from: 40)
        #expect(tags1[12] == Array("bitcoin".utf8) + [0])
        #expect(tags1[20] == [127, 0, 0, 1] && tags1[21] == [127, 0, 0, 1])
        #expect(tags1[24] == [0, 0, 0, 2])
        #expect(tags1[25] == [0, 0, 0x9c, 0x40] && tags1[26] == [0, 0, 0x48, 0x0c])
        #expect(Array(bytes[payload1..<(40 + length1)]) == ping)
        // Record 2: IPv6, received, re-framed as v1 with a correct checksum.
        let start2 = 40 + length1
        let length2 = Int(Self.u32le(bytes, start2 + 8))
        let (tags2, payload2) = Self.tags(bytes, from: start2 + 16)
        #expect(tags2[22]?.count == 16 && tags2[23]?.count == 16)
        #expect(tags2[25] == [0, 0, 0x20, 0x8d], "received: the peer's port is the source")
        let frame = Array(bytes[payload2..<(start2 + 16 + length2)])
        #expect(frame == FrameEncoder.encode(.pong(nonce: 9), magic: Self.magic))
        #expect(start2 + 16 + length2 == bytes.count)
    }

    @Test func anExistingFileIsKeptWithoutForce() throws {
        let path = temporaryPath("exists.pcap")
        defer { unlink(path) }
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CaptureError("\(path) exists: give --force to replace it")) { try PcapWriter(path: path, force: false) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
        let replaced = try PcapWriter(path: path, force: true)
        replaced.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 24)
    }

    @Test func anUnwritablePathIsOneLine() {
        #expect(throws: CaptureError("cannot write /nonexistent-dir/x.pcap: No such file or directory")) {
            try PcapWriter(path: "/nonexistent-dir/x.pcap", force: false)
        }
    }

    /// A frame the log trimmed keeps its length on the wire in the record header.
    @Test func aTrimmedFrameKeepsItsOriginalLength() throws {
        let path = temporaryPath("trimmed.pcap")
        defer { unlink(path) }
        let writer = try PcapWriter(path: path, force: false)
        let raw = FrameEncoder.frame(command: "block", payload: [UInt8](repeating: 7, count: 5000), magic: Self.magic)
        var frame = FrameEvent(peer: 1, direction: .received, time: 0, raw: raw, command: "block", size: 5000, checksumOK: true, message: .success(.unknown(command: "block", payload: [])))
        frame.trim(keeping: 512)
        try writer.write(frame, at: 0, local: "127.0.0.1:1", remote: "127.0.0.1:2", magic: Self.magic)
        writer.close()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let captured = Int(Self.u32le(bytes, 32)), original = Int(Self.u32le(bytes, 36))
        #expect(original - captured == raw.count - 512)
        #expect(bytes.count == 24 + 16 + captured)
    }

    /// A frame bigger than the snap length is cut, with its original length kept.
    @Test func aHugeFrameIsCutToTheSnapLength() throws {
        let path = temporaryPath("huge.pcap")
        defer { unlink(path) }
        let writer = try PcapWriter(path: path, force: false)
        let raw = FrameEncoder.frame(command: "block", payload: [UInt8](repeating: 7, count: 1_000_000), magic: Self.magic)
        try writer.write(
            FrameEvent(peer: 1, direction: .received, time: 0, raw: raw, command: "block", size: 1_000_000, checksumOK: true, message: .success(.unknown(command: "block", payload: []))),
            at: 0, local: "127.0.0.1:1", remote: "127.0.0.1:2", magic: Self.magic)
        writer.close()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Self.u32le(bytes, 32) == UInt32(PcapWriter.snapLength))
        #expect(Self.u32le(bytes, 36) > UInt32(raw.count))
        #expect(bytes.count == 24 + 16 + PcapWriter.snapLength)
    }
}

/// verack's own pcaps (link type 252) open again: the frames come back in order with their
/// bytes and directions, and a frame cut by the snap length is a gap.
struct ExportedPDUReadBackTests {
    @Test func ourOwnPcapReadsBack() throws {
        let magic = Network.regtest.magic
        let path = NSTemporaryDirectory() + "verack-pdu-\(getpid())-\(Int.random(in: 0..<1_000_000)).pcap"
        defer { unlink(path) }
        let writer = try PcapWriter(path: path, force: false)
        let frames: [(FrameDirection, [UInt8])] = [
            (.sent, FrameEncoder.encode(.ping(nonce: 1), magic: magic)),
            (.received, FrameEncoder.encode(.pong(nonce: 1), magic: magic)),
            (.sent, try Corruption.checksum.apply(to: FrameEncoder.encode(.ping(nonce: 2), magic: magic))),
            (.received, FrameEncoder.frame(command: "block", payload: [UInt8](repeating: 9, count: 300_000), magic: magic)),
            (.received, FrameEncoder.encode(.ping(nonce: 3), magic: magic)),
        ]
        for (i, (direction, raw)) in frames.enumerated() {
            let frame = FrameEvent(peer: 1, direction: direction, time: 0, raw: raw, command: "x", size: 0, checksumOK: true, message: .success(.verack))
            try writer.write(frame, at: 1_700_000_000 + Double(i), local: "127.0.0.1:40000", remote: "[::ffff:127.0.0.1]:18444", magic: magic)
        }
        writer.close()

        let importer = try PcapImporter(file: try PcapFile(path: path), magic: nil)
        var events: [PeerEvent] = []
        importer.run { events.append($0) }
        let read = events.compactMap { if case let .frame(f) = $0.kind { return f } else { return nil } }
        let messages = read.filter { $0.kind == .message }
        #expect(messages.map(\.raw) == [frames[0].1, frames[1].1, frames[2].1, frames[4].1])
        #expect(messages.map(\.direction) == [.sent, .received, .sent, .received])
        #expect(!messages[2].checksumOK, "the corrupted frame keeps its bad checksum")
        // The 300 kB block was cut at the snap length: a gap where its tail is missing.
        let gaps = read.filter { $0.kind == .gap }
        #expect(gaps.count == 1 && gaps.first?.direction == .received)
    }
}
