import BitcoinWire
import Foundation
import NodeHarness
import PeerEngine
import Testing
@testable import Capture

/// Captures that are broken, cut short or not captures at all: a one-line error or a
/// visible gap each, never a crash or a hang.
struct PcapBadInputTests {
    typealias T = PcapImporterTests

    static var good: CraftedCapture { T.capture(clientSegments: T.segments(T.clientStream, size: 40)) }

    func openError(_ bytes: [UInt8]) -> String? {
        do {
            _ = try Imported(bytes)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func notACaptureIsOneLine() throws {
        let message = try #require(openError(Array("{\"event\":\"recording\"}\nhello\n".utf8)))
        #expect(message.hasPrefix("test.pcap is not a pcap or pcapng capture"), "\(message)")
        #expect(!message.contains("\n"))
        #expect(openError([]) == "test.pcap is empty: not a pcap or pcapng capture")
    }

    @Test func aMissingFileIsOneLine() {
        #expect(throws: CaptureError.self) { try PcapFile(path: "/nonexistent/x.pcap") }
        do {
            _ = try PcapFile(path: "/nonexistent/x.pcap")
        } catch {
            #expect(error.message.contains("/nonexistent/x.pcap") && error.message.contains("No such file"), "\(error.message)")
        }
    }

    @Test func anUnknownLinkTypeIsOneLine() {
        let c = CraftedCapture(linkType: 147)
        #expect(openError(c.pcap)?.contains("link type 147 is not read") == true)
    }

    /// The file cut at every offset (a step keeps it quick): never a crash; the frames of the
    /// whole records before the cut survive, and a cut inside a record is an error event.
    @Test(arguments: [false, true])
    func truncatedAtAnyOffset(_ pcapng: Bool) throws {
        let whole = pcapng ? Self.good.pcapng : Self.good.pcap
        let full = try Imported(whole).frames.count
        for cut in stride(from: 0, to: whole.count, by: 3) {
            do {
                let i = try Imported(Array(whole.prefix(cut)))
                #expect(i.frames.count <= full)
            } catch {
                #expect(!error.message.contains("\n"))
            }
        }
        let cutInRecord = try Imported(Array(whole.prefix(whole.count - 10)))
        #expect(cutInRecord.errors.contains { $0.contains("truncated") }, "\(cutInRecord.errors)")
    }

    @Test func anAbsurdRecordLengthIsAnErrorEvent() throws {
        var bytes = Self.good.pcap
        // The 4th record's captured length: far beyond the snaplen.
        var at = 24
        for _ in 0..<3 { at += 16 + Int(PcapWriterTests.u32le(bytes, at + 8)) }
        bytes.replaceSubrange((at + 8)..<(at + 12), with: [0xff, 0xff, 0xff, 0x7f])
        let i = try Imported(bytes)
        #expect(i.errors.count == 1)
        #expect(i.errors.first?.contains("the packets after this are not read") == true, "\(i.errors)")
    }

    @Test func aRecordCutBySnaplenIsAGap() throws {
        var c = CraftedCapture()
        c.open(T.client, T.server, clientISN: 1, serverISN: 100)
        let segs = T.segments(T.clientStream, size: 40)
        for (k, (offset, bytes)) in segs.enumerated() {
            // The second segment keeps only 10 of its 40 payload bytes (inside the version).
            c.tcp(T.client, T.server, seq: 2 + UInt32(offset), payload: bytes, snap: k == 1 ? 54 + 10 : nil)
        }
        let i = try Imported(c.pcap)
        #expect(i.errors.count == 1)
        #expect(i.errors.first?.contains("gap: 30 bytes missing") == true, "\(i.errors)")
        #expect(i.ladder == ["1 > verack", "1 > ping", "1 > ping"])
    }

    @Test func nonTCPPacketsAreCountedOnce() throws {
        var c = Self.good
        c.udp(T.client, T.server)
        c.udp(T.server, T.client)
        c.raw([1, 2, 3, 4, 5, 6, 7, 8])  // ARP
        let i = try Imported(c.pcap)
        #expect(i.ladder == T.expectedLadder)
        #expect(i.notices.filter { $0.contains("not TCP") } == ["3 packets that are not TCP skipped"])
    }

    @Test func headersCutShortAreCounted() throws {
        var c = Self.good
        c.raw([0x45, 0, 0], etherType: 0x0800)  // an IPv4 header of 3 bytes
        let i = try Imported(c.pcap)
        #expect(i.ladder == T.expectedLadder)
        #expect(i.notices.contains { $0.contains("1 packets with headers cut short") })
    }

    /// Segments from every corner of the sequence space, and garbage in the payloads: the
    /// reader survives and holds no more than its limit.
    @Test func randomSegmentsNeverCrash() throws {
        // Seeded: a failure replays with the same segments.
        var rng = SeededRNG(seed: 0x5eed_9c4f)
        for _ in 0..<30 {
            var c = CraftedCapture()
            for _ in 0..<40 {
                let payload = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let seq = UInt32.random(in: 0...UInt32.max, using: &rng)
                let flags = UInt8.random(in: 0...0x1f, using: &rng)
                let (a, b) = Bool.random(using: &rng) ? (T.client, T.server) : (T.server, T.client)
                c.tcp(a, b, seq: seq, flags: flags, payload: Bool.random(using: &rng) ? T.clientStream : payload)
            }
            _ = try Imported(c.pcap)
        }
    }
}
