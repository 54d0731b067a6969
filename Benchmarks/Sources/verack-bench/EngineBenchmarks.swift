import BitcoinWire
import Dispatch
import Foundation
import NodeHarness
import PeerEngine
#if canImport(Glibc)
import Glibc
#endif

/// The engine under load: 2,000 concurrent outbound handshakes against `verack serve` in
/// another process, in v1 and in v2 (BIP324); sequential handshakes with `verack serve` in
/// v1 and v2, and with the real node (v1).
///
/// Needs `VERACK_BIN` (the verack executable; scripts/bench builds it). The real-node
/// figure needs `scripts/node` and is skipped with a note when the node cannot start.
enum EngineBenchmarks {
    static let peers = 2000
    static let magic = Magic(0xfa, 0xbf, 0xb5, 0xda)

    static func run() {
        raiseFileLimit()
        // With VERACK_BENCH_FILTER, only the parts that report a matching name run.
        if Bench.included("handshakes_per_s") { concurrentHandshakes(transport: .v1) }
        if Bench.included("v2_handshakes_per_s") { concurrentHandshakes(transport: .v2) }
        if Bench.included("v1_serve_handshake_ms_median") { sequentialServeHandshakes(transport: .v1) }
        if Bench.included("v2_handshake_ms_median") { sequentialServeHandshakes(transport: .v2) }
        if Bench.included("handshake_ms_median") { realNodeHandshakes() }
    }

    static func raiseFileLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = min(limit.rlim_max, 65536)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// Counts established and ended peers; signals when all are decided.
    final class Tally: @unchecked Sendable {
        let lock = NSLock()
        var established = 0
        var ended = 0
        var firstFailure: String?
        let done = DispatchSemaphore(value: 0)
        let expected: Int
        var durations: [Double] = []
        init(expected: Int) { self.expected = expected }

        func handle(_ event: PeerEvent) {
            lock.lock()
            defer { lock.unlock() }
            guard case let .phaseChanged(info, _) = event.kind else { return }
            if info.phase == .established {
                established += 1
                durations.append(((info.establishedAt ?? 0) - info.startedAt) * 1000)
            } else if info.phase.isEnd {
                ended += 1
                if firstFailure == nil { firstFailure = "\(info.address): \(info.phase)" }
            } else {
                return
            }
            if established + ended == expected { done.signal() }
        }
    }

    /// The `handshakes10k` group: 10,000 concurrent handshakes against one `verack serve`,
    /// all held open at once, in v1 (names prefixed `handshakes_10k_`) then in v2
    /// (`handshakes_10k_v2_`). Targets: all established, at most 32 threads and at most
    /// 300 MB RSS on each side. The client and `serve` hold 10,000 descriptors each, under
    /// this machine's limit of 20,000 per process; the ephemeral port range (28,000) covers
    /// them from one loopback address.
    static func runTenThousand() {
        raiseFileLimit()
        concurrentHandshakes(transport: .v1, peers: 10_000, prefix: "handshakes_10k_", timeout: 300)
        concurrentHandshakes(transport: .v2, peers: 10_000, prefix: "handshakes_10k_v2_", timeout: 300)
    }

    /// `peers` concurrent handshakes against one `verack serve`, in v1 (names as before)
    /// or v2 (names prefixed `v2_`), or under `prefix` when one is given.
    static func concurrentHandshakes(transport: TransportPolicy = .v1, peers: Int = peers, prefix: String? = nil, timeout: Double = 120) {
        let prefix = prefix ?? (transport == .v2 ? "v2_" : "")
        let serve = ServeProcess(["--transport", "auto"])
        defer { serve.stop() }
        let tally = Tally(expected: peers)
        var config = EngineConfiguration(network: .regtest, userAgent: "/verack-bench/")
        config.handshakeTimeout = 60
        // Covers the TCP connect and, in v2, the key exchange of every peer at once.
        config.connectTimeout = 30
        config.transport = transport
        let engine = PeerEngine(configuration: config, eventQueue: DispatchQueue(label: "bench.events")) { tally.handle($0) }
        let sampler = Sampler(serve: serve.process.processIdentifier)
        sampler.start()
        let start = Bench.now()
        for _ in 0..<peers { _ = engine.connect(serve.address) }
        let finished = tally.done.wait(timeout: .now() + timeout) == .success
        let elapsed = Bench.now() - start
        sampler.stop()
        tally.lock.lock()
        let established = tally.established
        let failure = tally.firstFailure
        tally.lock.unlock()
        if !finished || established != peers {
            Bench.write(to: 2, "engine: \(prefix)\(established) of \(peers) established\(failure.map { "; first failure: \($0)" } ?? "")\n")
        }
        // The 10k group's names are `handshakes_10k_established`, not `..._handshakes_established`.
        let what = prefix.hasPrefix("handshakes") ? "" : "handshakes_"
        Bench.report("\(prefix)\(what)established", Double(established), "count")
        Bench.report("\(prefix)\(what)per_s", Double(established) / elapsed, "handshakes/s")
        Bench.report("\(prefix)\(what)wall_s", elapsed, "s")
        Bench.report("\(prefix)peak_rss_mb", Double(Sampler.selfPeakRSSKB()) / 1024, "MB")
        Bench.report("\(prefix)threads", Double(sampler.peakThreads), "threads")
        Bench.report("\(prefix)serve_peak_rss_mb", Double(sampler.servePeakRSSKB) / 1024, "MB")
        Bench.report("\(prefix)serve_threads", Double(sampler.servePeakThreads), "threads")
        engine.shutdown()
    }

