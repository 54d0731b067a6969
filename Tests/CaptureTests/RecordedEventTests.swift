import BitcoinWire
import Foundation
import PeerEngine
import Testing
@testable import Capture

/// The one recording schema: every kind of event written as the recorder writes it and read
/// back as `verack open` reads it.
struct RecordedEventTests {
    static let magic = Network.regtest.magic

    static func frame(_ peer: PeerID, _ direction: FrameDirection, _ time: Double, _ unit: WireUnit, origin: FrameOrigin = .protocol) -> PeerEvent {
        PeerEvent(time: time, .frame(FrameEvent(peer: peer, direction: direction, time: time, unit: unit, origin: origin)))
    }

    static func v1(_ peer: PeerID, _ direction: FrameDirection, _ time: Double, _ raw: [UInt8], origin: FrameOrigin = .protocol) -> PeerEvent {
        frame(peer, direction, time, WireUnit(frame: Frame.inspect(raw)!), origin: origin)
    }

    static func phase(_ info: inout PeerInfo, _ phase: PeerPhase, _ time: Double) -> PeerEvent {
        let old = info.phase
        info.phase = phase
        info.phaseChangedAt = time
        if phase == .established { info.establishedAt = time }
        return PeerEvent(time: time, .phaseChanged(info, from: old))
    }

