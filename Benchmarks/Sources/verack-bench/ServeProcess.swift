import Foundation

/// A `verack serve` (or `verack relay`) child process on a free loopback port, for the
/// engine and relay benchmarks.
///
/// Needs `VERACK_BIN` (the verack executable; scripts/bench builds it).
final class ServeProcess {
    let process: Process
    let port: Int

    /// Starts `verack serve --listen 127.0.0.1:0 --network regtest --quiet --json` with
    /// `extra` arguments and waits for its first line, which says where it listens.
    convenience init(_ extra: [String] = []) {
        self.init(arguments: ["serve", "--listen", "127.0.0.1:0", "--network", "regtest", "--quiet", "--json"] + extra)
    }

    /// Starts `verack ARGUMENTS…` (which must print a JSON line with `"port":N` first, as
    /// `serve --json` and `relay --json` do) and waits for that line.
    init(arguments: [String]) {
        guard let bin = getenv("VERACK_BIN").map({ String(cString: $0) }) else {
            Bench.fail("engine: set VERACK_BIN to the verack executable (scripts/bench does)")
        }
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: bin)
        serve.arguments = arguments
        let pipe = Pipe()
        serve.standardOutput = pipe
        serve.standardError = FileHandle.standardError
        do { try serve.run() } catch { Bench.fail("engine: cannot start verack \(arguments[0]): \(error)") }
        let reader = pipe.fileHandleForReading
        var firstLine = Data()
        while !firstLine.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty { Bench.fail("engine: verack \(arguments[0]) exited before listening") }
            firstLine.append(chunk)
        }
        // Keep draining its output so it never blocks on a full pipe.
        DispatchQueue.global().async { while !reader.availableData.isEmpty {} }
        let text = String(decoding: firstLine, as: UTF8.self)
        guard let range = text.range(of: #""port":(\d+)"#, options: .regularExpression),
              let port = Int(text[range].dropFirst(7)) else {
            serve.terminate()
            Bench.fail("engine: no port in '\(text)'")
        }
        process = serve
        self.port = port
    }

    var address: String { "127.0.0.1:\(port)" }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
