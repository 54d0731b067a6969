import ArgumentParser
import BitcoinWire
import Dispatch
import Foundation
import PeerEngine

/// `verack` (or `verack console`): the full-screen console.
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The full-screen console (the default): a live peer table, message log and command line.",
        discussion: """
            Without --connect it dials the network's seed peers (mainnet by default) unless \
            --no-seeds is given. Type help in the console for keys and commands.
            """
    )

    @OptionGroup var net: NetworkOptions
    @OptionGroup var transportOptions: TransportOptions
    @OptionGroup var capture: CaptureOptions
    @OptionGroup var proxy: ProxyOptions

    @Option(name: .customLong("connect"), help: ArgumentHelp("Connect to this peer (repeatable).", valueName: "address"))
    var connect: [String] = []

    @Flag(name: .customLong("no-seeds"), help: "Do not dial the network's seed peers.")
    var noSeeds = false

    @Option(help: ArgumentHelp("Accept inbound peers on HOST:PORT.", valueName: "host:port"))
    var listen: String?

    @Option(name: .customLong("max-peers"), parsing: .unconditional, help: "Seed peers to dial.")
    var maxPeers: Int = 8

    @Option(name: .customLong("log-limit"), parsing: .unconditional, help: "Frames the message log keeps (the oldest are dropped).")
    var logLimit: Int = 100_000

    @Option(parsing: .unconditional, help: "Seconds an awaited reply may be late before the peer shows as silent.")
    var silence: Double = 5

    @Flag(name: .customLong("tx-relay"), help: "Ask peers to announce transactions (relay=1 in our version): a much busier log.")
    var txRelay = false

    @Option(name: .customLong("relay"), help: ArgumentHelp(
        "Relay each connection accepted on LISTEN (HOST:PORT or PORT) to TARGET (HOST[:PORT]), verack in the middle (repeatable).",
        valueName: "listen=target"))
    var relays: [String] = []

    @Option(name: .customLong("relay-in"), help: "The relay's accepted leg: v1, v2 or auto (told apart by the first bytes).")
    var relayIn: TransportPolicy = .auto

    @Option(name: .customLong("relay-out"), help: "The relay's dialled leg: v1, v2, or auto (v2, one v1 retry).")
    var relayOut: TransportPolicy = .auto

    /// `LISTEN=TARGET` split at its `=`, both parts checked.
    static func relayPair(_ text: String, network: Network) throws -> (listen: String, target: String) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("bad --relay '\(text)': give LISTEN=TARGET, e.g. 127.0.0.1:18555=127.0.0.1:18444")
        }
        if case let .failure(e) = Endpoint.parseListen(parts[0]) { throw ValidationError("bad --relay listen '\(parts[0])': \(e.message)") }
        if case let .failure(e) = Endpoint.parse(parts[1], defaultPort: network.defaultPort) {
            throw ValidationError("bad --relay target '\(parts[1])': \(e)")
        }
        return (parts[0], parts[1])
    }

    func validate() throws {
        guard silence > 0 else { throw ValidationError("--silence must be above 0") }
        guard (1...1000).contains(maxPeers) else { throw ValidationError("--max-peers must be from 1 to 1000") }
        guard (1...50_000_000).contains(logLimit) else { throw ValidationError("--log-limit must be from 1 to 50000000") }
        let network = net.resolved
        for address in connect {
            if case let .failure(e) = Endpoint.parse(address, defaultPort: network.defaultPort) {
                throw ValidationError("bad --connect '\(address)': \(e)")
            }
        }
        if let listen, case let .failure(e) = Endpoint.parseListen(listen) {
            throw ValidationError(e.message)
        }
        for relay in relays { _ = try Self.relayPair(relay, network: network) }
    }

    func run() throws {
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            FileHandle.standardError.write(Data("verack: the console needs a terminal on stdin and stdout; for scripts use `verack handshake` or `verack serve`\n".utf8))
            throw ExitCode(1)
        }
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        var options = ConsoleApp.Options(
            network: net.resolved, connect: connect, seeds: !noSeeds, listen: listen, maxPeers: maxPeers,
            logLimit: logLimit, color: !noColor, relay: txRelay, silence: silence, transport: transportOptions.transport,
            capture: capture)
        options.proxy = try proxy.settings()
        options.relays = try relays.map { try Self.relayPair($0, network: net.resolved) }
        options.relayOptions = RelayOptions(inbound: relayIn, outbound: relayOut)
        let ready = options
        MainQueue.start {
            let app = ConsoleApp(options: ready)
            ConsoleApp.current = app
            do {
                try app.start()
            } catch {
                app.restoreTerminal()
                FileHandle.standardError.write(Data("verack: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