    /// Events of every kind a recording holds: a v1 peer through its whole life, a v2 peer
    /// through its handshake, a peer that fails, and the events of no peer.
    static func events() -> [PeerEvent] {
        let version = VersionMessage(
            services: [.network, .witness], timestamp: 1_700_000_000, receiver: NetworkAddress(), nonce: 7,
            userAgent: "/Satoshi:31.0.0/", startHeight: 5)
        var ping = FrameEncoder.encode(.ping(nonce: 9), magic: magic)
        ping[20] ^= 0xff
        var one = PeerInfo(id: 1, address: "127.0.0.1:18444", direction: .outbound, phase: .connecting, startedAt: 0.0004)
        one.transport = .v1
        one.proxy = "127.0.0.1:9050"
        var events = [PeerEvent(time: 0.0004, .peerAdded(one))]
        events.append(phase(&one, .versionSent, 0.002))
        events.append(v1(1, .sent, 0.002, FrameEncoder.encode(.version(version), magic: magic)))
        events.append(v1(1, .received, 0.010, FrameEncoder.encode(.version(version), magic: magic)))
        events.append(phase(&one, .versionReceived, 0.010))
        events.append(v1(1, .received, 0.011, FrameEncoder.encode(.verack, magic: magic)))
        events.append(phase(&one, .verackReceived, 0.011))
        one.version = version
        events.append(phase(&one, .established, 0.0125))
        one.silence = Silence(awaiting: .pong, since: 1)
        events.append(PeerEvent(time: 21.04, .peerUpdated(one)))
        events.append(PeerEvent(time: 22, .peerUpdated(one)))  // still silent: no line
        one.silence = nil
        events.append(PeerEvent(time: 23, .peerUpdated(one)))
        events.append(PeerEvent(time: 24, .peerUpdated(one)))  // still heard: no line
        events.append(v1(1, .sent, 25, ping, origin: .corrupted(.checksum)))
        events.append(v1(1, .sent, 26, FrameEncoder.encode(.ping(nonce: 10), magic: magic), origin: .injected))
        // A payload that does not decode: a ping of three bytes.
        events.append(v1(1, .received, 27, FrameEncoder.encode(.unknown(command: .ping, payload: [1, 2, 3]), magic: magic)))
        events.append(frame(1, .received, 28, .gap(100, note: "gap: 100 bytes missing at 4000")))

        var two = PeerInfo(id: 2, address: "[::1]:50000", direction: .inbound, phase: .connecting, startedAt: 30)
        two.transport = .v2
        events.append(PeerEvent(time: 30, .peerAdded(two)))
        let key = [UInt8](repeating: 0xab, count: 64)
        events.append(frame(2, .sent, 30.1, .step(.key, raw: key, layout: .whole(.key, count: 64), note: "our ElligatorSwift key (64 bytes)")))
        events.append(frame(2, .received, 30.2, .step(.key, raw: key, layout: .whole(.key, count: 64), note: "their ElligatorSwift key (64 bytes)")))
        events.append(frame(2, .received, 30.3, .step(.garbage, raw: [1, 2, 3], layout: .whole(.garbage, count: 3), note: "their garbage: 3 bytes")))
        events.append(frame(2, .received, 30.4, .step(.terminator, raw: Array(repeating: 7, count: 16), layout: .whole(.terminator, count: 16), note: "their garbage terminator")))
        events.append(frame(2, .received, 30.5, .step(.decoy, raw: Array(repeating: 8, count: 20), layout: .v2Packet(count: 20), size: 0, note: "decoy: 0 bytes")))
        events.append(frame(2, .sent, 30.6, .step(.version, raw: Array(repeating: 9, count: 20), layout: .v2Packet(count: 20), note: "our version packet")))
        events.append(phase(&two, .versionSent, 30.6))
        two.sessionID = Array(repeating: 0x11, count: 32)
        events.append(phase(&two, .established, 30.7))
        let pong = Message.pong(nonce: 7).encodePayload()
        events.append(frame(2, .received, 31, WireUnit(
            transport: .v2, raw: Array(repeating: 0xee, count: 29), layout: .v2Packet(count: 29), command: .pong, size: pong.count,
            checksumOK: true, message: .success(.pong(nonce: 7)), plaintext: pong)))
        events.append(frame(2, .received, 32, WireUnit(
            content: .v2UnknownID(29), transport: .v2, raw: Array(repeating: 0xdd, count: 24), layout: .v2Packet(count: 24), size: 3,
            checksumOK: true, plaintext: [4, 5, 6])))

        var three = PeerInfo(id: 3, address: "10.0.0.1:8333", direction: .outbound, phase: .connecting, startedAt: 40)
        events.append(PeerEvent(time: 40, .peerAdded(three)))
        events.append(phase(&three, .failed(reason: "connection refused"), 40.5))
        events.append(PeerEvent(time: 40.6, .peerRemoved(3)))

        events.append(PeerEvent(time: 41, .error(peer: 1, message: "bad \"thing\"\u{1b}[2J")))
        events.append(PeerEvent(time: 42, .error(peer: nil, message: "listener failed")))
        events.append(PeerEvent(time: 43, .notice("3 seed candidates")))
        events.append(PeerEvent(time: 44, .framesDropped(count: 5)))

        // A relayed pair: its legs, a message held on one and forwarded on the other, and
        // the relay's own news.
        events.append(PeerEvent(time: 44.1, .relay(.listening(listen: "127.0.0.1:0", port: 40000, target: "127.0.0.1:18444"))))
        var legA = PeerInfo(id: 4, address: "127.0.0.1:50001", direction: .inbound, phase: .connecting, startedAt: 44.2)
        legA.relay = RelayLeg(pair: 1, side: .a, partner: 5)
        var legB = PeerInfo(id: 5, address: "127.0.0.1:18444", direction: .outbound, phase: .connecting, startedAt: 44.2)
        legB.relay = RelayLeg(pair: 1, side: .b, partner: 4)
        events.append(PeerEvent(time: 44.2, .peerAdded(legA)))
        events.append(PeerEvent(time: 44.2, .peerAdded(legB)))
        events.append(PeerEvent(time: 44.3, .relay(.intercepting(InterceptRule(commands: [.ping, .inv], from: .a)))))
        let relayedPing = FrameEncoder.encode(.ping(nonce: 11), magic: magic)
        events.append(PeerEvent(time: 44.4, .frame(FrameEvent(
            peer: 4, direction: .received, time: 44.4, unit: WireUnit(frame: Frame.inspect(relayedPing)!),
            relay: RelayMark(pair: 1, leg: .a, from: .a, sequence: 9, held: 3)))))
        events.append(PeerEvent(time: 44.5, .relay(.released(held: 3, pair: 1, sequence: 9, forwarded: true, note: "forwarded"))))
        events.append(PeerEvent(time: 44.5, .frame(FrameEvent(
            peer: 5, direction: .sent, time: 44.5, unit: WireUnit(frame: Frame.inspect(relayedPing)!),
            relay: RelayMark(pair: 1, leg: .b, from: .a, sequence: 9)))))
        events.append(PeerEvent(time: 44.6, .relay(.released(held: 4, pair: 1, sequence: 10, forwarded: false, note: "dropped"))))
        events.append(PeerEvent(time: 44.7, .relay(.intercepting(nil))))
        events.append(PeerEvent(time: 44.8, .relay(.stopped(listen: "127.0.0.1:0", pairs: 1))))
        one.received.count(command: "x", bytes: 10)
        events.append(phase(&one, .closed(reason: "peer closed"), 45))
        events.append(phase(&two, .dropped(reason: "by command"), 46))
        return events
    }

