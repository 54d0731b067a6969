import BitcoinWire
import Capture
import ConsoleUI
import Dispatch
import Foundation
import PeerEngine

/// Wires the console together on the main queue: engine events and keys go into the
/// ``ConsoleModel``, its actions go to the ``PeerEngine``, and the model's screen goes to
/// the ``NcursesTerminal``. Nothing polls: stdin and signals are Dispatch sources, redraws
/// are coalesced by a one-shot timer, and a 1 s timer ages the "last heard" column.
@MainActor
final class ConsoleApp {
    struct Options {
        var network: Network
        var connect: [String]
        var seeds: Bool
        var listen: String?
        var maxPeers: Int
        var logLimit: Int
        var color: Bool
        var relay: Bool
        var silence: Double
        var transport: TransportPolicy
        var capture: CaptureOptions
        var proxy = ProxySettings()
        /// `--relay LISTEN=TARGET`: relays to start with the console.
        var relays: [(listen: String, target: String)] = []
        var relayOptions = RelayOptions()
    }

    /// The running console, kept alive until the process exits.
    static var current: ConsoleApp?

    /// The shortest time between two frames drawn.
    static let frameInterval = 0.05

    var options: Options
    var model: ConsoleModel
    let terminal: NcursesTerminal
    var engine: PeerEngine?
    var sources: [DispatchSourceProtocol] = []
    var redrawTimer: DispatchSourceTimer?
    var lastDraw = DispatchTime(uptimeNanoseconds: 0)
    var quitting = false
    var emptyReads = 0
    /// `--record` and `--pcap` (and the console's `record`), written as events arrive.
    var taps = Taps()
    /// The running crawl, and how many were started (each one's number tags its reports).
    var crawler: Crawler?
    var crawls = 0
    /// The running probe, and how many were started (see ConsoleApp+Probe).
    var prober: ProbeRunner?
    var probes = 0

    /// A capture opened offline (`verack open`): its events, its clock zero, its file.
    struct Offline {
        var events: [PeerEvent]
        /// A packet capture, read as the console starts: its events stream into the log
        /// (which keeps to its memory budget), and it sets the network and the clock zero.
        var packets: (any CaptureImport)?
        /// What the rows are, when they are not connections of ours.
        var watched: WatchedSource?
        var epoch: Double
        var path: String
        var skippedLines: Int
    }

    var offline: Offline?
    /// A live capture (`verack sniff`): read-only, but live (record and save work).
    var sniffer: Sniffer?
    /// libpcap's drops last shown.
    var shownDrops: UInt32 = 0

    init(options: Options, offline: Offline? = nil) {
        self.options = options
        self.offline = offline
        model = ConsoleModel(networkName: options.network.name, logLimit: options.logLimit)
        terminal = NcursesTerminal(color: options.color)
    }

    /// Opens a capture read-only: no engine, every event fed to the model at once.
    func startOffline(_ capture: Offline) {
        terminal.start()
        let size = terminal.refreshSize()
        model.resize(width: size.width, height: size.height)
        installSources()
        model.watched = capture.watched
        for event in capture.events { model.handle(event) }
        var firstError: String?
        if let importer = capture.packets {
            importer.run { event in
                if firstError == nil, case let .error(peer, message) = event.kind {
                    firstError = peer.map { "peer \($0) \(message)" } ?? message
                }
                model.handle(event)
            }
            offline?.epoch = importer.epoch ?? 0
            if let network = importer.foundNetwork {
                options.network = network
                model.networkName = network.name
            }
        }
        let frames = model.log.ring.count
        let peerCount = model.peers.count
        var note = "opened \(capture.path): \(frames) frame\(frames == 1 ? "" : "s"), \(peerCount) peer\(peerCount == 1 ? "" : "s") (read-only)"
        if capture.skippedLines > 0 { note += "; \(capture.skippedLines) unreadable lines skipped" }
        if let errors = capture.packets?.errors, errors > 0, let firstError {
            // Gaps are not frames: the status line names them, the first one in full.
            model.showError(note + "; \(errors) gaps or broken streams, the first: \(firstError)")
        } else {
            model.showInfo(note)
        }
        draw()
    }

    /// Sniffs: no engine, the sniffer's events as they come (see `SniffConsole`).
    func startSniffing(_ sniffer: Sniffer) throws {
        self.sniffer = sniffer
        do {
            taps = try Taps(capture: options.capture, network: options.network, epoch: sniffer.epoch)
        } catch {
            throw ConsoleFailure("\(error)")
        }
        terminal.start()
        let size = terminal.refreshSize()
        model.resize(width: size.width, height: size.height)
        model.watched = .sniffed(interface: sniffer.interface)
        installSources()
        sniffer.start()
        draw()
    }

    /// An event of the sniffer (on the main queue).
    func sniffed(_ event: PeerEvent) { handle(event) }

