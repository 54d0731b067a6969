import ConsoleUI
import Dispatch
import Foundation
import PeerEngine

/// `probe`: a ``ProbeRunner`` on a thread of its own, its connections its own (they stay
/// out of the peer table and the log, as a crawl's do). Its frames and results reach the
/// model on the main queue, tagged with the run's number so a late report of an earlier
/// run is dropped.
extension ConsoleApp {
    func startProbe(target: String, cases: [String]) {
        let network = options.network
        guard case let .success(endpoint) = Endpoint.parse(target, defaultPort: network.defaultPort) else {
            return model.showError("probe: bad address \(target)")
        }
        let selected = cases.compactMap(ProbeCatalog.named)
        probes += 1
        var settings = ProbeSettings(network: network, userAgent: "/verack:\(Verack.version)/")
        settings.transport = .v1
        let runner = Self.makeProber(endpoint, settings: settings, run: probes)
        prober = runner
        model.probeStarted(target: endpoint.description, cases: selected.map(\.name), selectors: [])
        Self.launch(runner, selected, run: probes)
        setNeedsDraw()
    }

    /// The runner, its frame hook made outside the main actor (it runs on the cases'
    /// threads and hops to the main queue).
    private nonisolated static func makeProber(_ endpoint: Endpoint, settings: ProbeSettings, run: Int) -> ProbeRunner {
        ProbeRunner(target: endpoint, settings: settings) { frame in
            DispatchQueue.main.async { MainActor.assumeIsolated { ConsoleApp.current?.probeReported(.frame(frame), run: run) } }
        }
    }

    /// Checks the target, then runs the cases, on a thread of its own.
    private nonisolated static func launch(_ runner: ProbeRunner, _ cases: [ProbeCase], run: Int) {
        Thread.detachNewThread {
            let started = runner.clock.now
            if case let .failure(e) = runner.checkReachable() {
                let seconds = runner.clock.now - started
                DispatchQueue.main.async { MainActor.assumeIsolated { ConsoleApp.current?.probeReported(.finished(seconds, e.message), run: run) } }
                return
            }
            _ = runner.run(cases) { result in
                DispatchQueue.main.async { MainActor.assumeIsolated { ConsoleApp.current?.probeReported(.result(result), run: run) } }
            }
            let seconds = runner.clock.now - started
            DispatchQueue.main.async { MainActor.assumeIsolated { ConsoleApp.current?.probeReported(.finished(seconds, nil), run: run) } }
        }
    }

    enum ProbeReport: Sendable {
        case frame(ProbeFrame)
        case result(ProbeResult)
        /// Seconds, and why it ended early (unreachable).
        case finished(Double, String?)
    }

    func probeReported(_ report: ProbeReport, run: Int) {
        guard run == probes else { return }
        switch report {
        case let .frame(f): model.probeFrame(f)
        case let .result(r): model.probeResult(r)
        case let .finished(seconds, failure):
            model.probeFinished(seconds: seconds, failure: failure)
            prober = nil
        }
        setNeedsDraw()
    }
}
