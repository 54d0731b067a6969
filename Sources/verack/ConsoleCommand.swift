import ArgumentParser

struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "console", abstract: "Not written yet.")
    func run() throws { throw ValidationError("console: not written yet") }
}
