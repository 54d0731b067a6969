import ArgumentParser

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Not written yet.")
    func run() throws { throw ValidationError("serve: not written yet") }
}