    /// Starts the engine and the terminal; returns at once (the caller runs `dispatchMain`).
    func start() throws {
        if let offline {
            startOffline(offline)
            return
        }
        var config = EngineConfiguration(network: options.network, userAgent: "/verack:\(Verack.version)/")
        config.silenceTimeout = options.silence
        config.relay = options.relay
        config.transport = options.transport
        config.proxy = options.proxy
        let engine = PeerEngine(configuration: config, eventQueue: .main) { [weak self] event in
            MainActor.assumeIsolated { self?.handle(event) }
        }
        self.engine = engine
        do {
            taps = try Taps(capture: options.capture, network: options.network, epoch: engine.epoch)
        } catch {
            engine.shutdown()
            throw ConsoleFailure("\(error)")
        }
        if let listen = options.listen, case let .failure(error) = engine.listen(listen) {
            engine.shutdown()
            throw ConsoleFailure("cannot listen on \(listen): \(error)")
        }
        for relay in options.relays {
            if case let .failure(error) = engine.relay(listen: relay.listen, to: relay.target, options: options.relayOptions) {
                engine.shutdown()
                throw ConsoleFailure("cannot relay \(relay.listen) to \(relay.target): \(error)")
            }
        }
        terminal.start()
        let size = terminal.refreshSize()
        model.resize(width: size.width, height: size.height)
        installSources()
        for address in options.connect {
            if case let .failure(error) = engine.connect(address) { model.showError("connect \(address): \(error)") }
        }
        if options.connect.isEmpty && options.seeds {
            engine.connectToSeeds(count: options.maxPeers)
            model.showInfo("dialling \(options.maxPeers) \(options.network.name) seed peers…")
        }
        draw()
    }

    func installSources() {
        let input = DispatchSource.makeReadSource(fileDescriptor: STDIN_FILENO, queue: .main)
        input.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.readKeys() } }
        input.resume()
        sources.append(input)

        let winch = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .main)
        winch.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.resized() } }
        winch.resume()
        sources.append(winch)

        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            source.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.quit(status: 128 + sig) } }
            source.resume()
            sources.append(source)
        }

        let clock = DispatchSource.makeTimerSource(queue: .main)
        clock.schedule(deadline: .now() + 1, repeating: 1, leeway: .milliseconds(100))
        clock.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.tick() } }
        clock.resume()
        sources.append(clock)
    }

    func handle(_ event: PeerEvent) {
        model.handle(event)
        for error in taps.handle(event) { model.showError(error) }
        setNeedsDraw()
    }

    func tick() {
        if let engine { model.tick(now: engine.now) }
        if let sniffer {
            model.tick(now: sniffer.now)
            let pcap = sniffer.counts.pcap
            if pcap.dropped &+ pcap.interfaceDropped != shownDrops {
                shownDrops = pcap.dropped &+ pcap.interfaceDropped
                model.showError("libpcap dropped \(pcap.dropped) packets (buffer full), the interface \(pcap.interfaceDropped), of \(pcap.received) received")
            }
        }
        refreshAddresses()
        setNeedsDraw()
    }

    func resized() {
        let size = terminal.refreshSize()
        model.resize(width: size.width, height: size.height)
        draw()
    }

    func readKeys() {
        let keys = terminal.readKeys()
        // A readable stdin that yields nothing, again and again, is at EOF (a hung-up
        // terminal that sent no SIGHUP): leave rather than spin.
        emptyReads = keys.isEmpty ? emptyReads + 1 : 0
        if emptyReads >= 100 || (keys.isEmpty && isatty(STDIN_FILENO) == 0) { return quit(status: 1) }
        for key in keys {
            if key == .resize {
                resized()
                continue
            }
            for action in model.handle(key: key) { perform(action) }
            if quitting { return }
        }
        setNeedsDraw()
    }

    /// The crawler, its callbacks made outside the main actor (they run on the crawler's
    /// queue and hop to the main queue).
    nonisolated static func makeCrawler(configuration: EngineConfiguration, settings: CrawlConfiguration, addressBook: AddressBook, crawl: Int) -> Crawler {
        Crawler(
            engineConfiguration: configuration, settings: settings, addressBook: addressBook,
            onResult: { _ in }, onFinish: { _ in },
            onProgress: { progress in
                DispatchQueue.main.async {
                    MainActor.assumeIsolated { ConsoleApp.current?.crawlProgressed(progress, crawl: crawl) }
                }
            })
    }

    /// Draws now if the last frame is old enough, else once the interval has passed; many
    /// events in a burst make one frame.
    func setNeedsDraw() {
        guard redrawTimer == nil, !quitting else { return }
        let due = lastDraw + Self.frameInterval
        if DispatchTime.now() >= due {
            draw()
            return
        }
        let timer = DispatchSource.makeTimerSource(queue: .main)
        timer.schedule(deadline: due, leeway: .milliseconds(5))
        timer.setEventHandler { [weak self] in
            MainActor.assumeIsolated {
                self?.redrawTimer = nil
                self?.draw()
            }
        }
        redrawTimer = timer
        timer.resume()
    }

    func draw() {
        guard !quitting else { return }
        if let engine { model.tick(now: engine.now) }
        terminal.draw(model.render())
        lastDraw = .now()
    }

    /// Restores the terminal, closes every connection and exits.
    func quit(status: Int32) {
        quitting = true
        for source in sources { source.cancel() }
        redrawTimer?.cancel()
        terminal.stop()
        crawler?.engine.shutdown()
        engine?.shutdown()
        exit(status)
    }

    /// Restores the terminal before a fatal error is printed.
    func restoreTerminal() { terminal.stop() }
}

/// A reason the console could not start, printed on one line.
struct ConsoleFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