    /// 50 sequential handshakes with `verack serve` on loopback, each from a fresh engine:
    /// the median time from connect to established (in v2: TCP, key exchange, version).
    static func sequentialServeHandshakes(transport: TransportPolicy) {
        let name = transport == .v2 ? "v2_handshake_ms_median" : "v1_serve_handshake_ms_median"
        let serve = ServeProcess(["--transport", "auto"])
        defer { serve.stop() }
        var config = EngineConfiguration(network: .regtest, userAgent: "/verack-bench/")
        config.transport = transport
        medianOf50(name, config: config, address: serve.address, what: "\(transport) handshakes with verack serve")
    }

    /// 50 handshakes to `address`, one after another, each from a fresh engine; reports the
    /// median time from connect to established as `name`.
    static func medianOf50(_ name: String, config: EngineConfiguration, address: String, what: String) {
        var durations: [Double] = []
        for _ in 0..<50 {
            let tally = Tally(expected: 1)
            let engine = PeerEngine(configuration: config, eventQueue: DispatchQueue(label: "bench.sequential")) { tally.handle($0) }
            _ = engine.connect(address)
            _ = tally.done.wait(timeout: .now() + 10)
            tally.lock.lock()
            durations += tally.durations
            tally.lock.unlock()
            engine.shutdown()
        }
        guard durations.count == 50 else {
            Bench.write(to: 2, "engine: only \(durations.count) of 50 \(what) completed\n")
            return
        }
        durations.sort()
        Bench.report(name, (durations[24] + durations[25]) / 2, "ms")
    }

    static func realNodeHandshakes() {
        let node: RealNode
        do {
            node = try RealNode.start()
        } catch {
            Bench.write(to: 2, "engine: real node unavailable (\(error)), handshake_ms_median skipped\n")
            return
        }
        defer { node.stop() }
        let config = EngineConfiguration(network: .custom(magic: Magic(0xda, 0xb5, 0xbf, 0xfa)), userAgent: "/verack-bench/")
        medianOf50("handshake_ms_median", config: config, address: node.address, what: "handshakes with the node")
    }
}

/// Samples thread counts and RSS of this process and of `verack serve` every 5 ms.
final class Sampler: @unchecked Sendable {
    private let servePID: Int32
    private let lock = NSLock()
    private var running = true
    private(set) var peakThreads = 0
    private(set) var servePeakThreads = 0
    private(set) var servePeakRSSKB = 0
    private let finished = DispatchSemaphore(value: 0)

    init(serve: Int32) { servePID = serve }

    func start() {
        Thread.detachNewThread { [self] in
            while true {
                lock.lock()
                let go = running
                lock.unlock()
                if !go { break }
                let mine = Self.threads(pid: getpid())
                let theirs = Self.threads(pid: servePID)
                let rss = Self.statusField(pid: servePID, "VmHWM:")
                lock.lock()
                peakThreads = max(peakThreads, mine)
                servePeakThreads = max(servePeakThreads, theirs)
                servePeakRSSKB = max(servePeakRSSKB, rss)
                lock.unlock()
                usleep(5000)
            }
            finished.signal()
        }
    }

    func stop() {
        lock.lock()
        running = false
        lock.unlock()
        finished.wait()
    }

    static func threads(pid: Int32) -> Int { statusField(pid: pid, "Threads:") }

    static func statusField(pid: Int32, _ key: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return Int(line.dropFirst(key.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") ?? 0
        }
        return 0
    }

    static func selfPeakRSSKB() -> Int { statusField(pid: getpid(), "VmHWM:") }
}