    /// `events` as the recorder writes them: a header, then a line for each event that makes one.
    static func record(_ events: [PeerEvent]) -> (lines: [RecordedEvent], data: Data) {
        var writer = RecordedEvent.Writer()
        var lines = [RecordedEvent.header(verack: "0.0.0-test", network: .regtest, epoch: 1_795_330_738.093)]
        for event in events where writer.take(event) {
            if let line = writer.line(event) { lines.append(line) }
        }
        return (lines, Data((lines.map(\.line).joined(separator: "\n") + "\n").utf8))
    }

    /// What must survive a round trip, as one comparable value.
    struct Digest: Equatable, CustomStringConvertible {
        var text: String
        var message: Message?
        var description: String { text + (message.map { " \($0)" } ?? "") }

        init(_ event: PeerEvent) {
            let t = (event.time * 1000).rounded() / 1000
            switch event.kind {
            case let .peerAdded(info):
                text = "\(t) added #\(info.id) \(info.address) \(info.direction) \(info.transport.map(\.rawValue) ?? "-") \(String(describing: info.relay))"
            case let .phaseChanged(info, _):
                text = "\(t) #\(info.id) \(info.phase) \(info.transport.map(\.rawValue) ?? "-") \(info.sessionID.map { Hex.encode($0) } ?? "-")"
            case let .peerUpdated(info):
                text = "\(t) #\(info.id) " + (info.silence.map { "silent awaiting \($0.awaiting)" } ?? "heard")
            case let .peerRemoved(id):
                text = "removed #\(id)"
            case let .frame(f):
                text = "\(t) #\(f.peer) \(f.kind) \(f.direction) \(f.transport) \(f.label) \(f.origin) size \(f.size) ok \(f.checksumOK) "
                    + "\(Hex.encode(f.raw)) plain \(f.plaintext.map { Hex.encode($0) } ?? "-") \(f.summary)"
                if case let .failure(e) = f.message { text += " error \(e)" }
                if let mark = f.relay { text += " relay \(mark)" }
                message = try? f.message?.get()
            case let .framesDropped(count):
                text = "\(t) dropped \(count)"
            case let .error(peer, message):
                text = "\(t) error \(peer.map(String.init) ?? "-") \(message)"
            case let .notice(message):
                text = "\(t) notice \(message)"
            case let .relay(news):
                text = "\(t) relay \(news)"
            }
        }
    }

