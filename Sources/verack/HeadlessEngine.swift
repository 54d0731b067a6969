import Capture
import Foundation
import PeerEngine

/// The engine of a headless command that prints what happens (`serve`, `relay`): its
/// events go to an ``EventPrinter`` (a line each, or JSON) and to the `--record`/`--pcap`
/// captures; SIGINT and SIGTERM shut it down, flush the output and exit 0.
@MainActor
enum HeadlessEngine {
    static func start(_ configuration: EngineConfiguration, capture: CaptureOptions, json: Bool, quiet: Bool) throws -> PeerEngine {
        let printer = EventPrinter(json: json, quiet: quiet)
        let tapBox = TapBox()
        let engine = PeerEngine(configuration: configuration, eventQueue: .main) { event in
            MainActor.assumeIsolated {
                printer.handle(event)
                for error in tapBox.taps?.handle(event) ?? [] { Output.error("verack: \(error)") }
            }
        }
        tapBox.taps = try Taps(capture: capture, network: configuration.network, epoch: engine.epoch)
        SignalExit.install {
            engine.shutdown()
            printer.flush()
            Foundation.exit(0)
        }
        return engine
    }
}
