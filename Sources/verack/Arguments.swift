import BIP324
import ArgumentParser
import BitcoinWire
import Capture
import PeerEngine

extension Corruption: ExpressibleByArgument {}

extension TransportPolicy: ExpressibleByArgument {}

extension Network: ExpressibleByArgument {
    public init?(argument: String) {
        guard let n = Network.named(argument) else { return nil }
        self = n
    }

    public static var allValueStrings: [String] { Network.all.map(\.name) }
}

/// `--transport v1|v2|auto`, shared by the console, `handshake` and `serve`.
struct TransportOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Transport: v1, v2 (BIP324, encrypted) or auto (v2 to peers known to offer it, one v1 retry; inbound either).",
        valueName: "v1|v2|auto"))
    var transport: TransportPolicy = .auto
}

/// Knobs of our side of the v2 handshake, for watching a peer cope with them.
struct V2Options: ParsableArguments {
    @Option(name: .customLong("v2-garbage"), parsing: .unconditional,
            help: ArgumentHelp("v2: bytes of garbage after our key (0-\(V2Handshake.maxGarbageLength); default: random).", valueName: "n"))
    var garbage: Int?

    @Option(name: .customLong("v2-decoys"), parsing: .unconditional,
            help: ArgumentHelp("v2: decoy packets we send before our version packet.", valueName: "n"))
    var decoys: Int = 0

    func validate() throws {
        if let garbage, !V2Handshake.garbageLengths.contains(garbage) {
            throw ValidationError("--v2-garbage must be from 0 to \(V2Handshake.maxGarbageLength)")
        }
        guard (0...1000).contains(decoys) else { throw ValidationError("--v2-decoys must be from 0 to 1000") }
    }

    func apply(to config: inout EngineConfiguration) {
        if let garbage { config.v2GarbageLength = garbage...garbage }
        config.v2Decoys = decoys
    }
}

/// `--record FILE`, `--pcap FILE`, `--force`: captures written as events happen.
struct CaptureOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Record every event to a file, one JSON object per line (the --json schema after a header line).",
        valueName: "file"))
    var record: String?

    @Option(help: ArgumentHelp(
        "Write every frame to a pcap file (link type 252, Wireshark's \"exported PDU\"; v2 messages as v1 frames).",
        valueName: "file"))
    var pcap: String?

    @Flag(help: "Replace an existing --record or --pcap file.")
    var force = false

    func validate() throws {
        if let record, let pcap, record == pcap { throw ValidationError("--record and --pcap name the same file") }
    }

    /// The recorder, or nil without `--record`; a file that cannot be made is a one-line error.
    @MainActor
    func openRecorder(network: Network, epoch: Double) throws -> Recorder? {
        guard let record else { return nil }
        do {
            return try Recorder(path: record, force: force, network: network, epoch: epoch)
        } catch {
            throw ValidationError("--record: \(error.message)")
        }
    }

    /// The writer, or nil without `--pcap`; a file that cannot be made is a one-line error.
    func openPcap() throws -> PcapWriter? {
        guard let pcap else { return nil }
        do {
            return try PcapWriter(path: pcap, force: force)
        } catch {
            throw ValidationError("--pcap: \(error.message)")
        }
    }
}
