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
    private let terminal: NcursesTerminal
    private var engine: PeerEngine?
    private var sources: [DispatchSourceProtocol] = []
    private var redrawTimer: DispatchSourceTimer?
    private var lastDraw = DispatchTime(uptimeNanoseconds: 0)
    private var quitting = false
    private var emptyReads = 0
    /// `--record` and `--pcap` (and the console's `record`), written as events arrive.
    private var taps = Taps()
    /// The running crawl, and how many were started (each one's number tags its reports).
    private var crawler: Crawler?
    private var crawls = 0
    /// The running probe, and how many were started (see ConsoleApp+Probe).
    var prober: ProbeRunner?
    var probes = 0

    /// A capture opened offline (`verack open`): its events, its clock zero, its file.
    struct Offline {
        var events: [PeerEvent]
        /// A packet capture, read as the console starts: its events stream into the log
        /// (which keeps to its memory budget), and it sets the network and the clock zero.
        var packets: PcapImporter?
        var epoch: Double
        var path: String
        var skippedLines: Int
    }

    private var offline: Offline?

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
            if let network = importer.network {
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

    private func installSources() {
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

    private func handle(_ event: PeerEvent) {
        model.handle(event)
        for error in taps.handle(event) { model.showError(error) }
        setNeedsDraw()
    }

    private func tick() {
        if let engine { model.tick(now: engine.now) }
        refreshAddresses()
        setNeedsDraw()
    }

    /// The address book's counts for the title bar every second, and its entries while the
    /// Addresses view is open (at most 10,000 rows: the first of the view's order).
    private func refreshAddresses() {
        guard let engine else { return }
        model.updateAddresses(model.showsAddresses ? engine.addressBook.snapshot(limit: 10_000) : engine.addressBook.counts())
    }

    private func resized() {
        let size = terminal.refreshSize()
        model.resize(width: size.width, height: size.height)
        draw()
    }

    private func readKeys() {
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

    private func perform(_ action: ConsoleAction) {
        let epoch = engine?.epoch ?? offline?.epoch ?? 0
        switch action {
        case .quit:
            quit(status: 0)
            return
        case let .save(request):
            if request.pcap { savePcap(request, epoch: epoch) } else { saveRecording(request, epoch: epoch) }
            return
        case .refreshAddresses:
            refreshAddresses()
            return
        case let .probe(target, cases):
            startProbe(target: target, cases: cases)
            return
        case .probeStop:
            prober?.cancel()
            return
        default:
            break
        }
        guard let engine else {
            let what: String
            switch action {
            case .record: what = "record needs"
            case .crawl, .crawlStop: what = "crawl needs"
            default: what = "connect, drop, resend, send and the relay need"
            }
            model.showError("the capture is read-only: \(what) a live console (save FILE writes it again)")
            return
        }
        switch action {
        case .quit, .save, .refreshAddresses, .probe, .probeStop:
            break
        case let .crawl(request, origin):
            startCrawl(request, from: origin, engine: engine)
        case .crawlStop:
            crawler?.stop()
        case let .record(request):
            guard let request else {
                if let stopped = taps.stopRecording() {
                    model.showInfo("recording stopped: \(stopped.lines) lines in \(stopped.path)")
                } else {
                    model.showError("record off: nothing is being recorded")
                }
                return
            }
            do {
                try taps.startRecording(path: request.path, force: request.force, network: options.network, epoch: engine.epoch)
                model.showInfo("recording every event to \(request.path)")
            } catch {
                model.showError("record: \(error)")
            }
        case let .engine(command):
            let result: Result<Void, EngineError>
            switch command {
            case let .connect(address, transport): result = engine.connect(address, transport: transport).map { _ in () }
            case .connectSeeds:
                engine.connectToSeeds(count: options.maxPeers)
                result = .success(())
            case let .drop(id): result = engine.drop(id)
            case .dropAll:
                engine.dropAll()
                result = .success(())
            case let .resend(id, name, corruption): result = engine.resend(id, command: name, corruption: corruption)
            case let .send(id, message, corruption): result = engine.send(id, message, corruption: corruption)
            case let .relay(listen, target, relayOptions): result = engine.relay(listen: listen, to: target, options: relayOptions).map { _ in () }
            case .relayStop: result = engine.stopRelay().map { _ in () }
            case let .intercept(rule):
                engine.intercept(rule)
                result = .success(())
            case let .forward(id, corruption): result = engine.forwardHeld(id, corruption: corruption).map { _ in () }
            case let .dropHeld(id): result = engine.dropHeld(id)
            case let .inject(pair, from, message, corruption): result = engine.inject(pair: pair, from: from, message, corruption: corruption)
            }
            if case let .failure(error) = result { model.showError(error.message) }
        }
    }

    /// `crawl`: a ``Crawler`` with an engine of its own (its connections stay out of the
    /// peer table and the log), configured as the console's (network, transport policy,
    /// proxies), feeding the console's address book. Its reports reach the model on the
    /// main queue.
    private func startCrawl(_ request: CrawlRequest, from origin: String, engine: PeerEngine) {
        let network = options.network
        var settings = CrawlConfiguration()
        var origin = origin
        var seeds: [String] = []
        for s in request.seeds {
            switch Endpoint.parse(s, defaultPort: network.defaultPort) {
            case let .success(e): seeds.append(e.description)
            case let .failure(e): return model.showError("crawl: \(e.message)")
            }
        }
        if seeds.isEmpty {
            guard options.seeds else {
                return model.showError("crawl: no peer to start from: connect ADDRESS first, or crawl --seed ADDRESS (the console runs with --no-seeds)")
            }
            guard !network.dnsSeeds.isEmpty || network.magic == Network.mainnet.magic else {
                return model.showError("crawl: no peer to start from and \(network.name) has no DNS seeds: connect ADDRESS first, or crawl --seed ADDRESS")
            }
            origin = "the DNS seeds"
        }
        settings.seeds = seeds
        settings.concurrency = request.concurrency
        settings.maxAddresses = request.maxAddresses
        crawls += 1
        var config = engine.configuration
        // Ids apart from the console's peers and from earlier crawls: the book bounds what
        // each peer id may add.
        config.firstPeerID = crawls << 32
        let crawler = Self.makeCrawler(configuration: config, settings: settings, addressBook: engine.addressBook, crawl: crawls)
        self.crawler = crawler
        model.crawlStarted(request, from: origin)
        crawler.start()
    }

    /// The crawler, its callbacks made outside the main actor (they run on the crawler's
    /// queue and hop to the main queue).
    private nonisolated static func makeCrawler(configuration: EngineConfiguration, settings: CrawlConfiguration, addressBook: AddressBook, crawl: Int) -> Crawler {
        Crawler(
            engineConfiguration: configuration, settings: settings, addressBook: addressBook,
            onResult: { _ in }, onFinish: { _ in },
            onProgress: { progress in
                DispatchQueue.main.async {
                    MainActor.assumeIsolated { ConsoleApp.current?.crawlProgressed(progress, crawl: crawl) }
                }
            })
    }

    private func crawlProgressed(_ progress: CrawlProgress, crawl: Int) {
        guard crawl == crawls else { return }
        model.updateCrawl(progress)
        if progress.finished {
            crawler = nil
            refreshAddresses()
        }
        setNeedsDraw()
    }

    /// `save FILE`: a recording of what the log holds: the peers it names, then its frames,
    /// oldest first, in the schema of `--record`.
    private func saveRecording(_ request: SaveRequest, epoch: Double) {
        do {
            let recorder = try Recorder(path: request.path, force: request.force, network: options.network, epoch: epoch)
            defer { recorder.close() }
            var named = Set<PeerID>()
            var count = 0
            // A relayed message's forwarded copy follows its row: both legs are saved.
            model.log.forEachKept { frame in
                if named.insert(frame.peer).inserted, let ends = model.endpoints[frame.peer] {
                    var info = model.peers[frame.peer] ?? PeerInfo(id: frame.peer, address: ends.remote, direction: .outbound, phase: .connecting, startedAt: frame.time)
                    info.localAddress = ends.local
                    recorder.handle(PeerEvent(time: min(info.startedAt, frame.time), .peerAdded(info)))
                }
                recorder.handle(PeerEvent(time: frame.time, .frame(frame)))
                count += 1
            }
            if let failure = recorder.failure { throw failure }
            model.showInfo("saved \(count) frames to \(request.path)")
        } catch {
            model.showError("save: \(error)")
        }
    }

    /// `save --pcap FILE`: every frame the log holds, oldest first.
    private func savePcap(_ request: SaveRequest, epoch: Double) {
        do {
            let writer = try PcapWriter(path: request.path, force: request.force)
            defer { writer.close() }
            try model.log.forEachKept { frame in
                let ends = model.endpoints[frame.peer]
                try writer.write(frame, at: epoch + frame.time, local: ends?.local, remote: ends?.remote ?? "", magic: options.network.magic)
            }
            model.showInfo("saved \(writer.records) frames to \(request.path) (v2 handshake steps are not Bitcoin frames: left out)")
        } catch {
            model.showError("save: \(error)")
        }
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

    private func draw() {
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
