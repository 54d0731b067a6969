import BitcoinWire
import Foundation
import PeerEngine

/// Prints engine events for the headless modes: one line each, human-readable or JSON.
@MainActor
final class EventPrinter {
    let json: Bool
    /// Only phase, silence and error events (no frames).
    let quiet: Bool
    private var addresses: [PeerID: String] = [:]
    private var transports: [PeerID: TransportKind] = [:]
    private var silent: Set<PeerID> = []
    private let output: any LineSink

    /// `sink`: standard output in batches by default; a recording's file for `--record`.
    init(json: Bool, quiet: Bool = false, sink: any LineSink = LineBatch()) {
        self.json = json
        self.quiet = quiet
        output = sink
    }

    func handle(_ event: PeerEvent) {
        let now = event.time
        switch event.kind {
        case let .peerAdded(info):
            addresses[info.id] = info.address
            transports[info.id] = info.transport
            let via = info.proxy.map { " via proxy \($0)" } ?? ""
            emit("connecting", info.id, info.startedAt, text: "\(info.direction == .outbound ? "connecting to" : "accepted") \(info.address)\(via)",
                 extra: [("direction", .string(info.direction.rawValue))] + (info.proxy.map { [("proxy", .string($0))] } ?? []))
        case let .phaseChanged(info, _):
            transports[info.id] = info.transport
            phase(info, now: now)
        case let .peerUpdated(info):
            transports[info.id] = info.transport
            if let s = info.silence, !silent.contains(info.id) {
                silent.insert(info.id)
                let reason = "no \(s.awaiting) for \(formatSeconds(now - s.since)) s"
                emit("silent", info.id, now, text: "silent: \(reason)", extra: [("reason", .string(reason)), ("awaiting", .string(s.awaiting.name))])
            } else if info.silence == nil, silent.contains(info.id) {
                silent.remove(info.id)
                emit("heard", info.id, now, text: "no longer silent", extra: [])
            }
        case .peerRemoved:
            break
        case let .frame(f):
            guard !quiet else { return }
            frame(f)
        case let .framesDropped(count):
            emit("frames-dropped", nil, now, text: "\(count) frame events dropped (output too slow)", extra: [("count", .int(Int64(count)))])
        case let .notice(message):
            emit("notice", nil, now, text: message, extra: [("message", .string(message))])
        case let .error(peer, message):
            emit("error", peer, now, text: message, extra: [("reason", .string(message))])
        }
    }

    private func phase(_ info: PeerInfo, now: Double) {
        let t = info.phaseChangedAt
        switch info.phase {
        case .established:
            let ms = ((info.establishedAt ?? t) - info.startedAt) * 1000
            let v = info.version
            var extra: [(String, JSONValue)] = [("ms", .double((ms * 10).rounded() / 10))]
            if let v {
                extra += [
                    ("version", .int(Int64(v.version))), ("user_agent", .string(v.userAgent)),
                    ("services", .uint(v.services.rawValue)), ("service_names", .array(v.services.names.map { .string($0) })),
                    ("start_height", .int(Int64(v.startHeight))),
                ]
            }
            if let sid = info.sessionID { extra.append(("session_id", .string(Hex.encode(sid)))) }
            var text = v.map { "established in \(formatMs(ms)) ms: \($0.userAgent) protocol \($0.version) services \($0.services) height \($0.startHeight)" }
                ?? "established in \(formatMs(ms)) ms"
            if let transport = info.transport { text += " over \(transport.rawValue)" }
            if let sid = info.sessionID { text += " (session id \(Hex.encode(sid)))" }
            emit("established", info.id, t, text: text, extra: extra)
        case .closed, .dropped, .failed:
            let reason = info.phase.reason ?? ""
            let traffic = "in \(info.received.messages) msgs/\(info.received.bytes) B, out \(info.sent.messages) msgs/\(info.sent.bytes) B"
            emit(info.phase.word, info.id, t, text: "\(info.phase.word): \(reason) (\(traffic))", extra: [
                ("reason", .string(reason)), ("received", Self.json(info.received)), ("sent", Self.json(info.sent)),
            ])
        default:
            emit(info.phase.word, info.id, t, text: info.phase.word, extra: [])
        }
    }

    /// `{"messages":…, "bytes":…, "per_command":{"ping":{"messages":…,"bytes":…},…}}`.
    static func json(_ c: TrafficCounters) -> JSONValue {
        let perCommand = c.perCommand.sorted { $0.key < $1.key }.map { key, value in
            (key, JSONValue.object([("messages", .int(Int64(value.messages))), ("bytes", .int(Int64(value.bytes)))]))
        }
        return .object([("messages", .int(Int64(c.messages))), ("bytes", .int(Int64(c.bytes))), ("per_command", .object(perCommand))])
    }

