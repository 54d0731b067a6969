import ArgumentParser
import BitcoinWire
import Foundation

/// `verack decode`: explains frames given as hex, field by field.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode Bitcoin P2P frames given as hex.",
        discussion: """
            Reads one or more frames, back to back, as hex from the arguments or from standard \
            input (whitespace is ignored). For each frame it prints the header, the checksum \
            verdict, the decoded fields with their byte ranges, and a hex dump. Without \
            --network or --magic, a first magic of a known network selects that network; \
            otherwise mainnet is assumed. Exits with status 1 when any frame is invalid.
            """
    )

    @OptionGroup var net: NetworkOptions

    @Flag(name: .long, help: "Print one JSON object per frame, one per line.")
    var json = false

    @Argument(help: "Frames as hex; read from standard input when absent.")
    var hex: [String] = []

    func run() throws {
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
}
