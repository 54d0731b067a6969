import BitcoinWire
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Settings of a ``Crawler``.
public struct CrawlConfiguration: Sendable {
    /// Where to start, as `HOST[:PORT]`; empty: the network's DNS seeds (or its built-in
    /// fallback addresses).
    public var seeds: [String] = []
    /// Connections open at once, at most.
    public var concurrency = 64
    /// Addresses tried, at most (nil: until none are left).
    public var maxAddresses: Int?
    /// Seconds one address may take in all: connect, handshake and the answer to `getaddr`.
    public var timeout: Double = 10
    /// Dial only 127.0.0.0/8 and ::1. A crawl whose seeds are all on loopback stays there
    /// whatever this says (see ``staysOnLoopback``).
    public var loopbackOnly = false
    /// `addr` messages of at most one entry a peer may send before it counts as a flood.
    public var maxSmallAddrMessages = 20
    /// Distinct addresses one crawl keeps track of (queued, tried or set aside), at most;
    /// later ones count as not dialled. The real network gossips a few hundred thousand:
    /// the default bounds the crawler's own memory near 140 MB (measured: a million
    /// IPv4 addresses queued and in the set).
    public var maxTracked = 1_000_000

    public init() {}

    /// Whether the crawl dials loopback addresses only: when told to, or when every seed
    /// is on loopback (a crawl of a simulated network never leaves the machine).
    public var staysOnLoopback: Bool {
        loopbackOnly || (!seeds.isEmpty && seeds.allSatisfy { AddressKey(endpoint: $0)?.isLoopback == true })
    }
}

/// Walks the network: from the seeds, for each address connect, complete the handshake,
/// send `getaddr`, take the answer (the first `addr`/`addrv2` of more than one entry, or
/// what came before the timeout), disconnect, and queue the new dialable addresses.
///
/// Polite: each address is dialled at most once per crawl (so never twice at once), with
/// our own user agent, at most `concurrency` connections at a time, each bounded by
/// `timeout`. A driver of its own ``PeerEngine``, whose events it reads on its private
/// queue; everything mutable is confined to that queue (hence `@unchecked Sendable`).
public final class Crawler: @unchecked Sendable {
    public let engine: PeerEngine
    public let settings: CrawlConfiguration
    /// ``CrawlConfiguration/staysOnLoopback``, worked out once.
    private let staysOnLoopback: Bool
    private let queue: DispatchQueue
    private let onResult: @Sendable (CrawlResult) -> Void
    private let onFinish: @Sendable (CrawlSummary) -> Void
    private let onProgress: (@Sendable (CrawlProgress) -> Void)?

    /// One address being tried.
    private struct Attempt {
        var address: String
        var network: String
        var info: PeerInfo?
        var handshakeMs: Double?
        var addrMessages = 0
        var returned = 0
        var concluded = false
    }

    private var pending: [(address: String, network: String)] = []
    private var pendingHead = 0
    private var seen: Set<String> = []
    private var attempts: [PeerID: Attempt] = [:]
    private var open = 0
    private var dialled = 0
    private var resolving = false
    private var started = false
    private var finished = false
    private var summary = CrawlSummary()
    private var startTime = 0.0

    /// A crawler with an engine of its own built from `engineConfiguration` (its timeouts
    /// are set from `settings.timeout`). `onResult` is called once per address tried,
    /// `onFinish` once at the end, `onProgress` whenever the counts move (a dial, a result,
    /// the end); all on the crawler's queue. `addressBook`: feed this book (the console's)
    /// rather than one of the crawler's own; the engine also reads it to choose v2 in `auto`.
    public init(
        engineConfiguration: EngineConfiguration, settings: CrawlConfiguration, addressBook: AddressBook? = nil,
        onResult: @escaping @Sendable (CrawlResult) -> Void, onFinish: @escaping @Sendable (CrawlSummary) -> Void,
        onProgress: (@Sendable (CrawlProgress) -> Void)? = nil
    ) {
        var config = engineConfiguration
        config.connectTimeout = settings.timeout
        config.handshakeTimeout = settings.timeout
        config.silenceTimeout = settings.timeout
        config.pingInterval = max(config.pingInterval, settings.timeout * 2)
        let queue = DispatchQueue(label: "verack.crawler")
        self.queue = queue
        self.settings = settings
        staysOnLoopback = settings.staysOnLoopback
        self.onResult = onResult
        self.onFinish = onFinish
        self.onProgress = onProgress
        let box = WeakCrawler()
        engine = PeerEngine(configuration: config, addressBook: addressBook, eventQueue: queue) { event in box.crawler?.handle(event) }
        box.crawler = self
    }

