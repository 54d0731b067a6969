import ArgumentParser
import BitcoinWire
import Capture
import Dispatch
import Foundation
import PeerEngine

/// `verack relay`: a man-in-the-middle between nodes, headless.
struct RelayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Stand between two nodes: relay every connection made to --listen to --to, and print what goes by.",
        discussion: """
            Each accepted connection (leg A) is paired with a new connection to the target (leg B).
            Both legs make their own transport handshakes, v1 or v2 (BIP324, ended on both legs),
            and every message goes across as it arrives: a v1 frame byte for byte, bad checksum
            included; a v2 packet decrypted and sealed again. The nodes' own version messages pass
            through, so each sees the other's user agent, services and nonce. When one leg ends,
            so does the other.
            """
    )

    @OptionGroup var net: NetworkOptions
    @OptionGroup var capture: CaptureOptions

    @Option(parsing: .unconditional, help: "Where to listen: HOST:PORT, or PORT for loopback (0: any free port).")
    var listen: String

    @Option(name: .customLong("to"), parsing: .unconditional, help: ArgumentHelp("The node to relay to: HOST[:PORT].", valueName: "host:port"))
    var target: String

    @Option(name: .customLong("in"), help: ArgumentHelp(
        "Accepted connections: v1, v2, or auto (told apart by their first bytes).", valueName: "v1|v2|auto"))
    var inbound: TransportPolicy = .auto

    @Option(name: .customLong("out"), help: ArgumentHelp(
        "The connection to the target: v1, v2, or auto (v2, then v1 once if the target hangs up during the key exchange).",
        valueName: "v1|v2|auto"))
    var outbound: TransportPolicy = .auto

    @Option(name: .customLong("connect-timeout"), parsing: .unconditional, help: "Seconds to reach the target before the pair ends.")
    var connectTimeout: Double = 10

    @Flag(help: "One JSON object per line.")
    var json = false

    @Flag(help: "Print peer and relay events only, not every frame.")
    var quiet = false

    func validate() throws {
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be above 0") }
        if case let .failure(e) = Endpoint.parseListen(listen) { throw ValidationError("--listen: \(e.message)") }
        if case let .failure(e) = Endpoint.parse(target, defaultPort: net.resolved.defaultPort) { throw ValidationError("--to: \(e.message)") }
    }

    func run() throws {
        var config = EngineConfiguration(network: net.resolved, userAgent: "/verack:\(Verack.version)/")
        config.connectTimeout = connectTimeout
        // Nothing shows or keeps frames: the legs pass them on without decoding them.
        config.postsFrameEvents = !(quiet && capture.record == nil && capture.pcap == nil)
        let ready = config, capture = capture, listen = listen, target = target, json = json, quiet = quiet
        let options = RelayOptions(inbound: inbound, outbound: outbound)
        MainQueue.start {
            let engine = try HeadlessEngine.start(ready, capture: capture, json: json, quiet: quiet)
            if case let .failure(e) = engine.relay(listen: listen, to: target, options: options) {
                Output.error("verack relay: \(e)")
                throw ExitCode(2)
            }
        }
    }
}