    private func frame(_ f: FrameEvent) {
        let arrow = f.direction == .sent ? "→" : "←"
        if f.kind != .message {
            step(f, arrow: arrow)
            return
        }
        let summary = f.summary
        let verdict = f.transport == .v2 ? "v2" : (f.checksumOK ? "checksum ok" : "checksum BAD")
        let tag = f.corruption.map { " [corrupted: \($0)]" } ?? ""
        emit("frame", f.peer, f.time, text: "\(arrow) \(summary)  (\(f.size) bytes, \(verdict))\(tag)", extra: Self.frameJSON(f, summary: summary))
    }

    /// A frame's JSON members: the hex, field tree and summary (built only for `--json`).
    private static func frameJSON(_ f: FrameEvent, summary: String) -> [(String, JSONValue)] {
        var extra: [(String, JSONValue)] = [
            ("direction", .string(f.direction.rawValue)), ("command", .string(f.label)), ("size", .int(Int64(f.size))),
            ("checksum_ok", .bool(f.checksumOK)), ("hex", .string(Hex.encode(f.raw))),
        ]
        extra.append(("fields", .array(f.fields.map(\.json))))
        extra.append(("summary", .string(summary)))
        if let c = f.corruption { extra.append(("corrupt", .string(c.rawValue))) }
        if f.origin == .injected { extra.append(("injected", .bool(true))) }
        // v2: the hex is the encrypted packet; the decrypted payload goes beside it.
        if f.transport == .v2, let plaintext = f.plaintext { extra.append(("plaintext", .string(Hex.encode(plaintext)))) }
        if case let .failure(e) = f.message { extra.append(("error", .string(e.description))) }
        return extra
    }

    /// A step of the v2 handshake (`v2-key-sent`, `v2-key-received`, `v2-garbage`,
    /// `v2-terminator`, `v2-decoy`, `v2-version`, `v2-unknown-id`), or a `gap` in a capture.
    private func step(_ f: FrameEvent, arrow: String) {
        let name = f.kind == .v2Key ? (f.direction == .sent ? "v2-key-sent" : "v2-key-received") : f.kind.rawValue
        let tag = f.corruption.map { " [corrupted: \($0)]" } ?? ""
        emit(name, f.peer, f.time, text: "\(arrow) \(f.summary)\(tag)", extra: Self.stepJSON(f))
    }

    private static func stepJSON(_ f: FrameEvent) -> [(String, JSONValue)] {
        var extra: [(String, JSONValue)] = [
            ("direction", .string(f.direction.rawValue)), ("size", .int(Int64(f.size))), ("bytes", .int(Int64(f.raw.count))),
        ]
        extra.append(("hex", .string(Hex.encode(f.raw))))
        if f.kind == .gap { extra.append(("summary", .string(f.summary))) }
        if case let .v2UnknownID(id) = f.unit.content {
            extra.append(("id", .int(Int64(id))))
            if let plaintext = f.plaintext { extra.append(("plaintext", .string(Hex.encode(plaintext)))) }
        }
        if let c = f.corruption { extra.append(("corrupt", .string(c.rawValue))) }
        if f.origin == .injected { extra.append(("injected", .bool(true))) }
        return extra
    }

    /// One line: `text` in human-readable mode, or `extra`'s members in JSON mode (built
    /// only then: a frame's hex and field tree cost more than the rest of its line).
    private func emit(_ event: String, _ id: PeerID?, _ t: Double, text: @autoclosure () -> String, extra: @autoclosure () -> [(String, JSONValue)]) {
        let address = id.flatMap { addresses[$0] } ?? ""
        if json {
            var members: [(String, JSONValue)] = [
                ("event", .string(event)), ("peer", .string(address)), ("id", id.map { .int(Int64($0)) } ?? .null),
                ("t", .double((t * 1000).rounded() / 1000)),
            ]
            if let id, let transport = transports[id] { members.append(("transport", .string(transport.rawValue))) }
            members += extra()
            output.line(JSONValue.object(members).serialized)
        } else {
            let who = id.map { "#\($0) \(address)" } ?? "verack"
            // A peer's user agent must not reach the terminal with its escape sequences.
            output.line(DisplayText.sanitize("\(formatTime(t)) \(who)  \(text())"))
        }
    }

    private func formatTime(_ t: Double) -> String { CFormat.fixed(t, decimals: 3, width: 8) }
    private func formatMs(_ ms: Double) -> String { CFormat.fixed(ms, decimals: 1) }
    private func formatSeconds(_ s: Double) -> String { CFormat.fixed(s, decimals: 1) }

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