    /// Starts crawling (from the seeds, or the DNS seeds when none are given).
    public func start() {
        queue.async { [self] in
            guard !started else { return }
            started = true
            startTime = engine.now
            if settings.seeds.isEmpty {
                resolving = true
                resolveDNSSeeds()
            } else {
                for s in settings.seeds { enqueue(s, network: Self.networkName(of: s)) }
                pump()
            }
        }
    }

    /// Ends the crawl now: open connections are dropped and the summary is delivered.
    public func stop() {
        queue.async { [self] in finish() }
    }

    // MARK: - Queue

    private static func networkName(of address: String) -> String {
        AddressKey(endpoint: address)?.networkName ?? "name"
    }

    private func enqueue(_ address: String, network: String) {
        guard !seen.contains(address) else { return }
        guard seen.count < settings.maxTracked else {
            summary.notDialled += 1
            return
        }
        seen.insert(address)
        pending.append((address, network))
    }

    /// Takes a gossiped entry: dialable ones join the queue once.
    private func consider(_ key: AddressKey?) {
        guard let key else { return }
        let text = key.description
        guard !seen.contains(text) else { return }
        guard key.isDialable, !staysOnLoopback || key.isLoopback else {
            if seen.count < settings.maxTracked { seen.insert(text) }
            summary.notDialled += 1
            return
        }
        enqueue(text, network: key.networkName)
    }

    private func pump() {
        while !finished, open < settings.concurrency, pendingHead < pending.count {
            if let max = settings.maxAddresses, dialled >= max { break }
            let next = pending[pendingHead]
            pendingHead += 1
            dial(next.address, network: next.network)
        }
        if pendingHead > 4096 && pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        if !finished && open == 0 && !resolving { finish() }
        if !finished { onProgress?(progress) }
    }

    /// The counts now.
    private var progress: CrawlProgress {
        var queued = pending.count - pendingHead
        if let max = settings.maxAddresses { queued = min(queued, Swift.max(0, max - dialled)) }
        return CrawlProgress(done: summary.tried, inFlight: open, queued: queued, seconds: engine.now - startTime, summary: summary, finished: finished)
    }

    private func dial(_ address: String, network: String) {
        dialled += 1
        switch engine.connect(address) {
        case let .failure(error):
            var r = CrawlResult(address: address, network: network, state: .unreachable)
            r.reason = error.message
            report(r)
        case let .success(id):
            open += 1
            summary.peakConnections = max(summary.peakConnections, open)
            attempts[id] = Attempt(address: address, network: network)
            if let key = AddressKey(endpoint: address) { engine.addressBook.note(key, now: Self.unixNow) }
            queue.asyncAfter(deadline: .now() + settings.timeout) { [self] in timedOut(id) }
        }
    }

    private static var unixNow: UInt32 { UInt32(clamping: time(nil)) }

    // MARK: - Events

