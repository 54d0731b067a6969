import ArgumentParser
import BitcoinWire
import Capture
import Foundation

/// `verack decode`: explains frames given as hex, field by field; or, with `--pcap`, lists
/// the frames of a packet capture.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode Bitcoin P2P frames given as hex, or those in a pcap/pcapng capture.",
        discussion: """
            Reads one or more frames, back to back, as hex from the arguments or from standard \
            input (whitespace is ignored). For each frame it prints the header, the checksum \
            verdict, the decoded fields with their byte ranges, and a hex dump. Without \
            --network or --magic, a first magic of a known network selects that network; \
            otherwise mainnet is assumed. Exits with status 1 when any frame is invalid.

            With --pcap FILE, reads a pcap or pcapng of TCP traffic instead: each TCP \
            connection is a peer (its initiator is "us"), and each frame is one line (time, \
            peer, direction, summary), or with --json one event of the --record schema. \
            Exits with status 1 when a frame is invalid or a stream has a gap.

            With --core-capture DIR, reads Bitcoin Core's -capturemessages output (the \
            message_capture folder, or one peer's folder) the same way: each peer folder is a \
            peer, the node is "us", both files merged in time order. Core keeps no magic or \
            checksum: each frame's header is rebuilt (the network's magic; --network or \
            --magic, else the folder's place in the data directory). Exits with status 1 when \
            a file is cut short or claims an absurd length, or a payload does not decode.
            """
    )

    @OptionGroup var net: NetworkOptions

    @Flag(name: .long, help: "Print one JSON object per frame, one per line.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Read the frames of a pcap or pcapng capture of TCP traffic.", valueName: "file"))
    var pcap: String?

    @Option(name: .customLong("core-capture"), help: ArgumentHelp("Read Bitcoin Core's -capturemessages folder (message_capture, or one peer's folder in it).", valueName: "dir"))
    var coreCapture: String?

    @Argument(help: "Frames as hex; read from standard input when absent.")
    var hex: [String] = []

    func validate() throws {
        if pcap != nil && !hex.isEmpty { throw ValidationError("give --pcap FILE or hex, not both") }
        if pcap != nil && net.network != nil { throw ValidationError("--pcap finds the network by its magic: give --magic, not --network") }
        if coreCapture != nil && (pcap != nil || !hex.isEmpty) { throw ValidationError("give --core-capture DIR, --pcap FILE or hex, not more than one") }
    }

    func run() throws {
        if let pcap { return try decodeCapture(pcap) }
        if let coreCapture { return try decodeCoreCapture(coreCapture) }
        let text: String
        if hex.isEmpty {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = hex.joined(separator: " ")
        }
        let bytes: [UInt8]
        do {
            bytes = try Hex.decode(text)
        } catch {
            FileHandle.standardError.write(Data("verack decode: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if bytes.isEmpty {
            FileHandle.standardError.write(Data("verack decode: no hex given\n".utf8))
            throw ExitCode(1)
        }
        let explicit = net.network != nil || net.magic != nil
        let report = FrameStreamReport(bytes: bytes, network: explicit ? net.resolved : nil)
        let lines = json ? report.jsonLines : report.lines
        // Text from the frames (user agents, reasons) must not reach the terminal raw.
        FileHandle.standardOutput.write(Data((DisplayText.sanitize(lines.joined(separator: "\n")) + "\n").utf8))
        if !report.isValid { throw ExitCode(1) }
    }

    /// `--pcap FILE`: every event of the capture, one line each, as it is read.
    private func decodeCapture(_ path: String) throws {
        let magic = net.magic.flatMap { try? Magic(hex: $0) }
        let importer: PcapImporter
        do {
            importer = try PcapImporter(file: try PcapFile(path: path), magic: magic)
        } catch {
            FileHandle.standardError.write(Data("verack decode: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        try printEvents(of: importer)
    }

    /// `--core-capture DIR`: every event of Core's capture, one line each, as it is read.
    private func decodeCoreCapture(_ path: String) throws {
        let explicit = net.network != nil || net.magic != nil
        let importer: CoreCaptureImporter
        do {
            importer = try CoreCaptureImporter(path: path, network: explicit ? net.resolved : nil)
        } catch {
            FileHandle.standardError.write(Data("verack decode: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        try printEvents(of: importer)
    }

    /// Prints every event of a capture as it is read; exit status 1 when any of it was
    /// broken (an error event or a frame that did not decode).
    private func printEvents(of importer: sending some CaptureImport) throws {
        importer.peerUpdates = false
        let json = self.json
        let failed = MainActor.assumeIsolated {
            let printer = EventPrinter(json: json, sink: BufferedLines())
            importer.run { printer.handle($0) }
            printer.flush()
            return importer.errors > 0 || importer.invalidFrames > 0
        }
        if failed { throw ExitCode(1) }
    }
}
