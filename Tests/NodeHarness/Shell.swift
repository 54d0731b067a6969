import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs programs for the tests and benchmarks.
public enum Shell {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `executable` with `arguments` and waits at most `timeout` seconds (then kills it).
    ///
    /// posix_spawn and waitpid rather than Foundation's `Process`, whose exit monitoring
    /// left `waitUntilExit` hanging on a reaped-never child here; output goes through
    /// temporary files, not pipes, because a daemon the child starts (tmux's server,
    /// bitcoind) may inherit a pipe and keep it open for ever.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Double = 120) throws -> Output {
        let base = NSTemporaryDirectory() + "verack-e2e-\(getpid())-\(UInt64.random(in: 0..<UInt64.max))"
        let outPath = base + ".out", errPath = base + ".err"
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        let pid = try spawn(executable, arguments, environment: environment, stdout: outPath, stderr: errPath)
        let deadline = Date().addingTimeInterval(timeout)
        var wstatus: Int32 = 0
        while true {
            let r = waitpid(pid, &wstatus, WNOHANG)
            if r == pid { break }
            if r < 0 { throw SpawnError("waitpid \(executable): errno \(errno)") }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &wstatus, 0)
                throw SpawnError("\(executable) \(arguments.joined(separator: " ")) took longer than \(Int(timeout)) s")
            }
            usleep(20_000)
        }
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Output(status: exitStatus(wstatus), stdout: stdout, stderr: stderr)
    }

    /// WIFEXITED / WEXITSTATUS by hand (the macros are not imported): 128 + the signal if
    /// a signal ended it.
    public static func exitStatus(_ wstatus: Int32) -> Int32 {
        (wstatus & 0x7f) == 0 ? (wstatus >> 8) & 0xff : 128 + (wstatus & 0x7f)
    }

    /// Starts `executable` with its output in files and stdin from /dev/null; returns its
    /// pid (reap it with `waitpid`).
    public static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdout outPath: String, stderr errPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Dispatch's worker threads block most signals and posix_spawn passes the mask on:
        // without this, tmux's server (and the console under it) would never see SIGCHLD,
        // SIGTERM or SIGWINCH.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGWINCH, SIGPIPE, SIGQUIT] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = [executable] + arguments
        var pid: pid_t = 0
        let status = withCStrings(argv) { cArgv in
            withCStrings(env) { cEnv in posix_spawn(&pid, executable, &actions, &attributes, cArgv, cEnv) }
        }
        guard status == 0 else { throw SpawnError("cannot start \(executable): error \(status)") }
        return pid
    }

    /// Calls `body` with a NULL-terminated C array of the strings.
    static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for p in pointers { free(p) } }
        return body(pointers)
    }

    /// The full path of a program on PATH.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A program could not be run, or did not finish in time.
public struct SpawnError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
