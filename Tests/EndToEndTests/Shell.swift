import Foundation
import NodeHarness
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A private tmux server with one fixed-size session, driven like a person at a terminal.
final class TmuxSession {
    let tmux: String
    let socket: String
    let name = "e2e"

    init(tmux: String, width: Int, height: Int, directory: String) throws {
        self.tmux = tmux
        socket = "verack-e2e-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        let inherited = ProcessInfo.processInfo.environment
        var env = ["PATH": inherited["PATH"] ?? "/usr/bin:/bin", "TERM": "xterm-256color", "HOME": NSTemporaryDirectory(), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        // Under `scripts/test --sanitize`, the console in the pane reports to the same
        // log folder as every other process of the run.
        for name in ["TSAN_OPTIONS", "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"] {
            if let value = inherited[name] { env[name] = value }
        }
        let r = try Shell.run(tmux, [
            "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", String(width), "-y", String(height), "-s", name,
            "-c", directory, "env", "PS1=e2e$ ", "bash", "--norc", "--noprofile",
        ], environment: env)
        guard r.status == 0 else { throw TmuxError("tmux new-session failed: \(r.stderr)") }
        _ = try? tmuxCommand(["set-option", "-t", name, "remain-on-exit", "on"])
        socketPath = (try? display("#{socket_path}")) ?? ""
    }

    private var socketPath = ""


    @discardableResult
    func tmuxCommand(_ args: [String]) throws -> String {
        let r = try Shell.run(tmux, ["-L", socket] + args)
        guard r.status == 0 else { throw TmuxError("tmux \(args.first ?? ""): \(r.stderr)") }
        return r.stdout
    }

    /// Types `text` literally, then presses Enter.
    func type(_ text: String) throws {
        try tmuxCommand(["send-keys", "-t", name, "-l", text])
        try tmuxCommand(["send-keys", "-t", name, "Enter"])
    }

    /// Presses keys by tmux's names (`Tab`, `Enter`, `Escape`, `Up`, …).
    func press(_ keys: String...) throws {
        try tmuxCommand(["send-keys", "-t", name] + keys)
    }

    func capture(colors: Bool = false) throws -> String {
        try tmuxCommand(["capture-pane", "-p", "-t", name] + (colors ? ["-e"] : []))
    }

    /// Polls the screen until `condition` holds or `timeout` seconds pass; returns the last
    /// screen, and whether it matched.
    func wait(timeout: Double, for condition: (String) -> Bool) throws -> (matched: Bool, screen: String) {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while true {
            screen = try capture()
            if condition(screen) { return (true, screen) }
            if Date() > deadline { return (false, screen) }
            usleep(100_000)
        }
    }

    func display(_ format: String) throws -> String {
        try tmuxCommand(["display-message", "-p", "-t", name, format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func kill() {
        _ = try? Shell.run(tmux, ["-L", socket, "kill-server"])
        if !socketPath.isEmpty { unlink(socketPath) }
    }
}

struct TmuxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What every `verack open` test checks on an opened capture: the engine's commands answer
/// in one line that the capture is read-only, and a combined filter leaves the one
/// version the peer sent. The command line has the focus.
func expectReadOnlyAndFilter(_ session: TmuxSession) throws {
    try session.type("connect 127.0.0.1:1")
    var step = try session.wait(timeout: 10) { $0.contains("the capture is read-only") }
    #expect(step.matched, "no read-only refusal:\n\(step.screen)")
    try session.type("filter command version dir in")
    step = try session.wait(timeout: 10) { $0.contains("Messages 1 · filter: command version dir in") }
    #expect(step.matched, "the filter did not leave the peer's version:\n\(step.screen)")
}

/// The console in a 120×40 tmux session on the simulated network's magic, under
/// `--no-seeds`, connected to `entry` (nil: to no one), once that peer shows established
/// (or the console has started). The command line has the focus.
func simulatedNetworkConsole(connectedTo entry: String?, verack: String, tmux: String) throws -> TmuxSession {
    let session = try TmuxSession(tmux: tmux, width: 120, height: 40, directory: RealNode.repositoryRoot.path)
    let connect = entry.map { " --connect \($0)" } ?? ""
    try session.type("'\(verack)' --magic dab5bffa --no-seeds\(connect); echo \"verack exited $?\"")
    let step = try session.wait(timeout: 20) { screen in
        entry.map { screen.contains("│  1 \($0)") && screen.contains("established") } ?? screen.contains(" verack · ")
    }
    #expect(step.matched, entry.map { "the entry node \($0) was not reached:\n\(step.screen)" } ?? "the console did not start:\n\(step.screen)")
    return session
}

/// `quit` on the command line (which has the focus) ends the console with status 0.
func expectCleanQuit(_ session: TmuxSession) throws {
    try session.type("quit")
    let step = try session.wait(timeout: 10) { $0.contains("verack exited 0") }
    #expect(step.matched, "\(step.screen)")
}
