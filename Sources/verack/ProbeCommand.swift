import ArgumentParser
import BitcoinWire
import Foundation
import PeerEngine

/// `verack probe`: runs the fault experiments against one node and holds each reaction
/// against Bitcoin Core's.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Send a battery of bad input to a node, one connection per case, and compare its reactions with Core's.",
        discussion: """
            Each case handshakes as far as it needs, sends its bytes, and watches: answered,
            ignored (a ping afterwards still gets its pong), silent, disconnected, or
            refused-later (a new connection is refused). Cases that may get the address
            discouraged or banned run last, one at a time. Probing a node that is not yours
            is your choice: see the README for what is sent.
            Groups: \(ProbeGroup.allCases.map(\.rawValue).joined(separator: ", ")) (slow only when asked).
            Exit status: 0 when the probe ran, whatever the verdicts; 64 bad arguments; 1
            when the target cannot be reached.
            """
    )

    @OptionGroup var net: NetworkOptions

    @Option(name: .customLong("case"), parsing: .singleValue, help: ArgumentHelp("A case or group to run (repeatable); default: all but slow.", valueName: "name|group"))
    var cases: [String] = []

    @Option(help: "v2: add the v2 group to the battery, and check reachability over v2 (v1 cases always speak v1).")
    var transport: TransportKind = .v1

    @Flag(help: "One JSON object per case.")
    var json = false

    @Option(parsing: .unconditional, help: "Seconds to wait for the follow-up's answer in each case.")
    var timeout: Double = 3

    @Argument(help: "The node, as HOST[:PORT] or [IPv6]:PORT.")
    var address: String

    func validate() throws {
        guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout must be above 0 and at most 600") }
        if case let .failure(e) = Endpoint.parse(address, defaultPort: net.resolved.defaultPort) { throw ValidationError(e.message) }
        let selected = try selection()
        if selected.isEmpty { throw ValidationError("no cases selected") }
    }

    func selection() throws -> [ProbeCase] {
        switch ProbeCatalog.select(cases, v2: transport == .v2) {
        case let .failure(e): throw ValidationError(e.message)
        case let .success(list): return list
        }
    }

    func run() throws {
        let network = net.resolved
        guard case let .success(endpoint) = Endpoint.parse(address, defaultPort: network.defaultPort) else { throw ExitCode(64) }
        var settings = ProbeSettings(network: network, userAgent: "/verack:\(Verack.version)/")
        settings.window = timeout
        settings.transport = transport
        let runner = ProbeRunner(target: endpoint, settings: settings)
        if case let .failure(e) = runner.checkReachable() {
            Output.error("verack probe: \(e)")
            throw ExitCode(1)
        }
        let selected = try selection()
        let started = runner.clock.now
        let results = runner.run(selected)
        let seconds = runner.clock.now - started
        if json {
            for r in results { Output.line(Self.json(r).serialized) }
        } else {
            for line in Self.table(results) { Output.line(line) }
            let same = results.filter(\.asCore).count
            let last = results.filter { r in selected.first { $0.name == r.name }?.mayDiscourage == true }.map(\.name)
            Output.line("")
            Output.line("\(results.count) cases against \(endpoint) in \(String(format: "%.1f", seconds)) s: \(same) as Core, \(results.count - same) not.")
            if !last.isEmpty {
                Output.line("Run last, one at a time, as they may get the address discouraged or banned: \(last.joined(separator: ", ")).")
            }
        }
    }

    static func json(_ r: ProbeResult) -> JSONValue {
        .object([
            ("case", .string(r.name)),
            ("group", .string(r.group.rawValue)),
            ("sent", .string(r.sent)),
            ("reaction", .string(r.reaction.rawValue)),
            ("detail", .string(r.detail)),
            ("after_ms", r.afterMs.map { .int(Int64($0)) } ?? .null),
            ("core_expected", r.expected.map { .string($0.text) } ?? .null),
            ("verdict", .string(r.verdict)),
        ])
    }

    /// The report: one row per case, columns padded to their widest cell.
    static func table(_ results: [ProbeResult]) -> [String] {
        let header = ["case", "group", "sent", "reaction", "after", "Core's expectation", "verdict"]
        let rows = results.map { r in
            [
                r.name, r.group.rawValue, r.sent, "\(r.reaction.rawValue): \(r.detail)",
                r.afterMs.map { "\(Int($0)) ms" } ?? "-", r.expected?.text ?? "-",
                r.asCore ? "as Core" : (r.verdict.hasPrefix("differs") ? "differs" : r.verdict),
            ]
        }
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { i in i == row.count - 1 ? row[i] : row[i].padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
    }
}

extension TransportKind: ExpressibleByArgument {}
