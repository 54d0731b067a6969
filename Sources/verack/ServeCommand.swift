import ArgumentParser
import BitcoinWire
import Capture
import Dispatch
import Foundation
import PeerEngine

/// `verack serve`: answers inbound handshakes until interrupted.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Listen for peers, answer their handshakes, keep them alive and print every event."
    )

    @OptionGroup var net: NetworkOptions
    @OptionGroup var transportOptions: TransportOptions
    @OptionGroup var v2: V2Options
    @OptionGroup var capture: CaptureOptions

    @Option(parsing: .unconditional, help: "Where to listen: HOST:PORT, or PORT for loopback (0: any free port).")
    var listen: String

    @Option(parsing: .unconditional, help: "Seconds an awaited reply may be late before the peer shows as silent.")
    var silence: Double = 5

    @Flag(help: "One JSON object per line.")
    var json = false

    @Flag(help: "Print peer events only, not every frame.")
    var quiet = false

    func validate() throws {
        guard silence > 0 else { throw ValidationError("--silence must be above 0") }
        if case let .failure(e) = Endpoint.parseListen(listen) { throw ValidationError(e.message) }
    }

    func run() throws {
        var config = EngineConfiguration(network: net.resolved, userAgent: "/verack:\(Verack.version)/")
        config.silenceTimeout = silence
        config.transport = transportOptions.transport
        v2.apply(to: &config)
        let ready = config, capture = capture, listen = listen, json = json, quiet = quiet
        MainQueue.start {
            let engine = try HeadlessEngine.start(ready, capture: capture, json: json, quiet: quiet)
            switch engine.listen(listen) {
            case let .failure(e):
                Output.error("verack serve: \(e)")
                throw ExitCode(2)
            case let .success(port):
                var listening = RecordedEvent(.listening)
                listening.port = Int(port)
                listening.t = 0
                let line = json
                    ? listening.line
                    : "   0.000 verack  listening on port \(port) (\(ready.network.name), magic \(ready.network.magic))"
                Output.line(line)
            }
        }
    }
}
