import ArgumentParser
import BitcoinWire
import Capture
import Dispatch
import Foundation
import PeerEngine

/// `verack handshake`: handshakes with each address concurrently and reports every event.
struct HandshakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handshake",
        abstract: "Handshake with peers and print every event (exit 0 only if all reach established).",
        discussion: """
            Without addresses, connects to the network's DNS seeds (or built-in fallback nodes).
            With --corrupt KIND our version is sent corrupted, to watch the peer stay silent
            or hang up; the exit status then says the handshake did not complete.
            """
    )

    @OptionGroup var net: NetworkOptions
    @OptionGroup var transportOptions: TransportOptions
    @OptionGroup var v2: V2Options
    @OptionGroup var capture: CaptureOptions
    @OptionGroup var proxy: ProxyOptions

    @Option(parsing: .unconditional, help: "Seconds to wait for every handshake to finish.")
    var timeout: Double = 15

    @Option(help: ArgumentHelp(
        "Break the handshake: our version corrupted (v1: \(Corruption.v1Kinds.map(\.rawValue).joined(separator: ", ")); v2: tag, length), or the v2 key exchange (key, terminator).",
        valueName: "kind"))
    var corrupt: Corruption?

    @Option(parsing: .unconditional, help: "Seconds an awaited reply may be late before the peer shows as silent.")
    var silence: Double = 5

    @Option(parsing: .unconditional, help: "Number of seed peers when no address is given.")
    var count: Int = 8

    @Flag(help: "One JSON object per line.")
    var json = false

    @Option(name: .customLong("send"), parsing: .singleValue, help: ArgumentHelp(
        "After the handshake, send this message (the console's send form, e.g. 'getdata block:HASH', 'ping', 'raw COMMAND HEX'); repeatable, in order.",
        valueName: "message"))
    var sends: [String] = []

    @Option(parsing: .unconditional, help: "With --send: seconds to keep listening after the last handshake for what comes back.")
    var wait: Double = 5

    @Argument(help: "Peers as HOST[:PORT] or [IPv6]:PORT.")
    var addresses: [String] = []

    func validate() throws {
        if let corrupt {
            try Self.check(corrupt, transport: transportOptions.transport)
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be above 0") }
        guard silence > 0 else { throw ValidationError("--silence must be above 0") }
        guard count > 0 else { throw ValidationError("--count must be above 0") }
        guard wait >= 0 else { throw ValidationError("--wait must be 0 or more") }
        let network = net.resolved
        _ = try composed(network: network)
        for a in addresses {
            if case let .failure(e) = Endpoint.parse(a, defaultPort: network.defaultPort) { throw ValidationError(e.message) }
        }
        if addresses.isEmpty && network.dnsSeeds.isEmpty && network.magic != Network.mainnet.magic {
            throw ValidationError("\(network.name) has no DNS seeds: give addresses")
        }
    }

    /// The `--send` messages, or a one-line error naming the bad one.
    func composed(network: Network) throws -> [Message] {
        try sends.map { text in
            switch Result(catching: { () throws(ComposeError) in try MessageComposer.message(line: text, network: network) }) {
            case let .success(m): return m
            case let .failure(e): throw ValidationError("--send '\(text)': \(e)")
            }
        }
    }

    /// A kind that cannot apply to the transport asked for is a one-line error.
    static func check(_ corrupt: Corruption, transport: TransportPolicy) throws {
        let v2Kinds = Corruption.v2PacketKinds + Corruption.v2HandshakeKinds
        switch transport {
        case .v1 where !Corruption.v1Kinds.contains(corrupt):
            throw ValidationError("--corrupt \(corrupt) breaks the v2 transport: use it with --transport v2")
        case .v2 where !v2Kinds.contains(corrupt):
            throw ValidationError("--corrupt \(corrupt) breaks a v1 frame: with --transport v2 use \(v2Kinds.map(\.rawValue).joined(separator: ", "))")
        default:
            break
        }
    }

    func run() throws {
        var config = EngineConfiguration(network: net.resolved, userAgent: "/verack:\(Verack.version)/")
        config.silenceTimeout = silence
        config.corruptVersion = corrupt
        config.transport = transportOptions.transport
        config.proxy = try proxy.settings()
        v2.apply(to: &config)
        let messages = try composed(network: config.network)
        // Without --send the run ends at the last handshake: a ping then would go unanswered.
        config.pingsOnEstablish = !messages.isEmpty
        // Given addresses and no --send, nothing more is wanted of an established peer: the
        // engine closes it at once, without a word, instead of leaving every connection for
        // the exit to close one after another.
        config.releasesEstablished = messages.isEmpty && !addresses.isEmpty
        let ready = config, capture = capture, addresses = addresses, count = count, timeout = timeout, json = json, wait = wait
        MainQueue.start {
            let session = HeadlessRun(json: json, sends: messages, wait: wait)
            let engine = PeerEngine(configuration: ready, eventQueue: .main) { event in
                MainActor.assumeIsolated { session.handle(event) }
            }
            session.taps = try Taps(capture: capture, network: ready.network, epoch: engine.epoch)
            session.engine = engine
            session.seedTarget = addresses.isEmpty ? count : nil
            session.expectedPeers = addresses.count
            SignalExit.install { session.finish(interrupted: true) }
            for a in addresses {
                if case let .failure(e) = engine.connect(a) {
                    Output.error("verack handshake: \(e)")
                    Foundation.exit(2)
                }
            }
            if addresses.isEmpty { engine.connectToSeeds(count: count) }
            DispatchQueue.main.asyncAfter(deadline: .now() + timeout) { MainActor.assumeIsolated { session.finish(interrupted: false) } }
        }
    }
}