    private func handle(_ event: PeerEvent) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished else { return }
        switch event.kind {
        case let .phaseChanged(info, from):
            guard attempts[info.id] != nil else { return }
            attempts[info.id]?.info = info
            if info.phase == .established {
                if let at = info.establishedAt { attempts[info.id]?.handshakeMs = (at - info.startedAt) * 1000 }
                engine.send(info.id, .getaddr)
            } else if let reason = info.phase.reason {
                let neverConnected = from == .connecting && info.localAddress == nil
                conclude(info.id, neverConnected ? .unreachable : .failed, reason: reason)
            }
        case let .peerUpdated(info):
            if attempts[info.id] != nil { attempts[info.id]?.info = info }
        case let .frame(frame) where frame.direction == .received && (frame.command == .addr || frame.command == .addrv2):
            received(frame)
        case let .peerRemoved(id):
            if var a = attempts.removeValue(forKey: id) {
                // Ended without a phase event we could read (should not happen): say so.
                if !a.concluded {
                    a.concluded = true
                    report(result(of: a, .failed, reason: "connection ended"))
                }
                open -= 1
                pump()
            }
        default:
            break
        }
    }

    private func received(_ frame: FrameEvent) {
        let id = frame.peer
        guard let a = attempts[id], !a.concluded else { return }
        attempts[id]?.addrMessages += 1
        switch frame.message {
        case nil:
            return
        case let .failure(error):
            let reason = frame.command.flatMap { AddrLimits.oversizedReason(command: $0, payload: frame.payload) }
                ?? "bad \(frame.label) (\(error))"
            conclude(id, .failed, reason: reason)
        case let .success(message):
            var n = 0
            switch message {
            case let .addr(list):
                n = list.count
                for e in list { consider(AddressKey(e.address)) }
            case let .addrv2(list):
                n = list.count
                for e in list { consider(AddressKey(networkID: e.networkID, bytes: e.address, port: e.port)) }
            default:
                break
            }
            attempts[id]?.returned += n
            if n > 1 {
                conclude(id, .reachable, reason: nil)
            } else if a.addrMessages + 1 > settings.maxSmallAddrMessages {
                conclude(id, .failed, reason: "address flood: more than \(settings.maxSmallAddrMessages) addr messages and no answer to getaddr")
            }
        }
    }

    private func timedOut(_ id: PeerID) {
        guard let a = attempts[id], !a.concluded else { return }
        let phase = a.info?.phase ?? .connecting
        switch phase {
        case .connecting:
            conclude(id, .unreachable, reason: "no connection within \(Self.seconds(settings.timeout))")
        case .established:
            if a.addrMessages > 0 {
                conclude(id, .reachable, reason: nil)
            } else {
                conclude(id, .failed, reason: "no answer to getaddr within \(Self.seconds(settings.timeout))")
            }
        default:
            conclude(id, .failed, reason: "handshake not complete within \(Self.seconds(settings.timeout))")
        }
    }

    private static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }

    private func result(of a: Attempt, _ state: CrawlState, reason: String?) -> CrawlResult {
        var r = CrawlResult(address: a.address, network: a.network, state: state, addressesReturned: a.returned)
        r.reason = reason
        if let v = a.info?.version {
            r.userAgent = v.userAgent
            r.version = v.version
            r.services = v.services
            r.startHeight = v.startHeight
        }
        r.handshakeMs = a.handshakeMs
        r.transport = state == .unreachable ? nil : a.info?.transport
        return r
    }

    /// Reports the attempt once and closes its connection.
    private func conclude(_ id: PeerID, _ state: CrawlState, reason: String?) {
        guard var a = attempts[id], !a.concluded else { return }
        a.concluded = true
        attempts[id] = a
        let r = result(of: a, state, reason: reason)
        if let key = AddressKey(endpoint: a.address) {
            switch state {
            case .reachable:
                if let v = r.version {
                    engine.addressBook.record(
                        .reachable(userAgent: r.userAgent ?? "", version: v, height: r.startHeight ?? 0), for: key,
                        services: r.services, now: Self.unixNow)
                }
            case .unreachable, .failed:
                engine.addressBook.record(.failed(reason: reason ?? state.rawValue), for: key, now: Self.unixNow)
            }
        }
        report(r)
        if a.info?.phase.isEnd != true { engine.drop(id) }
    }

    private func report(_ r: CrawlResult) {
        summary.add(r)
        onResult(r)
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        summary.seconds = engine.now - startTime
        summary.notDialled += pending.count - pendingHead
        engine.shutdown()
        onProgress?(CrawlProgress(done: summary.tried, inFlight: 0, queued: 0, seconds: summary.seconds, summary: summary, finished: true))
        onFinish(summary)
    }

    // MARK: - DNS seeds

    private func resolveDNSSeeds() {
        DispatchQueue.global().async { [self] in
            let candidates = engine.resolveSeeds().addresses
            queue.async { [self, candidates] in
                resolving = false
                for c in candidates { enqueue(c, network: Self.networkName(of: c)) }
                pump()
            }
        }
    }
}

/// Lets the engine's event handler reach the crawler that owns the engine without a
/// reference cycle (set once, before the first event can arrive; read under its lock).
private final class WeakCrawler: Sendable {
    private struct Reference {
        weak var crawler: Crawler?
    }

    private let reference = Mutex(Reference())

    var crawler: Crawler? {
        get { reference.withLock { $0.crawler } }
        set { reference.withLock { $0.crawler = newValue } }
    }
}
