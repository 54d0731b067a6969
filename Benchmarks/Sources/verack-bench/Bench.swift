#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Measuring and reporting, shared by every benchmark group.
enum Bench {
    /// Seconds each measured run lasts at least.
    static let runSeconds = 1.0
    /// Measured runs; the best one is reported.
    static let runs = 3

    /// `VERACK_BENCH_CLOCK=thread`: time by the calling thread's CPU time instead of the
    /// wall clock, so that time spent descheduled on a busy machine does not count. Only
    /// for figures whose work runs on the measuring thread (the wire group's, say), never
    /// for the engine's; for judging a change while other builds run, not for the record.
    static let clock: clockid_t = getenv("VERACK_BENCH_CLOCK").map { String(cString: $0) } == "thread"
        ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Calls `body` (which does `unitsPerCall` units of work) for a warm-up, then in
    /// `runs` runs of at least `runSeconds` each; returns the best rate in units per second.
    static func bestRate(unitsPerCall: Double, _ body: () -> Void) -> Double {
        let warmEnd = now() + 0.3
        repeat { body() } while now() < warmEnd
        var best = 0.0
        for _ in 0..<runs {
            var calls = 0
            let start = now()
            var elapsed = 0.0
            repeat {
                body()
                calls += 1
                elapsed = now() - start
            } while elapsed < runSeconds
            best = max(best, Double(calls) * unitsPerCall / elapsed)
        }
        return best
    }

    /// `VERACK_BENCH_FILTER`: only measurements whose name contains it run (for profiling).
    static let filter: String? = getenv("VERACK_BENCH_FILTER").map { String(cString: $0) }

    /// Whether the filter lets the measurement `name` run.
    static func included(_ name: String) -> Bool { filter.map { name.contains($0) } ?? true }

    /// Measures and reports `name` unless the filter excludes it: the best rate of `body`,
    /// which does `unitsPerCall` units of work, divided by `divisor` (1e6 for MB/s).
    static func measure(_ name: String, unit: String, unitsPerCall: Double, divisor: Double = 1, _ body: () -> Void) {
        if let filter, !name.contains(filter) { return }
        report(name, bestRate(unitsPerCall: unitsPerCall, body) / divisor, unit)
    }

    /// Prints `{"name":…,"value":…,"unit":…}` on one line.
    static func report(_ name: String, _ value: Double, _ unit: String) {
        let rounded = (value * 100).rounded() / 100
        write(to: 1, "{\"name\":\"\(name)\",\"value\":\(rounded),\"unit\":\"\(unit)\"}\n")
    }

    static func fail(_ message: String) -> Never {
        write(to: 2, "verack-bench: \(message)\n")
        exit(1)
    }

    /// Unbuffered, so lines appear as soon as each measurement ends.
    static func write(to fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = unistdWrite(fd, bytes.baseAddress, bytes.count) }
    }

    /// Keeps a result alive so the optimiser cannot drop the work that made it.
    @inline(never)
    static func consume<T>(_ value: T) {
        withUnsafePointer(to: value) { sink = UnsafeRawPointer($0).load(as: UInt8.self) }
    }
    nonisolated(unsafe) static var sink: UInt8 = 0
}

/// `write(2)`, named apart from `Bench.write`.
@inline(__always)
private func unistdWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