/// The state of one `handshake` run: which peers are still undecided.
@MainActor
final class HeadlessRun {
    let printer: EventPrinter
    var engine: PeerEngine?
    /// `--record` and `--pcap`.
    var taps: Taps?
    /// In seed mode: how many established peers make a success.
    var seedTarget: Int?
    /// With addresses: how many peers the run started. A peer counts once its first event
    /// arrives (its queue reports it), so until then the others being done decides nothing.
    var expectedPeers = 0

    private var phases: [PeerID: PeerPhase] = [:]
    /// Peers in `phases` that are established, and that are neither established nor ended
    /// (kept as counts: with 2,000 peers, counting them per event was quadratic).
    private var establishedCount = 0
    private var undecidedCount = 0
    private var finished = false

    /// `--send`: messages for each peer once it is established, and how long to listen
    /// afterwards before the run ends.
    private let sends: [Message]
    private let wait: Double
    private var waiting = false

    init(json: Bool, sends: [Message] = [], wait: Double = 0) {
        printer = EventPrinter(json: json)
        self.sends = sends
        self.wait = wait
    }

    private func record(_ id: PeerID, _ phase: PeerPhase) {
        if let old = phases.updateValue(phase, forKey: id) { count(old, -1) }
        count(phase, 1)
    }

    private func count(_ phase: PeerPhase, _ delta: Int) {
        if phase == .established {
            establishedCount += delta
        } else if !phase.isEnd {
            undecidedCount += delta
        }
    }

    /// Prints `event` and hands it to the captures (first: the session may end the process
    /// on this event).
    private func report(_ event: PeerEvent) {
        for error in taps?.handle(event) ?? [] { Output.error("verack: \(error)") }
        printer.handle(event)
    }

    func handle(_ event: PeerEvent) {
        report(event)
        switch event.kind {
        case let .peerAdded(info): record(info.id, info.phase)
        case let .phaseChanged(info, _):
            record(info.id, info.phase)
            if info.phase == .established, let engine {
                for message in sends {
                    if case let .failure(e) = engine.send(info.id, message) { Output.error("verack handshake: --send: \(e)") }
                }
            }
        case .error, .notice: break  // the seed lookup reports through these: decide below
        default: return
        }
        let decided = !phases.isEmpty && phases.count >= expectedPeers && undecidedCount == 0
        if !sends.isEmpty {
            // Listen for the answers: the run ends `wait` seconds after the last handshake
            // is decided (or at --timeout).
            if decided && !waiting {
                waiting = true
                DispatchQueue.main.asyncAfter(deadline: .now() + wait) { MainActor.assumeIsolated { self.finish(interrupted: false) } }
            }
            return
        }
        if let seedTarget {
            // Seeds: replacements for failed peers do not count; `seedTarget` established
            // peers do, or running out of candidates.
            if establishedCount >= seedTarget || (decided && engine?.isSeeding == false) {
                finish(interrupted: false)
            }
        } else if decided {
            finish(interrupted: false)
        }
    }

    func finish(interrupted: Bool) {
        guard !finished else { return }
        finished = true
        let established = phases.values.filter { $0 == .established }.count
        let ok = seedTarget.map { established >= $0 } ?? (!phases.isEmpty && established == max(phases.count, expectedPeers))
        if !ok && !interrupted {
            let pending = phases.filter { !$0.value.isEnd && $0.value != .established }.keys.sorted()
            let now = engine?.now ?? 0
            if phases.isEmpty {
                report(PeerEvent(time: now, .error(peer: nil, message: "timeout: no peer was reached (DNS seeds still resolving?)")))
            } else if !pending.isEmpty {
                report(PeerEvent(time: now, .error(peer: nil, message: "timeout: peers \(pending.map(String.init).joined(separator: ", ")) did not complete the handshake")))
            } else if phases.count < expectedPeers {
                report(PeerEvent(time: now, .error(peer: nil, message: "timeout: \(expectedPeers - phases.count) of \(expectedPeers) peers never reported")))
            } else if let seedTarget {
                report(PeerEvent(time: now, .error(peer: nil, message: "\(established) of \(seedTarget) peers established; no candidates left")))
            }
        }
        // No engine shutdown first: the process ends here, and its end closes every
        // connection; dropping 2,000 peers one by one only raced the exit (their events
        // would never be printed).
        printer.flush()
        Foundation.exit(ok ? 0 : 1)
    }
}
