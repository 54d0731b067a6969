import BIP324
import BitcoinWire

/// Every case of `verack probe`, in the order the report lists them, each with Bitcoin
/// Core's expected reaction from PROTOCOL.md's table (src/net.cpp, src/net_processing.cpp and
/// the functional tests p2p_invalid_messages.py, p2p_timeouts.py).
public enum ProbeCatalog {
    /// The nonce of the pings cases send as their action (the follow-up's differs).
    static let actionNonce: UInt64 = 0x5052_4f42_4500_0001

    /// The case named `name`.
    public static func named(_ name: String) -> ProbeCase? { all.first { $0.name == name } }

    /// The cases `selectors` name (case names or group names), in catalog order; with none,
    /// every case outside `slow`, and outside `v2` unless `v2` is true (a v1-only node reads
    /// a v2 key as a bad magic, and a fork may ban for it). A failure names the first
    /// selector that names nothing.
    public static func select(_ selectors: [String], v2: Bool = false) -> Result<[ProbeCase], EngineError> {
        if selectors.isEmpty { return .success(all.filter { $0.group != .slow && ($0.group != .v2 || v2) }) }
        var names = Set<String>()
        for s in selectors {
            if let group = ProbeGroup(rawValue: s) {
                names.formUnion(all.filter { $0.group == group }.map(\.name))
            } else if named(s) != nil {
                names.insert(s)
            } else {
                return .failure(EngineError("no probe case or group '\(s)' (groups: \(ProbeGroup.allCases.map(\.rawValue).joined(separator: ", ")))"))
            }
        }
        return .success(all.filter { names.contains($0.name) })
    }

    // MARK: - Expectations

    static let dropped = ProbeExpectation([.ignored], "ignored: message dropped, connection kept")
    static let ignoredByCore = ProbeExpectation([.ignored], "ignored")
    static let disconnect = ProbeExpectation([.disconnected], "disconnected at once")
    static let misbehaving = ProbeExpectation(
        [.disconnected, .refusedLater], "disconnected as misbehaving; address discouraged unless local or manual")

    // MARK: - The cases

    public static let all: [ProbeCase] = framing + handshake + limits + unknown + v2 + timing + slow

