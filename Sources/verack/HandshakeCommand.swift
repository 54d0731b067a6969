import ArgumentParser

struct HandshakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "handshake", abstract: "Not written yet.")
    func run() throws { throw ValidationError("handshake: not written yet") }
}
