import ArgumentParser
import BitcoinWire
import Capture
import Dispatch
import Foundation
import PeerEngine

/// `verack open FILE`: the console, offline and read-only, on a recording.
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open a recording (verack --record or save) in the console, offline and read-only.",
        discussion: """
            The peer table, the log, the ladder, detail views, filter and search all work; \
            connect, drop, resend, send and record answer that the capture is read-only.
            """
    )

    @Option(name: .customLong("log-limit"), parsing: .unconditional, help: "Frames the message log keeps (the oldest are dropped).")
    var logLimit: Int = 100_000

    @Argument(help: "A recording: a JSON Lines file made by --record or the console's save.")
    var file: String

    func validate() throws {
        guard (1...50_000_000).contains(logLimit) else { throw ValidationError("--log-limit must be from 1 to 50000000") }
    }

    func run() throws {
        let loaded = Result { () throws(CaptureError) -> Recording in
            try Self.refusePacketCaptures(file)
            return try Recording.read(path: file)
        }
        guard case let .success(recording) = loaded else {
            if case let .failure(error) = loaded { Output.error("verack open: \(error.message)") }
            throw ExitCode(1)
        }
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            Output.error("verack open: the console needs a terminal on stdin and stdout")
            throw ExitCode(1)
        }
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let options = ConsoleApp.Options(
            network: recording.network, connect: [], seeds: false, listen: nil, maxPeers: 1, logLimit: logLimit,
            color: !noColor, relay: false, silence: 5, transport: .auto, capture: CaptureOptions())
        let offline = ConsoleApp.Offline(events: recording.events, epoch: recording.epoch, path: file, skippedLines: recording.skippedLines)
        try MainActor.assumeIsolated {
            let app = ConsoleApp(options: options, offline: offline)
            ConsoleApp.current = app
            try app.start()
        }
        dispatchMain()
    }

    /// pcap and pcapng files are not read yet: one line that says so.
    static func refusePacketCaptures(_ path: String) throws(CaptureError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        let pcapMagics: [[UInt8]] = [[0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d], [0x0a, 0x0d, 0x0d, 0x0a]]
        if pcapMagics.contains(head) {
            throw CaptureError("\(path) is a pcap or pcapng capture: verack open reads verack recordings for now (see README)")
        }
    }
}
