import BitcoinWire
import Capture
import ConsoleUI
import Dispatch
import Foundation
import PeerEngine

/// The action router: what the model asks for, done against the engine, the sniffer or a
/// read-only capture.
extension ConsoleApp {
    func perform(_ action: ConsoleAction) {
        let epoch = engine?.epoch ?? sniffer?.epoch ?? offline?.epoch ?? 0
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
        if case let .record(request) = action, sniffer != nil {
            return record(request, epoch: epoch)
        }
        guard let engine else {
            if sniffer != nil {
                return model.showError("sniffing is read-only: verack sends nothing (connect, drop, resend, send, crawl and the relay need a console of its own)")
            }
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
            record(request, epoch: engine.epoch)
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

    /// `record FILE` and `record off`.
    func record(_ request: SaveRequest?, epoch: Double) {
        guard let request else {
            if let stopped = taps.stopRecording() {
                model.showInfo("recording stopped: \(stopped.lines) lines in \(stopped.path)")
            } else {
                model.showError("record off: nothing is being recorded")
            }
            return
        }
        do {
            try taps.startRecording(path: request.path, force: request.force, network: options.network, epoch: epoch)
            model.showInfo("recording every event to \(request.path)")
        } catch {
            model.showError("record: \(error)")
        }
    }

    /// The address book's counts for the title bar every second, and its entries while the
    /// Addresses view is open (at most 10,000 rows: the first of the view's order).
    func refreshAddresses() {
        guard let engine else { return }
        model.updateAddresses(model.showsAddresses ? engine.addressBook.snapshot(limit: 10_000) : engine.addressBook.counts())
    }
}
