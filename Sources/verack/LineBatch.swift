import Dispatch
import Foundation

/// Output lines gathered during one turn of the main queue and written together at its
/// end: one `write` for all the lines a batch of engine events prints, instead of one per
/// line. Lines keep their order; `flush()` before exiting, or the last turn's lines are lost.
/// Where an ``EventPrinter`` puts its lines.
@MainActor
protocol LineSink: AnyObject {
    func line(_ text: String)
    func flush()
}

@MainActor
final class LineBatch: LineSink {
    /// Past this many bytes a batch is written at once, so memory stays small.
    static let limit = 64 * 1024
    private var pending: [UInt8] = []
    private var scheduled = false

    func line(_ text: String) {
        pending.append(contentsOf: text.utf8)
        pending.append(UInt8(ascii: "\n"))
        if pending.count >= Self.limit {
            flush()
        } else if !scheduled {
            scheduled = true
            DispatchQueue.main.async { MainActor.assumeIsolated { self.flush() } }
        }
    }

    func flush() {
        scheduled = false
        guard !pending.isEmpty else { return }
        let bytes = pending
        pending.removeAll(keepingCapacity: true)
        FileHandle.standardOutput.write(Data(bytes))
    }
}

/// printf-style formatting of one number, as `String(format:)` prints it, without its
/// NSString round trip (which showed in profiles of `handshake` with 2,000 peers).
enum CFormat {
    /// `value` with `decimals` digits after the point (1 to 6), right-aligned in `width`
    /// columns: `"%8.3f"` is `fixed(t, decimals: 3, width: 8)`.
    ///
    /// The fast path rounds `value · 10^decimals` to an integer; where that product lies
    /// too near a tie for its own rounding error to be ruled out (or the value is
    /// negative, huge or not finite), the C library formats it, so the text is always
    /// printf's.
    static func fixed(_ value: Double, decimals: Int, width: Int = 0) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = value * scale
        let fraction = scaled - scaled.rounded(.down)
        guard value.sign == .plus, scaled < 1e9, abs(fraction - 0.5) > 1e-6, (1...6).contains(decimals) else {
            return printf(value, decimals: decimals, width: width)
        }
        let units = Int(scaled.rounded())
        let unit = Int(scale)
        let digits = String(units % unit)
        let text = "\(units / unit)." + String(repeating: "0", count: decimals - digits.count) + digits
        return text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// The same through `vsnprintf`.
    static func printf(_ value: Double, decimals: Int, width: Int) -> String {
        let format = "%\(width > 0 ? String(width) : "").\(decimals)f"
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 400) { buffer in
            guard let base = buffer.baseAddress else { return "" }
            let written = withVaList([value]) { vsnprintf(base, 400, format, $0) }
            return written >= 0 ? String(cString: base) : ""
        }
    }
}

/// Lines to standard output for a command that runs start to end on the main thread
/// without `dispatchMain` (`decode --pcap`): written every 256 KiB and at `flush()`.
@MainActor
final class BufferedLines: LineSink {
    private var pending: [UInt8] = []

    func line(_ text: String) {
        pending.append(contentsOf: text.utf8)
        pending.append(UInt8(ascii: "\n"))
        if pending.count >= 256 * 1024 { flush() }
    }

    func flush() {
        guard !pending.isEmpty else { return }
        FileHandle.standardOutput.write(Data(pending))
        pending.removeAll(keepingCapacity: true)
    }
}
