import ArgumentParser
import BitcoinWire
import Dispatch

/// The `verack` command line: the console by default, and headless subcommands.
@main
struct Verack: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "verack",
        abstract: "A live terminal console for the Bitcoin peer-to-peer network.",
        version: version,
        subcommands: [
            ConsoleCommand.self, DecodeCommand.self, HandshakeCommand.self, CrawlCommand.self, ServeCommand.self, OpenCommand.self,
            SniffCommand.self, ProbeCommand.self, RelayCommand.self,
        ],
        defaultSubcommand: ConsoleCommand.self
    )

    /// Like ArgumentParser's, but a bad flag gets one line (no usage block after it);
    /// `--help` and `--version` print as usual.
    static func main() {
        #if canImport(Glibc)
        // Big frames (up to 4 MB) come and go: with glibc's default the mmap threshold
        // rises after the first such free and later ones stay in the heap, where freed
        // memory is seldom returned. A fixed threshold keeps RSS near what is live
        // (measured: 4 MB-frame flood in the console, 730 MB peak before, 300 MB after).
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 128 << 10)
        #endif
        runCommand()
        // A long-lived command has put its start on the main queue: run it. Called here,
        // with no frame below that owns anything: `dispatchMain()` ends the main thread,
        // and what its frames held would be reachable from nowhere (LeakSanitizer says
        // leaked).
        if MainActor.assumeIsolated({ MainQueue.isScheduled }) { dispatchMain() }
    }

    /// Parses the command line and runs the command (a long-lived one only schedules its
    /// start with ``MainQueue/start(_:)``).
    private static func runCommand() {
        do {
            let (arguments, trailing) = TrailingAddresses.split(Array(CommandLine.arguments.dropFirst()))
            var command = try parseAsRoot(arguments)
            if !trailing.isEmpty, var handshake = command as? HandshakeCommand {
                handshake.addresses += trailing
                try handshake.validate()
                command = handshake
            }
            try command.run()
        } catch {
            fail(error)
        }
    }

    /// Ends the process for an error a command threw: its message on one line (none for
    /// an `ExitCode`), and its exit status.
    static func fail(_ error: any Error) -> Never {
        let code = exitCode(for: error)
        if code == .success || error is ExitCode {
            exit(withError: error)
        }
        let text = message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty {
            Output.error("Error: " + (text.split(separator: "\n").first.map(String.init) ?? text))
        }
        exit(withError: ExitCode(code.rawValue))
    }
}

/// Runs a long-lived command on the main queue.
enum MainQueue {
    /// Set by ``start(_:)``, on the main thread before `dispatchMain()`.
    @MainActor private(set) static var isScheduled = false

    /// Puts `body` first on the main queue, where it starts the command; `Verack.main`
    /// then parks the main thread in `dispatchMain()` for good. An error `body` throws
    /// ends the process as one a command's `run()` throws does. Call it from `run()`, on
    /// the main thread.
    ///
    /// Everything the command's main-queue blocks touch must be made in `body`, not
    /// before: on Linux, `dispatchMain()` parks the main thread and a worker thread
    /// drains the main queue, so state the main thread touched first would be shared by
    /// two threads with no order between them (ThreadSanitizer reports it).
    static func start(_ body: @escaping @MainActor @Sendable () throws -> Void) {
        MainActor.assumeIsolated { isScheduled = true }
        DispatchQueue.main.async {
            MainActor.assumeIsolated {
                do { try body() } catch { Verack.fail(error) }
            }
        }
    }
}

#if canImport(Glibc)
/// glibc's `mallopt`, which the Glibc module does not export (malloc.h).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// `--network NAME | --magic HEX`, shared by every subcommand.
struct NetworkOptions: ParsableArguments {
    @Option(name: .long, help: "Network: mainnet, testnet3, testnet4, signet or regtest.")
    var network: Network?

    @Option(name: .long, help: "Custom network magic: 8 hex digits in wire order, e.g. dab5bffa.")
    var magic: String?

    func validate() throws {
        if network != nil && magic != nil {
            throw ValidationError("give --network or --magic, not both")
        }
        if let magic {
            do { _ = try Magic(hex: magic) } catch { throw ValidationError("bad --magic '\(magic)': \(error)") }
        }
    }

    /// The chosen network; mainnet by default.
    var resolved: Network {
        if let magic, let m = try? Magic(hex: magic) { return Network.custom(magic: m) }
        if let network { return network }
        return .mainnet
    }
}
