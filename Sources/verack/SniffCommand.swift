import ArgumentParser
import BitcoinWire
import Capture
import Dispatch
import Foundation
import PeerEngine

/// `verack sniff`: the console (or `--json` lines) on a live capture of an interface: each
/// TCP connection a peer, its frames as they complete. Read-only: nothing is sent.
struct SniffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sniff",
        abstract: "Watch the Bitcoin traffic on a network interface live (libpcap), read-only.",
        discussion: """
            Each TCP connection is a peer row, marked as sniffed; its initiator is on the \
            left. Frames appear as they complete, through the same TCP reassembly and frame \
            search as `verack open`. connect, drop, resend and send answer that sniffing is \
            read-only; record and save --pcap work. Needs root or the CAP_NET_RAW capability \
            (sudo setcap cap_net_raw+ep verack). The default filter is TCP on the network's \
            port and each --port. Drops by libpcap (a full buffer) are counted and shown.
            """
    )

    @Option(name: [.customShort("i"), .long], help: "The interface to sniff ('any' for all).")
    var interface = "any"

    @Option(name: .customLong("port"), help: ArgumentHelp("Also sniff TCP on this port (repeatable).", valueName: "port"))
    var ports: [UInt16] = []

    @Option(help: ArgumentHelp("A BPF filter (tcpdump's syntax) instead of the ports'.", valueName: "bpf"))
    var filter: String?

    @OptionGroup var net: NetworkOptions

    @OptionGroup var capture: CaptureOptions

    @Flag(help: "No console: print each event as one JSON object per line (the --record schema).")
    var json = false

    @Option(name: .customLong("log-limit"), parsing: .unconditional, help: "Frames the message log keeps (the oldest are dropped).")
    var logLimit: Int = 100_000

    func validate() throws {
        guard (1...50_000_000).contains(logLimit) else { throw ValidationError("--log-limit must be from 1 to 50000000") }
        if filter != nil, !ports.isEmpty { throw ValidationError("give --filter or --port, not both (add the ports to the filter)") }
        if let filter, filter.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--filter is empty") }
    }

    /// The filter: `--filter`, else TCP on the network's port and each `--port`.
    var bpf: String {
        if let filter { return filter }
        var all = [net.resolved.defaultPort]
        for p in ports where !all.contains(p) { all.append(p) }
        if all.count == 1 { return "tcp port \(all[0])" }
        return "tcp and (" + all.map { "port \($0)" }.joined(separator: " or ") + ")"
    }

    /// The magic searched for: the one given, else every known network's.
    var magic: Magic? {
        guard net.network != nil || net.magic != nil else { return nil }
        return net.resolved.magic
    }

    func run() throws {
        if !json {
            guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
                Output.error("verack sniff: the console needs a terminal on stdin and stdout; for scripts use --json")
                throw ExitCode(1)
            }
        }
        let settings = Settings(
            interface: interface, filter: bpf, magic: magic, network: net.resolved, capture: capture, json: json,
            logLimit: logLimit)
        MainQueue.start {
            if settings.json {
                try SniffHeadless.start(settings)
            } else {
                try SniffConsole.start(settings)
            }
        }
    }

    struct Settings: Sendable {
        var interface: String
        var filter: String
        var magic: Magic?
        var network: Network
        var capture: CaptureOptions
        var json: Bool
        var logLimit: Int
    }

    /// Opens the capture; a failure is one line on stderr and exit status 64.
    static func open(_ s: Settings, onEvent: @escaping @Sendable (PeerEvent) -> Void) throws -> Sniffer {
        do {
            return try Sniffer(interface: s.interface, filter: s.filter, magic: s.magic, eventQueue: .main, onEvent: onEvent)
        } catch {
            Output.error("verack sniff: \(error.message)")
            throw ExitCode(64)
        }
    }
}

/// Plain values (two paths and a flag), parsed once and only read after: the settings cross
/// into the main queue's first block with it.
extension CaptureOptions: @unchecked Sendable {}

/// `verack sniff --json`: events as JSON lines until SIGINT or SIGTERM.
@MainActor
enum SniffHeadless {
    private static var running: (Sniffer, EventPrinter, Taps)?

    static func start(_ s: SniffCommand.Settings) throws {
        let printer = EventPrinter(json: true)
        let box = TapBox()
        let sniffer = try SniffCommand.open(s) { event in
            MainActor.assumeIsolated {
                printer.handle(event)
                for error in box.taps?.handle(event) ?? [] { Output.error("verack sniff: \(error)") }
            }
        }
        let taps: Taps
        do {
            taps = try Taps(capture: s.capture, network: s.network, epoch: sniffer.epoch)
        } catch {
            Output.error("verack sniff: \(error)")
            throw ExitCode(64)
        }
        box.taps = taps
        running = (sniffer, printer, taps)
        SignalExit.install {
            sniffer.stop {
                MainActor.assumeIsolated {
                    printer.flush()
                    _ = taps.stopRecording()
                    taps.pcap?.close()
                    exit(0)
                }
            }
        }
        sniffer.start()
    }
}

/// `verack sniff` in the console.
@MainActor
enum SniffConsole {
    static func start(_ s: SniffCommand.Settings) throws {
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let options = ConsoleApp.Options(
            network: s.magic.map { Network.custom(magic: $0) } ?? s.network, connect: [], seeds: false, listen: nil, maxPeers: 1,
            logLimit: s.logLimit, color: !noColor, relay: false, silence: 5, transport: .auto, capture: s.capture)
        let sniffer = try SniffCommand.open(s) { event in
            MainActor.assumeIsolated { ConsoleApp.current?.sniffed(event) }
        }
        let app = ConsoleApp(options: options)
        ConsoleApp.current = app
        do {
            try app.startSniffing(sniffer)
        } catch {
            app.restoreTerminal()
            Output.error("verack sniff: \(error)")
            throw ExitCode(64)
        }
    }
}
