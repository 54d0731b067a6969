import BitcoinWire
import Foundation
import PeerEngine
import Testing
@testable import Capture

struct RecordingReaderTests {
    static let header = #"{"event":"recording","verack":"0.1.0","network":"regtest","magic":"fabfb5da","started":"2026-11-22T06:58:58.093Z"}"#

    static func lines(_ lines: [String]) -> Data { Data((lines.joined(separator: "\n") + "\n").utf8) }

    @Test func eventsComeBackInOrderWithTheirBytes() throws {
        let ping = FrameEncoder.encode(.ping(nonce: 5), magic: Network.regtest.magic)
        let pong = Message.pong(nonce: 5).encodePayload()
        let recording = try Recording.parse(Self.lines([
            Self.header,
            #"{"event":"connecting","peer":"127.0.0.1:18444","id":1,"t":0.001,"transport":"v1","direction":"out"}"#,
            #"{"event":"frame","peer":"127.0.0.1:18444","id":1,"t":0.002,"transport":"v1","direction":"sent","command":"ping","hex":"\#(Hex.encode(ping))","corrupt":"checksum"}"#,
            #"{"event":"v2-key-received","peer":"127.0.0.1:18444","id":1,"t":0.003,"transport":"v2","direction":"received","size":64,"bytes":64,"hex":"\#(String(repeating: "ab", count: 64))"}"#,
            #"{"event":"frame","peer":"127.0.0.1:18444","id":1,"t":0.004,"transport":"v2","direction":"received","command":"pong","hex":"\#(String(repeating: "ee", count: 29))","plaintext":"\#(Hex.encode(pong))"}"#,
            #"{"event":"established","peer":"127.0.0.1:18444","id":1,"t":0.005,"transport":"v2","session_id":"\#(String(repeating: "11", count: 32))"}"#,
        ]), name: "r.jsonl")
        #expect(recording.network == .regtest)
        #expect(abs(recording.epoch - 1_795_330_738.093) < 0.001)
        #expect(recording.skippedLines == 0)
        let frames = recording.events.compactMap { if case let .frame(f) = $0.kind { return f } else { return nil } }
        #expect(frames.map(\.raw.count) == [ping.count, 64, 29])
        #expect(frames[0].raw == ping && frames[0].corruption == .checksum && frames[0].direction == .sent)
        #expect(frames[1].kind == .v2Key && frames[1].summary == "their ElligatorSwift key (64 bytes)")
        #expect(frames[2].transport == .v2 && (try? frames[2].message?.get()) == .pong(nonce: 5))
        guard case let .phaseChanged(info, _)? = recording.events.last?.kind else {
            Issue.record("no phase change last")
            return
        }
        #expect(info.phase == .established && info.sessionID?.count == 32 && info.transport == .v2)
    }

    /// A torn last line (a crash while writing) and junk lines become visible notices.
    @Test func unreadableLinesAreGapsNotErrors() throws {
        let recording = try Recording.parse(Self.lines([
            Self.header, "not json at all", #"{"event":"frame","id":1,"t":1}"#, #"{"event":"connecting","peer":"1.2.3.4:8333","id":1,"t":0.5"#,
        ]), name: "torn.jsonl")
        #expect(recording.skippedLines == 3)
        let notices = recording.events.compactMap { if case let .notice(n) = $0.kind { return n } else { return nil } }
        #expect(notices == [
            "recording line 2 skipped: not a JSON event", "recording line 3 skipped: a frame without its bytes",
            "recording line 4 skipped: not a JSON event",
        ])
    }

    @Test(arguments: [
        ("", "x is empty: not a verack recording"),
        ("{\"event\":\"frame\"}\n", "x is not a verack recording (its first line is not a recording header)"),
        ("\u{d4}\u{c3}\u{b2}\u{a1}garbage", "x is not a verack recording (its first line is not a recording header)"),
    ])
    func notARecording(_ text: String, _ message: String) {
        #expect(throws: CaptureError(message)) { try Recording.parse(Data(text.utf8), name: "x") }
    }

    @Test func aMissingFileIsOneLine() {
        #expect(throws: CaptureError.self) { try Recording.read(path: "/nonexistent/r.jsonl") }
    }
}
