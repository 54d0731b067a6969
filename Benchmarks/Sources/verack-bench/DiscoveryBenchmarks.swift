import BitcoinWire
import Foundation
import NodeHarness
import PeerEngine
#if canImport(Glibc)
import Glibc
#endif

/// The address book at 1,000,000 entries (memory), and `verack crawl` over a simulated
/// network of 2,000 fake nodes on 127.1.x.y (plus 200 silent addresses) with concurrency
/// 500: addresses tried per second and the crawler's peak RSS.
///
/// Needs `VERACK_BIN` for the crawl (scripts/bench builds it).
enum DiscoveryBenchmarks {
    static func run() {
        EngineBenchmarks.raiseFileLimit()
        if Bench.included("address_book") { addressBook() }
        if Bench.included("crawl") { crawl() }
    }

    static func rssKB() -> Int { Sampler.statusField(pid: getpid(), "VmRSS:") }

    static func addressBook() {
        let n = 1_000_000
        let before = rssKB()
        let book = AddressBook(capacity: n, maxPerPeer: .max)
        var i = 0
        while i < n {
            let list = (i..<min(n, i + 1000)).map(entry)
            book.take(.addr(list), from: i / 1000, now: UInt32(time(nil)))
            i += 1000
        }
        let after = rssKB()
        guard book.count == n else { Bench.fail("address book: \(book.count) entries, expected \(n)") }
        Bench.report("address_book_1m_mb", Double(after - before) / 1024, "MB")
        Bench.report("address_book_bytes_per_entry", Double(after - before) * 1024 / Double(n), "B")
        withExtendedLifetime(book) {}
    }

    /// The `k`th distinct address (10.x.y.z:8333).
    static func entry(_ k: Int) -> TimestampedAddress {
        let bytes: [UInt8] = [10, UInt8(truncatingIfNeeded: k >> 16), UInt8(truncatingIfNeeded: k >> 8), UInt8(truncatingIfNeeded: k)]
        let address = NetworkAddress(services: [.network, .witness], ip: IPAddress(bytes: bytes), port: 8333)
        return TimestampedAddress(time: UInt32(time(nil)) - UInt32(k % 86_400), address: address)
    }

    static func crawl() {
        guard let bin = getenv("VERACK_BIN").map({ String(cString: $0) }) else {
            Bench.fail("discovery: set VERACK_BIN to the verack executable (scripts/bench does)")
        }
        let net: SimulatedNetwork
        do {
            net = try SimulatedNetwork(listening: 2000, unreachable: 200, hostile: [], seed: 1)
        } catch {
            Bench.fail("discovery: \(error)")
        }
        net.start()
        defer { net.stop() }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("verack-crawl-bench-\(getpid()).jsonl")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let crawl = Process()
        crawl.executableURL = URL(fileURLWithPath: bin)
        crawl.arguments = ["crawl", "--magic", "dab5bffa", "--seed", net.entry, "--concurrency", "500", "--timeout", "10", "--json"]
        guard let handle = try? FileHandle(forWritingTo: output) else { Bench.fail("discovery: cannot write \(output.path)") }
        crawl.standardOutput = handle
        do { try crawl.run() } catch { Bench.fail("discovery: cannot start verack crawl: \(error)") }
        var peakKB = 0
        // Sampling the child's high-water mark while it runs (it is gone once it exits).
        while crawl.isRunning {
            peakKB = max(peakKB, Sampler.statusField(pid: crawl.processIdentifier, "VmHWM:"))
            usleep(10_000)
        }
        let lines = ((try? String(contentsOf: output, encoding: .utf8)) ?? "").split(separator: "\n")
        guard let last = lines.last, let range = last.range(of: #""seconds":[0-9.]+"#, options: .regularExpression),
              let seconds = Double(last[range].dropFirst(10)), seconds > 0 else {
            Bench.fail("discovery: no summary from verack crawl (\(lines.count) lines)")
        }
        let tried = lines.count - 1
        guard tried == net.nodes.count + net.unreachable.count else {
            Bench.fail("discovery: crawl tried \(tried) addresses, expected \(net.nodes.count + net.unreachable.count)")
        }
        Bench.report("crawl_nodes_per_s", Double(tried) / seconds, "addresses/s")
        Bench.report("crawl_peak_rss_mb", Double(peakKB) / 1024, "MB")
    }
}
