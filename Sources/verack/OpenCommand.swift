import ArgumentParser
import BitcoinWire
import Capture
import Dispatch
import Foundation
import PeerEngine

/// `verack open FILE`: the console, offline and read-only, on a recording or a packet
/// capture (pcap or pcapng of TCP traffic).
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open a recording (verack --record or save), a pcap/pcapng capture or Bitcoin Core's -capturemessages folder in the console, offline and read-only.",
        discussion: """
            The peer table, the log, the ladder, detail views, filter and search all work; \
            connect, drop, resend, send and record answer that the capture is read-only. \
            In a pcap or pcapng (tcpdump, tshark, Wireshark), each TCP connection is a peer, \
            its initiator on the left; frames of every known network are found, or of --magic. \
            A folder is Bitcoin Core's -capturemessages output: the message_capture folder or \
            one peer's folder in it; each peer is a row, the node on the left, and each frame's \
            header is rebuilt (Core keeps no magic or checksum; --magic sets the magic).
            """
    )

    @Option(name: .customLong("log-limit"), parsing: .unconditional, help: "Frames the message log keeps (the oldest are dropped).")
    var logLimit: Int = 100_000

    @Option(name: .long, help: "pcap/pcapng: the network magic to look for (8 hex digits in wire order); default: every known network's.")
    var magic: String?

    @Argument(help: "A recording (a JSON Lines file made by --record or the console's save), a pcap or pcapng capture, or a -capturemessages folder.")
    var file: String

    func validate() throws {
        guard (1...50_000_000).contains(logLimit) else { throw ValidationError("--log-limit must be from 1 to 50000000") }
        if let magic {
            do { _ = try Magic(hex: magic) } catch { throw ValidationError("bad --magic '\(magic)': \(error)") }
        }
    }

    func run() throws {
        let given = magic.flatMap { try? Magic(hex: $0) }
        let loaded = Result { () throws(CaptureError) -> (Network, ConsoleApp.Offline) in
            if CoreCaptureImporter.isFolder(file) {
                let importer = try CoreCaptureImporter(path: file, network: given.map { Network.custom(magic: $0) })
                let offline = ConsoleApp.Offline(events: [], packets: importer, watched: .coreCapture, epoch: 0, path: file, skippedLines: 0)
                return (importer.network, offline)
            }
            if PcapFile.looksLikeCapture(path: file) {
                let importer = try PcapImporter(file: try PcapFile(path: file), magic: given)
                let offline = ConsoleApp.Offline(events: [], packets: importer, epoch: 0, path: file, skippedLines: 0)
                return (given.map { Network.custom(magic: $0) } ?? .mainnet, offline)
            }
            let recording = try Recording.read(path: file)
            let offline = ConsoleApp.Offline(events: recording.events, epoch: recording.epoch, path: file, skippedLines: recording.skippedLines)
            return (recording.network, offline)
        }
        guard case let .success((network, offline)) = loaded else {
            if case let .failure(error) = loaded { Output.error("verack open: \(error.message)") }
            throw ExitCode(1)
        }
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            Output.error("verack open: the console needs a terminal on stdin and stdout")
            throw ExitCode(1)
        }
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let options = ConsoleApp.Options(
            network: network, connect: [], seeds: false, listen: nil, maxPeers: 1, logLimit: logLimit,
            color: !noColor, relay: false, silence: 5, transport: .auto, capture: CaptureOptions())
        MainQueue.start {
            let app = ConsoleApp(options: options, offline: offline)
            ConsoleApp.current = app
            try app.start()
        }
    }
}
