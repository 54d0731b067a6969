import BitcoinWire
import Capture
import Dispatch
import Foundation
import PeerEngine
#if canImport(Glibc)
import Glibc
#endif

/// `sniff`: `verack sniff`'s path (libpcap on `lo`, link/IP/TCP parsing, reassembly, frame
/// search, the mailbox to a consumer queue) while a flood connection on loopback sends
/// small frames (`ping`, 32 bytes): paced at 100,000 and 1,000,000 frames per second, then as
/// fast as the sender can. Reports the frames per second verack delivered to the consumer
/// (until the last one came), the frames missing (sent but never delivered: the mailbox's
/// drops, and the frames of packets libpcap dropped), and beside them libpcap's own counts (`pcap_stats`: received, dropped for a full buffer, dropped
/// by the interface). Needs root or CAP_NET_RAW; without, the group says so and skips.
enum SniffBenchmarks {
    static let seconds = 3.0

    static func run() {
        for (name, rate) in [("paced_100k", 100_000.0), ("paced_1m", 1_000_000.0), ("flood", 0.0)] where Bench.included("sniff_\(name)") {
            measure(name, rate: rate)
        }
    }

    /// Counts the consumer's frames (on its own queue).
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var frames = 0
        private var dropped = 0
        func add(_ event: PeerEvent) {
            lock.lock()
            defer { lock.unlock() }
            switch event.kind {
            case .frame: frames += 1
            case let .framesDropped(n): dropped += n
            default: break
            }
        }
        var counts: (frames: Int, dropped: Int) {
            lock.lock()
            defer { lock.unlock() }
            return (frames, dropped)
        }
    }

    static func measure(_ name: String, rate: Double) {
        guard let (server, client, port) = loopbackPair() else { Bench.fail("sniff: no loopback connection") }
        defer {
            close(server)
            close(client)
        }
        // The receiver drains its end on a thread of its own.
        let drain = Thread {
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while buffer.withUnsafeMutableBytes({ read(server, $0.baseAddress, $0.count) }) > 0 {}
        }
        drain.start()
        let tally = Tally()
        let done = DispatchSemaphore(value: 0)
        let sniffer: Sniffer
        do {
            sniffer = try Sniffer(
                interface: "lo", filter: "tcp port \(port)", magic: Network.regtest.magic,
                eventQueue: DispatchQueue(label: "bench.consumer"), onEvent: { tally.add($0) })
        } catch {
            Bench.write(to: 2, "verack-bench: sniff skipped: \(error.message)\n")
            return
        }
        sniffer.start()
        let frame = FrameEncoder.encode(.ping(nonce: 0x0102_0304_0506_0708), magic: Network.regtest.magic)
        let perWrite = 100
        let batch = Array((0..<perWrite).map { _ in frame }.joined())
        var sent = 0
        let start = Bench.now()
        var elapsed = 0.0
        while elapsed < seconds {
            if rate > 0 {
                // Paced: no more than `rate` frames per second so far.
                let due = Int(elapsed * rate)
                if sent >= due {
                    usleep(200)
                    elapsed = Bench.now() - start
                    continue
                }
            }
            var off = 0
            while off < batch.count {
                let n = batch.withUnsafeBytes { write(client, $0.baseAddress! + off, batch.count - off) }
                if n <= 0 { break }
                off += n
            }
            sent += perWrite
            elapsed = Bench.now() - start
        }
        // Wait until the sniffer has found every frame, or for 5 s of nothing more.
        var last = -1
        var quietSince = Bench.now()
        while tally.counts.frames + tally.counts.dropped < sent {
            let seen = tally.counts.frames
            if seen != last {
                last = seen
                quietSince = Bench.now()
            } else if Bench.now() - quietSince > 5 {
                break
            }
            usleep(10_000)
        }
        // Until the last frame came (not the quiet wait after it).
        let found = (tally.counts.frames + tally.counts.dropped < sent ? quietSince : Bench.now()) - start
        sniffer.stop { done.signal() }
        done.wait()
        let counts = sniffer.counts
        let delivered = tally.counts
        Bench.report("sniff_\(name)_frames_per_s", Double(delivered.frames) / found, "frames/s")
        Bench.report("sniff_\(name)_frames_sent", Double(sent), "frames")
        // Frames in packets libpcap dropped are missing too: lost in verack only when
        // pcap_dropped is 0.
        Bench.report("sniff_\(name)_frames_missing", Double(sent - delivered.frames), "frames")
        Bench.report("sniff_\(name)_mailbox_dropped", Double(delivered.dropped), "frames")
        Bench.report("sniff_\(name)_pcap_received", Double(counts.pcap.received), "packets")
        Bench.report("sniff_\(name)_pcap_dropped", Double(counts.pcap.dropped), "packets")
        Bench.report("sniff_\(name)_pcap_ifdropped", Double(counts.pcap.interfaceDropped), "packets")
        Bench.report("sniff_\(name)_packets_read", Double(counts.packets), "packets")
    }

    /// A connected pair on 127.0.0.1: the accepted end, the client end, and the port.
    static func loopbackPair() -> (Int32, Int32, UInt16)? {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { return nil }
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, listen(listener, 1) == 0 else { return nil }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) } }
        guard connected == 0 else { return nil }
        let server = accept(listener, nil, nil)
        guard server >= 0 else { return nil }
        return (server, client, UInt16(bigEndian: address.sin_port))
    }
}
