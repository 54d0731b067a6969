import ArgumentParser

struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "Not written yet.")
    func run() throws { throw ValidationError("decode: not written yet") }
}
