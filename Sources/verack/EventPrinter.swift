import BitcoinWire
import Capture
import Foundation
import PeerEngine

/// Prints engine events for the headless modes: one line each, human-readable or JSON (a
/// ``RecordedEvent``, as recordings hold them).
@MainActor
final class EventPrinter {
    let json: Bool
    /// Only phase, silence and error events (no frames).
    let quiet: Bool
    private var lines = RecordedEvent.Writer()
    private let output: any LineSink

    /// `sink`: standard output in batches by default; a recording's file for `--record`.
    init(json: Bool, quiet: Bool = false, sink: any LineSink = LineBatch()) {
        self.json = json
        self.quiet = quiet
        output = sink
    }

    func handle(_ event: PeerEvent) {
        guard lines.take(event) else { return }
        if quiet, case .frame = event.kind { return }
        if json {
            // A frame's hex and field tree are built only here: they cost more than the rest.
            if let line = lines.line(event) { output.line(line.line) }
            return
        }
        let now = event.time
        switch event.kind {
        case let .peerAdded(info):
            let via = info.proxy.map { " via proxy \($0)" } ?? ""
            let leg = info.relay.map { " (pair \($0.pair), leg \($0.side.rawValue), with peer \($0.partner))" } ?? ""
            write(info.id, info.startedAt, "\(info.direction == .outbound ? "connecting to" : "accepted") \(info.address)\(via)\(leg)")
        case let .phaseChanged(info, _):
            write(info.id, info.phaseChangedAt, phaseText(info))
        case let .peerUpdated(info):
            write(info.id, now, info.silence.map { "silent: \(RecordedEvent.silenceReason($0, at: now))" } ?? "no longer silent")
        case .peerRemoved:
            break
        case let .frame(f):
            writeFrame(f)
        case let .framesDropped(count):
            write(nil, now, "\(count) frame events dropped (output too slow)")
        case let .notice(message):
            write(nil, now, message)
        case let .error(peer, message):
            write(peer, now, message)
        case let .relay(news):
            write(nil, now, news.description)
        }
    }

    private func phaseText(_ info: PeerInfo) -> String {
        switch info.phase {
        case .established:
            let ms = ((info.establishedAt ?? info.phaseChangedAt) - info.startedAt) * 1000
            var text = info.version.map { "established in \(formatMs(ms)) ms: \($0.userAgent) protocol \($0.version) services \($0.services) height \($0.startHeight)" }
                ?? "established in \(formatMs(ms)) ms"
            if let transport = info.transport { text += " over \(transport.rawValue)" }
            if let sid = info.sessionID { text += " (session id \(Hex.encode(sid)))" }
            return text
        case .closed, .dropped, .failed:
            let reason = info.phase.reason ?? ""
            let traffic = "in \(info.received.messages) msgs/\(info.received.bytes) B, out \(info.sent.messages) msgs/\(info.sent.bytes) B"
            return "\(info.phase.word): \(reason) (\(traffic))"
        default:
            return info.phase.word
        }
    }

    /// A frame, or a step of the v2 handshake (`v2-key-sent`, …, `v2-unknown-id`), or a
    /// `gap` in a capture.
    private func frameText(_ f: FrameEvent) -> String {
        let arrow = f.direction == .sent ? "→" : "←"
        var tag = f.corruption.map { " [corrupted: \($0)]" } ?? ""
        if f.origin == .injected { tag += " [injected]" }
        var relay = ""
        if let mark = f.relay, mark.sequence > 0 {
            relay = "pair \(mark.pair) \(mark.from.flow) #\(mark.sequence) "
            if let held = mark.held { tag += " [held h\(held)]" }
        }
        guard f.kind == .message else { return "\(arrow) \(relay)\(f.summary)\(tag)" }
        let verdict = f.transport == .v2 ? "v2" : (f.checksumOK ? "checksum ok" : "checksum BAD")
        return "\(arrow) \(relay)\(f.summary)  (\(f.size) bytes, \(verdict))\(tag)"
    }

    /// One human-readable line: `TIME #ID ADDRESS  TEXT`.
    private func write(_ id: PeerID?, _ t: Double, _ text: String) {
        startLine(id, t)
        scratch.append(contentsOf: text.utf8)
        endLine()
    }

    /// A frame's line, built as bytes: with thousands of peers these are most of the output.
    private func writeFrame(_ f: FrameEvent) {
        guard f.kind == .message, f.relay == nil, f.corruption == nil, f.origin != .injected else {
            write(f.peer, f.time, frameText(f))
            return
        }
        startLine(f.peer, f.time)
        scratch.append(contentsOf: f.direction == .sent ? Self.sentArrow : Self.receivedArrow)
        scratch.append(contentsOf: f.summary.utf8)
        scratch.append(contentsOf: Self.sizeOpen)
        CFormat.appendDecimal(f.size, to: &scratch)
        scratch.append(contentsOf: f.transport == .v2 ? Self.v2Verdict : (f.checksumOK ? Self.okVerdict : Self.badVerdict))
        endLine()
    }

    private static let sentArrow = Array("→ ".utf8)
    private static let receivedArrow = Array("← ".utf8)
    private static let sizeOpen = Array("  (".utf8)
    private static let v2Verdict = Array(" bytes, v2)".utf8)
    private static let okVerdict = Array(" bytes, checksum ok)".utf8)
    private static let badVerdict = Array(" bytes, checksum BAD)".utf8)

    /// Who speaks on a line of no peer's (the program, not the message of that name).
    private static let programName = Array(Verack.configuration.commandName.map(\.utf8) ?? "verack".utf8)

    /// The line being built (its capacity is kept from line to line).
    private var scratch: [UInt8] = []

    private func startLine(_ id: PeerID?, _ t: Double) {
        scratch.removeAll(keepingCapacity: true)
        CFormat.appendFixed(t, decimals: 3, width: 8, to: &scratch)
        scratch.append(UInt8(ascii: " "))
        if let id {
            scratch.append(UInt8(ascii: "#"))
            CFormat.appendDecimal(id, to: &scratch)
            scratch.append(UInt8(ascii: " "))
            scratch.append(contentsOf: lines.address(of: id).utf8)
        } else {
            scratch.append(contentsOf: Self.programName)
        }
        scratch.append(contentsOf: "  ".utf8)
    }

    /// A peer's user agent must not reach the terminal with its escape sequences: a line
    /// with a control character (C0, DEL, or C1 as UTF-8's C2 80–9F) goes through
    /// ``DisplayText/sanitize(_:)``.
    private func endLine() {
        if DisplayText.containsControl(utf8: scratch) {
            output.line(DisplayText.sanitize(String(decoding: scratch, as: UTF8.self)))
        } else {
            output.line(utf8: scratch)
        }
    }
    private func formatMs(_ ms: Double) -> String { CFormat.fixed(ms, decimals: 1) }

    /// Writes the lines printed so far (call before exiting).
    func flush() { output.flush() }
}

/// Exits cleanly (flushing stdout) when the process gets SIGINT or SIGTERM.
@MainActor
enum SignalExit {
    private static var sources: [DispatchSourceSignal] = []

    static func install(_ onSignal: @escaping @MainActor () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            source.setEventHandler { MainActor.assumeIsolated { onSignal() } }
            source.resume()
            sources.append(source)
        }
    }
}

/// Unbuffered line output: each line is one write, so nothing is lost on exit and lines
/// from a pipe arrive as they happen.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
