import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where an ``EventPrinter`` puts its lines.
@MainActor
protocol LineSink: AnyObject {
    func line(_ text: String)
    /// One line as UTF-8 bytes, without its newline.
    func line(utf8 bytes: [UInt8])
    func flush()
}

extension LineSink {
    func line(utf8 bytes: [UInt8]) { line(String(decoding: bytes, as: UTF8.self)) }
}

/// Output lines gathered for a few milliseconds and written together: one `write` for all
/// the lines printed meanwhile, instead of one per line or per turn of the main queue
/// (with 2,000 peers handshaking, a turn held about seven lines: 4,000 writes and as many
/// extra turns of the main queue, against about 30 now). Lines keep their order and reach
/// a pipe at most ``delay`` late; `flush()` before exiting, or the last lines are lost.
@MainActor
final class LineBatch: LineSink {
    /// Past this many bytes a batch is written at once, so memory stays small.
    static let limit = 64 * 1024
    /// How long the first line of a batch may wait for the others.
    static let delay = DispatchTimeInterval.milliseconds(10)
    private var pending: [UInt8] = []
    private var scheduled = false

    func line(_ text: String) {
        pending.append(contentsOf: text.utf8)
        ended()
    }

    func line(utf8 bytes: [UInt8]) {
        pending.append(contentsOf: bytes)
        ended()
    }

    private func ended() {
        pending.append(UInt8(ascii: "\n"))
        if pending.count >= Self.limit {
            flush()
        } else if !scheduled {
            scheduled = true
            DispatchQueue.main.asyncAfter(deadline: .now() + Self.delay) { MainActor.assumeIsolated { self.flush() } }
        }
    }

    func flush() {
        scheduled = false
        guard !pending.isEmpty else { return }
        StandardOutput.write(pending)
        pending.removeAll(keepingCapacity: true)
    }
}

/// `write(2)` to standard output until every byte is out (Foundation's `FileHandle` costs a
/// `Data` copy per batch). A closed pipe loses the rest, as `FileHandle` would.
enum StandardOutput {
    static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
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
        var out: [UInt8] = []
        appendFixed(value, decimals: decimals, width: width, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``fixed(_:decimals:width:)`` appended to `out` as bytes, without a String on the
    /// fast path.
    static func appendFixed(_ value: Double, decimals: Int, width: Int, to out: inout [UInt8]) {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = value * scale
        let fraction = scaled - scaled.rounded(.down)
        guard value.sign == .plus, scaled < 1e9, abs(fraction - 0.5) > 1e-6, (1...6).contains(decimals) else {
            out.append(contentsOf: printf(value, decimals: decimals, width: width).utf8)
            return
        }
        var units = Int(scaled.rounded())
        // Digits from the right: the decimals, the point, then the whole part.
        var digits: (UInt64, UInt64) = (0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            for _ in 0..<decimals {
                d[15 - count] = UInt8(ascii: "0") + UInt8(units % 10)
                units /= 10
                count += 1
            }
            d[15 - count] = UInt8(ascii: ".")
            count += 1
            repeat {
                d[15 - count] = UInt8(ascii: "0") + UInt8(units % 10)
                units /= 10
                count += 1
            } while units > 0
            for _ in count..<max(count, width) { out.append(UInt8(ascii: " ")) }
            out.append(contentsOf: d[(16 - count)...])
        }
    }

    /// `value` in decimal, appended to `out`.
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        guard value >= 0 else {
            out.append(contentsOf: String(value).utf8)
            return
        }
        var v = value
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[23 - count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0
            out.append(contentsOf: d[(24 - count)...])
        }
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
        ended()
    }

    func line(utf8 bytes: [UInt8]) {
        pending.append(contentsOf: bytes)
        ended()
    }

    private func ended() {
        pending.append(UInt8(ascii: "\n"))
        if pending.count >= 256 * 1024 { flush() }
    }

    func flush() {
        guard !pending.isEmpty else { return }
        StandardOutput.write(pending)
        pending.removeAll(keepingCapacity: true)
    }
}