    @Test func everyKindRoundTrips() throws {
        let written = Self.events()
        let (lines, data) = Self.record(written)
        #expect(Set(lines.map(\.event)) == Set(RecordedEvent.Kind.allCases).subtracting([.listening]))
        let recording = try Recording.parse(data, name: "all.jsonl")
        #expect(recording.network == .regtest)
        #expect(abs(recording.epoch - 1_795_330_738.093) < 0.001)
        #expect(recording.skippedLines == 0, "\(recording.events.map(Digest.init))")

        var writer = RecordedEvent.Writer()
        let expected = written.filter { writer.take($0) }.map(Digest.init)
        // The reader updates a peer's counters before each of its frames: not a line of its own.
        let read = recording.events.enumerated().filter { i, event in
            guard case let .peerUpdated(info) = event.kind, i + 1 < recording.events.count,
                  case let .frame(f) = recording.events[i + 1].kind else { return true }
            return f.peer != info.id
        }.map { Digest($0.element) }
        #expect(read.count == expected.count)
        for (r, e) in zip(read, expected) { #expect(r == e) }

        // What the reader rebuilt of the peers: the version from its frame, the counters.
        guard case let .phaseChanged(info, _) = recording.events.first(where: {
            if case let .phaseChanged(i, _) = $0.kind { return i.id == 1 && i.phase.isEnd }
            return false
        })?.kind else { Issue.record(Comment(rawValue: "no end of peer 1")); return }
        #expect(info.version?.userAgent == "/Satoshi:31.0.0/")
        #expect(info.received.messages == 3 && info.sent.messages == 3)
    }

    /// Each line decodes to what was written, but its field tree (written, never read back).
    @Test func linesDecodeToWhatWasWritten() throws {
        let (lines, data) = Self.record(Self.events())
        let decoder = JSONDecoder()
        let text = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(text.count == lines.count)
        var sawFields = false
        for (line, written) in zip(text, lines) {
            var expected = written
            sawFields = sawFields || !(expected.fields ?? []).isEmpty
            expected.fields = nil
            #expect(try decoder.decode(RecordedEvent.self, from: Data(line.utf8)) == expected, "\(line)")
            // Any other encoder gets the same members.
            let other = try JSONEncoder().encode(written)
            #expect(try decoder.decode(RecordedEvent.self, from: other) == expected)
        }
        #expect(sawFields)
    }

    /// The members as `--json` has printed them: `event` first, then the peer's, then the
    /// kind's; numbers as numbers; a header names its network or null.
    @Test func membersInTheirOrder() throws {
        let (lines, _) = Self.record(Self.events())
        let verack = try #require(lines.first { $0.event == .frame && $0.command == "verack" })
        #expect(verack.line.hasPrefix(#"{"event":"frame","peer":"127.0.0.1:18444","id":1,"t":0.011,"transport":"v1","direction":"received","command":"verack","size":0,"checksum_ok":true,"hex":""#))
        #expect(verack.line.hasSuffix(#","fields":[],"summary":"verack"}"#))
        let notice = try #require(lines.first { $0.event == .notice })
        #expect(notice.line == #"{"event":"notice","peer":"","id":null,"t":43.0,"message":"3 seed candidates"}"#)
        let error = try #require(lines.first { $0.event == .error })
        #expect(error.line.contains(#""reason":"bad \"thing\"\u001b[2J""#))
        let unknown = try #require(lines.first { $0.event == .v2UnknownID })
        #expect(unknown.line.contains(#""id":2,"#) && unknown.line.contains(#""type_id":29"#))
        let custom = RecordedEvent.header(verack: "1", network: .custom(magic: Magic(value: 0x0102_0304)), epoch: 0)
        #expect(custom.line == #"{"event":"recording","verack":"1","network":null,"magic":"04030201","started":"1970-01-01T00:00:00.000Z"}"#)
    }

    /// Lines of older recordings and of newer versions.
    @Test func olderAndNewerLines() throws {
        let recording = try Recording.parse(RecordingReaderTests.lines([
            RecordingReaderTests.header,
            #"{"event":"connecting","peer":"127.0.0.1:18444","id":1,"t":0.001,"transport":"v2","direction":"out"}"#,
            // Before `type_id`, the packet's id was a second `id`.
            #"{"event":"v2-unknown-id","peer":"127.0.0.1:18444","id":1,"t":0.002,"transport":"v2","direction":"received","size":3,"bytes":4,"hex":"00010203","id":29}"#,
            #"{"event":"teleported","peer":"","id":null,"t":0.003}"#,
            #"{"event":"listening","port":8333,"t":0}"#,
        ]), name: "old.jsonl")
        #expect(recording.skippedLines == 1)
        guard case let .frame(f) = recording.events[1].kind else { Issue.record(Comment(rawValue: "no frame")); return }
        #expect(f.peer == 1 && f.kind == .v2UnknownID && f.raw == [0, 1, 2, 3])
        guard case let .notice(notice) = recording.events[2].kind else { Issue.record(Comment(rawValue: "no notice")); return }
        #expect(notice == "recording line 4 skipped: unknown event 'teleported'")
        #expect(recording.events.count == 3)
    }
}