    static let framing: [ProbeCase] = {
        var list: [ProbeCase] = []
        list.append(ProbeCase(
            name: "bad-checksum-version", group: .framing, sent: "version, checksum inverted, before the handshake",
            start: .connected, answers: [.version, .verack], followUp: .version, expected: dropped
        ) { c in [.send(c.frame(.version(c.ourVersion), corrupted: .checksum))] })
        list.append(ProbeCase(
            name: "bad-checksum-ping", group: .framing, sent: "ping, checksum inverted", start: .established,
            answers: [.pong], followUp: .ping, expected: dropped
        ) { c in [.send(c.frame(.ping(nonce: actionNonce), corrupted: .checksum))] })
        var magic = ProbeCase(
            name: "bad-magic", group: .framing, sent: "ping, magic inverted", start: .established,
            followUp: .ping, expected: ProbeExpectation([.disconnected], "disconnected at once (\"Header error: Wrong MessageStart\")")
        ) { c in [.send(c.frame(.ping(nonce: actionNonce), corrupted: .magic))] }
        magic.mayDiscourage = true
        list.append(magic)
        var oversized = ProbeCase(
            name: "oversized-length", group: .framing, sent: "ping header claiming 4,000,001 bytes", start: .established,
            followUp: .ping, expected: ProbeExpectation([.disconnected], "disconnected on the header (\"Header error: Size too large\")")
        ) { c in [.send(c.frame(.ping(nonce: actionNonce), corrupted: .lengthOversized))] }
        oversized.mayDiscourage = true
        list.append(oversized)
        var short = ProbeCase(
            name: "short-length", group: .framing, sent: "ping, length 7 for 8 bytes", start: .established,
            answers: [.pong], followUp: .ping,
            expected: ProbeExpectation([.disconnected], "disconnected: the checksum fails, and the byte left over starts the next header with a wrong magic")
        ) { c in [.send(c.frame(.ping(nonce: actionNonce), corrupted: .lengthShort))] }
        short.mayDiscourage = true
        list.append(short)
        var truncated = ProbeCase(
            name: "truncated-payload", group: .framing, sent: "ping header, 4 of 8 payload bytes, then nothing",
            start: .established, answers: [.pong], followUp: .none,
            expected: ProbeExpectation([.silent], "silent: waits for the rest of the payload")
        ) { c in [.send(c.frame(.ping(nonce: actionNonce), corrupted: .truncate))] }
        truncated.settle = 2
        list.append(truncated)
        var zeros = ProbeCase(
            name: "zeros", group: .framing, sent: "4,096 zero bytes", start: .established, followUp: .ping,
            expected: ProbeExpectation([.disconnected], "disconnected at once (wrong magic)")
        ) { _ in [.send([UInt8](repeating: 0, count: 4096))] }
        zeros.mayDiscourage = true
        list.append(zeros)
        var random = ProbeCase(
            name: "random-bytes", group: .framing, sent: "4,096 random bytes", start: .established, followUp: .ping,
            expected: ProbeExpectation([.disconnected], "disconnected at once (wrong magic)")
        ) { _ in
            var rng = SplitMix64(seed: 0x7665_7261_636b)
            return [.send((0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) })]
        }
        random.mayDiscourage = true
        list.append(random)
        list.append(ProbeCase(
            name: "command-nonprintable", group: .framing, sent: "ping with byte 0x01 in its command", start: .established,
            answers: [.pong], followUp: .ping, expected: ProbeExpectation([.ignored], "ignored: invalid message type, message dropped")
        ) { c in [.send(withCommandByte(c.frame(.ping(nonce: actionNonce)), at: 2, 0x01))] })
        list.append(ProbeCase(
            name: "command-unpadded", group: .framing, sent: "ping with a non-NUL byte after its NULs", start: .established,
            answers: [.pong], followUp: .ping, expected: ProbeExpectation([.ignored], "ignored: invalid message type, message dropped")
        ) { c in [.send(withCommandByte(c.frame(.ping(nonce: actionNonce)), at: 11, 0x78))] })
        return list
    }()

    static let handshake: [ProbeCase] = [
        ProbeCase(
            name: "before-version", group: .handshake, sent: "ping before our version", start: .connected,
            answers: [.pong, .version, .verack], followUp: .version,
            expected: ProbeExpectation(
                [.ignored, .answered],
                "ignored (\"non-version message before version handshake\"); a v2-capable Core (27+) takes first bytes that are no version for a v2 key and answers with its own")
        ) { c in [.send(c.frame(.ping(nonce: actionNonce)))] },
        ProbeCase(
            name: "second-version", group: .handshake, sent: "version again after the handshake", start: .established,
            answers: [.version, .verack], followUp: .ping, expected: ProbeExpectation([.ignored], "ignored (\"redundant version message\")")
        ) { c in [.send(c.frame(.version(c.ourVersion)))] },
        ProbeCase(
            name: "second-verack", group: .handshake, sent: "verack again after the handshake", start: .established,
            answers: [.version, .verack], followUp: .ping, expected: ignoredByCore
        ) { c in [.send(c.frame(.verack))] },
        ProbeCase(
            name: "wtxidrelay-after-verack", group: .handshake, sent: "wtxidrelay after the handshake", start: .established,
            followUp: .ping, expected: disconnect
        ) { c in [.send(c.frame(.wtxidrelay))] },
        ProbeCase(
            name: "sendaddrv2-after-verack", group: .handshake, sent: "sendaddrv2 after the handshake", start: .established,
            followUp: .ping, expected: disconnect
        ) { c in [.send(c.frame(.sendaddrv2))] },
        ProbeCase(
            name: "old-protocol", group: .handshake, sent: "version with protocol 31799", start: .connected,
            answers: [.version, .verack], followUp: .version,
            expected: ProbeExpectation([.disconnected], "disconnected: below MIN_PEER_PROTO_VERSION 31800")
        ) { c in
            var v = c.ourVersion
            v.version = 31799
            v.relay = nil
            return [.send(c.frame(.version(v)))]
        },
        ProbeCase(
            name: "self-nonce", group: .handshake, sent: "version carrying the nonce the peer sent on another connection",
            start: .besideEstablished, answers: [.version, .verack], followUp: .version,
            expected: ProbeExpectation(
                [.answered],
                "answered: Core compares a version's nonce only with its own outbound connections' (CheckIncomingNonce), and ours is inbound to it")
        ) { c in
            var v = c.ourVersion
            v.nonce = c.peerNonce ?? v.nonce
            return [.send(c.frame(.version(v)))]
        },
        ProbeCase(
            name: "long-user-agent", group: .handshake, sent: "version with a 257-byte user agent", start: .connected,
            answers: [.version, .verack], followUp: .version,
            expected: ProbeExpectation([.ignored], "ignored: the version fails to decode (LIMITED_STRING), caught and logged")
        ) { c in
            var v = c.ourVersion
            v.userAgent = String(repeating: "a", count: VersionMessage.maxUserAgentLength + 1)
            return [.send(c.frame(.version(v)))]
        },
    ]

    static let limits: [ProbeCase] = {
        var list = [
            ProbeCase(
                name: "addr-1001", group: .limits, sent: "addr with 1,001 entries", start: .established,
                followUp: .ping, expected: misbehaving
            ) { c in
                let entry = TimestampedAddress(time: 0, address: NetworkAddress(services: .network, ip: IPAddress("10.0.0.1") ?? .unspecified, port: 8333))
                return [.send(c.frame(.addr(Array(repeating: entry, count: 1001))))]
            },
            ProbeCase(
                name: "inv-50001", group: .limits, sent: "inv with 50,001 entries", start: .established,
                answers: [.getdata], followUp: .ping, expected: misbehaving
            ) { c in [.send(c.frame(.inv(inventory(50_001))))] },
            ProbeCase(
                name: "getdata-50001", group: .limits, sent: "getdata with 50,001 entries", start: .established,
                answers: [.notfound, .tx, .block], followUp: .ping, expected: misbehaving
            ) { c in [.send(c.frame(.getdata(inventory(50_001))))] },
            ProbeCase(
                name: "headers-2001", group: .limits, sent: "headers with 2,001 entries", start: .established,
                answers: [.getheaders], followUp: .ping, expected: misbehaving
            ) { c in
                let zero = [UInt8](repeating: 0, count: 32)
                let header = BlockHeader(version: 1, previousBlock: zero, merkleRoot: zero, timestamp: 0, bits: 0x207f_ffff, nonce: 0)
                return [.send(c.frame(.headers(Array(repeating: header, count: BlockHeader.maxPerMessage + 1))))]
            },
        ]
        for i in list.indices { list[i].mayDiscourage = true }
        var twice = ProbeCase(
            name: "getaddr-twice", group: .limits, sent: "getaddr, and again 1 s later", start: .established,
            answers: [.addr, .addrv2], followUp: .ping,
            expected: ProbeExpectation([.ignored], "ignored: getaddr is answered once per connection")
        ) { c in [.send(c.frame(.getaddr)), .pause(1), .send(c.frame(.getaddr))] }
        twice.settle = 1
        list.append(twice)
        return list
    }()

    /// A command no node knows (not in Core's table).
    static let unknownCommand = Command(validating: "verackprobe") ?? .unreadable

    static let unknown: [ProbeCase] = [
        ProbeCase(
            name: "unknown-command", group: .unknown, sent: "\(unknownCommand) with 8 bytes", start: .established,
            followUp: .ping, expected: ProbeExpectation([.ignored], "ignored (\"Unknown message type\")")
        ) { c in [.send(c.frame(.unknown(command: unknownCommand, payload: [1, 2, 3, 4, 5, 6, 7, 8])))] },
        ProbeCase(
            name: "unknown-command-1mb", group: .unknown, sent: "\(unknownCommand) with 1,000,000 bytes", start: .established,
            followUp: .ping, expected: ProbeExpectation([.ignored], "ignored (\"Unknown message type\")")
        ) { c in [.send(c.frame(.unknown(command: unknownCommand, payload: ArraySlice(repeating: 0, count: 1_000_000))))] },
    ]

    /// BIP324 cases (Core's net.cpp `V2Transport`, and p2p_v2_misbehaving.py). They may
    /// get a v1-only node to ban the address, so they run last.
    static let v2: [ProbeCase] = {
        var list = [
            ProbeCase(
                name: "v2-bad-tag", group: .v2, sent: "v2: a ping packet with one bit of its tag flipped", start: .established,
                answers: [.pong], followUp: .ping, expected: ProbeExpectation([.disconnected], "disconnected: the packet fails authentication")
            ) { _ in [.message(.ping(nonce: actionNonce), corruption: .tag)] },
            ProbeCase(
                name: "v2-no-terminator", group: .v2, sent: "a 64-byte key, then 4,112 bytes of garbage and no terminator",
                start: .connected, followUp: .none,
                expected: ProbeExpectation([.disconnected], "disconnected: more than 4,095 bytes of garbage before the terminator")
            ) { _ in
                var rng = SplitMix64(seed: 0x6761_7262_6167_65)
                return [.send((0..<(V2Handshake.keyLength + V2Handshake.maxGarbageLength + V2Handshake.terminatorLength + 1)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })]
            },
            ProbeCase(
                name: "v2-bad-terminator", group: .v2, sent: "v2: our key, garbage, a wrong terminator, then our version packet",
                start: .connected, followUp: .none,
                expected: ProbeExpectation([.silent], "silent: reads on as garbage, until 4,095 bytes of it or the 60 s handshake timeout")
            ) { _ in [] },
            ProbeCase(
                name: "v2-decoys", group: .v2, sent: "v2: 100 decoy packets before our version packet", start: .established,
                followUp: .ping, expected: ProbeExpectation([.ignored], "ignored: decoys are skipped, the handshake completes")
            ) { _ in [] },
            ProbeCase(
                name: "v2-oversized-length", group: .v2, sent: "v2: a ping packet whose encrypted length decrypts to 8,388,617",
                start: .established, answers: [.pong], followUp: .ping,
                expected: ProbeExpectation([.disconnected], "disconnected: contents over 4,000,013 bytes (\"packet too large\")")
            ) { _ in [.message(.ping(nonce: actionNonce), xor: [2: 0x80])] },
        ]
        let framings: [ProbeFraming] = [.v2(), .raw, .v2(corruption: .terminator), .v2(decoys: 100), .v2()]
        for i in list.indices {
            list[i].framing = framings[i]
            list[i].mayDiscourage = true
        }
        list[2].settle = 3
        return list
    }()

    static let timing: [ProbeCase] = {
        var idle = ProbeCase(
            name: "idle", group: .timing, sent: "nothing after the handshake", start: .established, answers: [.ping],
            followUp: .none, expected: ProbeExpectation([.answered], "answered: a ping right after the handshake, then every 2 minutes")
        ) { _ in [] }
        idle.measure = .idle
        idle.settle = 3
        var rtt = ProbeCase(
            name: "ping-rtt", group: .timing, sent: "20 pings, one after another", start: .established, answers: [.pong],
            followUp: .none, expected: ProbeExpectation([.answered], "answered: a pong for every ping")
        ) { _ in [] }
        rtt.measure = .pingRoundTrips(20)
        return [idle, rtt]
    }()

    static let slow: [ProbeCase] = {
        var noVerack = ProbeCase(
            name: "no-verack", group: .slow, sent: "version, then never verack", start: .connected,
            answers: [], followUp: .none,
            expected: ProbeExpectation([.disconnected], "disconnected after 60 s (-peertimeout, \"version handshake timeout\")")
        ) { c in [.send(c.frame(.version(c.ourVersion)))] }
        noVerack.settle = 0
        noVerack.window = 75
        return [noVerack]
    }()

    // MARK: - Helpers

    /// `frame` with byte `index` of its command field set to `byte` (the checksum stays right).
    static func withCommandByte(_ frame: [UInt8], at index: Int, _ byte: UInt8) -> [UInt8] {
        var out = frame
        out[MessageHeader.commandRange.lowerBound + index] = byte
        return out
    }

    /// `count` transaction inventory entries with distinct made-up hashes.
    static func inventory(_ count: Int) -> [InventoryItem] {
        (0..<count).map { i in
            var hash = [UInt8](repeating: 0xab, count: 32)
            withUnsafeBytes(of: UInt32(i).littleEndian) { for k in 0..<4 { hash[k] = $0[k] } }
            return InventoryItem(type: 1, hash: hash)
        }
    }
}
