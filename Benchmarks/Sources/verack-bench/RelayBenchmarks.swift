import BIP324
import BitcoinWire
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The relay (`verack relay`) between loopback ends: v1 throughput beside socat's plain TCP
/// relay of the same stream, v2 throughput beside one decrypt plus one encrypt in process,
/// the latency it adds to a ping, and 1,000 idle pairs' memory and threads.
///
/// The relay runs as the `verack relay --quiet --json` child process, as users run it and as
/// socat runs beside it: its event printing (peer events only) is part of what it costs, and
/// none of the ends' work lands in its process. The ends are plain blocking sockets in this
/// process: the sender writes whole frames (or pre-encrypted v2 packets), the receiver reads
/// and discards. MB are 10^6 bytes of frames (v1) or packets (v2) on the wire.
///
/// Needs `VERACK_BIN` (scripts/bench builds it) and `socat` (scripts/bench installs it).
enum RelayBenchmarks {
    static let magic = Network.regtest.magic
    static let magicBytes: [UInt8] = [0xfa, 0xbf, 0xb5, 0xda]

    static func run() {
        EngineBenchmarks.raiseFileLimit()
        signal(SIGPIPE, SIG_IGN)
        // A block of about 1 MB (2,700 segwit transactions): the relay decodes what it relays,
        // a block's transactions, txids and merkle root included, as the real traffic costs it.
        let block = SyntheticBlock.payload(transactions: 2_700)
        // The same size of opaque payload (a command no one knows): what relaying costs
        // without decoding the message, to tell the two costs apart.
        let opaque = [UInt8](repeating: 0x5a, count: block.count)
        guard let opaqueCommand = Command(validating: "benchblob") else { Bench.fail("relay: bad command name") }
        if Bench.included("relay_v1") || Bench.included("relay_socat") {
            v1Throughput(block: block, opaque: opaque, opaqueCommand: opaqueCommand)
        }
        if Bench.included("relay_v2") {
            v2Throughput(block: block, opaque: opaque, opaqueCommand: opaqueCommand)
        }
        if Bench.included("relay_added_latency") { addedLatency() }
        if Bench.included("relay_pairs_1k") { idlePairs() }
    }

    static func relayProcess(to target: String, inbound: String, outbound: String) -> ServeProcess {
        ServeProcess(arguments: [
            "relay", "--listen", "127.0.0.1:0", "--to", target, "--network", "regtest",
            "--in", inbound, "--out", outbound, "--quiet", "--json",
        ])
    }

    // MARK: - v1 throughput

    /// Shared by a stream's sender, receiver and the timer.
    final class StreamState: @unchecked Sendable {
        let lock = NSLock()
        var received = 0
        var stop = false
        var lastByteAt = 0.0
        let senderDone = DispatchSemaphore(value: 0)
        let receiverDone = DispatchSemaphore(value: 0)

        func add(_ n: Int) {
            lock.lock()
            received += n
            lastByteAt = Bench.now()
            lock.unlock()
        }

        var snapshot: (bytes: Int, at: Double) {
            lock.lock()
            defer { lock.unlock() }
            return (received, Bench.now())
        }

        var stopping: Bool {
            lock.lock()
            defer { lock.unlock() }
            return stop
        }
    }

    static func v1Throughput(block: [UInt8], opaque: [UInt8], opaqueCommand: Command) {
        let frame = FrameEncoder.frame(command: .block, payload: block, magic: magic)
        let listener = LoopbackSocket.listen()
        defer { close(listener.fd) }
        let relay = relayProcess(to: "127.0.0.1:\(listener.port)", inbound: "v1", outbound: "v1")
        defer { relay.stop() }
        let relayRate = bestStreamRate(frame: frame, listener: listener.fd) { UInt16(relay.port) }
        Bench.report("relay_v1_mb_per_s", relayRate, "MB/s")
        let socatRate = bestStreamRate(frame: frame, listener: listener.fd) { startSocat(to: listener.port) }
        Bench.report("relay_socat_mb_per_s", socatRate, "MB/s")
        Bench.report("relay_v1_vs_socat_ratio", relayRate / socatRate, "ratio")
        let opaqueFrame = FrameEncoder.frame(command: opaqueCommand, payload: opaque, magic: magic)
        let opaqueRate = bestStreamRate(frame: opaqueFrame, listener: listener.fd) { UInt16(relay.port) }
        Bench.report("relay_v1_opaque_mb_per_s", opaqueRate, "MB/s")
        Bench.report("relay_v1_opaque_vs_socat_ratio", opaqueRate / socatRate, "ratio")
        let direct = bestStreamRate(frame: frame, listener: listener.fd) { listener.port }
        Bench.report("relay_direct_mb_per_s", direct, "MB/s")
    }

    /// `socat TCP-LISTEN:P,reuseaddr TCP:127.0.0.1:target` for one connection; returns P.
    static func startSocat(to target: UInt16) -> UInt16 {
        let port = LoopbackSocket.freePort()
        let socat = Process()
        socat.executableURL = URL(fileURLWithPath: "/usr/bin/socat")
        socat.arguments = ["TCP-LISTEN:\(port),reuseaddr,bind=127.0.0.1", "TCP:127.0.0.1:\(target)"]
        do { try socat.run() } catch { Bench.fail("relay: cannot start socat (scripts/deps socat): \(error)") }
        return port
    }

    /// A stream of `frame` copies through the hop `connect()` returns the port of, to the
    /// receiver accepted on `listener`: 0.3 s of warm-up, then the best of three 1-second
    /// windows, in MB/s received.
    static func bestStreamRate(frame: [UInt8], listener: Int32, _ hop: () -> UInt16) -> Double {
        let state = StreamState()
        let sender = LoopbackSocket.connect(port: hop())
        let receiver = LoopbackSocket.accept(listener)
        Thread.detachNewThread {
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
            defer { chunk.deallocate() }
            while true {
                let n = read(receiver, chunk.baseAddress, chunk.count)
                if n > 0 {
                    state.add(n)
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(receiver)
            state.receiverDone.signal()
        }
        Thread.detachNewThread {
            while !state.stopping {
                if !LoopbackSocket.writeAll(sender, frame) { break }
            }
            close(sender)
            state.senderDone.signal()
        }
        usleep(300_000)
        var best = 0.0
        for _ in 0..<3 {
            let start = state.snapshot
            usleep(1_000_000)
            let end = state.snapshot
            best = max(best, Double(end.bytes - start.bytes) / (end.at - start.at) / 1e6)
        }
        state.lock.lock()
        state.stop = true
        state.lock.unlock()
        if state.senderDone.wait(timeout: .now() + 10) == .timedOut { Bench.fail("relay: the sender did not stop") }
        if state.receiverDone.wait(timeout: .now() + 10) == .timedOut { Bench.fail("relay: the receiver did not see the end") }
        return best
    }

    // MARK: - v2 throughput

    /// One end of a BIP324 session on a blocking socket: the keys, our terminator and
    /// version packet (no garbage, no decoys), then theirs (garbage and decoys allowed).
    static func v2Handshake(_ fd: Int32, initiating: Bool) -> V2PacketCipher {
        do {
            let ours = try V2EphemeralKey.generate()
            let theirs: [UInt8]
            if initiating {
                LoopbackSocket.writeAll(fd, ours.ellswift)
                theirs = LoopbackSocket.readExact(fd, 64, "v2 key")
            } else {
                theirs = LoopbackSocket.readExact(fd, 64, "v2 key")
                LoopbackSocket.writeAll(fd, ours.ellswift)
            }
            var cipher = try V2PacketCipher(secrets: V2SessionSecrets(ours: ours, theirs: theirs, initiating: initiating, magic: magicBytes))
            LoopbackSocket.writeAll(fd, cipher.sendGarbageTerminator + (try cipher.encrypt(contents: [UInt8]())))
            var received: [UInt8] = []
            while received.count < 16 || Array(received.suffix(16)) != cipher.receiveGarbageTerminator {
                if received.count > 4095 + 16 { Bench.fail("relay: no v2 garbage terminator") }
                received += LoopbackSocket.readExact(fd, 1, "v2 garbage")
            }
            var aad = Array(received.dropLast(16))
            while true {
                let length = try cipher.decryptLength(LoopbackSocket.readExact(fd, 3, "v2 length"))
                var packet = LoopbackSocket.readExact(fd, length + V2PacketCipher.decryptOverhead, "v2 packet")
                guard let decrypted = cipher.decrypt(inPlace: &packet, aad: aad) else { Bench.fail("relay: v2 version packet did not authenticate") }
                aad = []
                if !decrypted.ignore { return cipher }
            }
        } catch {
            Bench.fail("relay: v2 handshake: \(error)")
        }
    }

    static func v2Throughput(block: [UInt8], opaque: [UInt8], opaqueCommand: Command) {
        let listener = LoopbackSocket.listen()
        defer { close(listener.fd) }
        let relay = relayProcess(to: "127.0.0.1:\(listener.port)", inbound: "v2", outbound: "v2")
        defer { relay.stop() }
        let rate = (0..<3).map { _ in v2StreamRate(command: .block, payload: block, relayPort: UInt16(relay.port), listener: listener.fd) }.max() ?? 0
        Bench.report("relay_v2_mb_per_s", rate, "MB/s")
        let limit = v2Limit(command: .block, payload: block)
        Bench.report("relay_v2_limit_mb_per_s", limit, "MB/s")
        Bench.report("relay_v2_vs_limit_ratio", rate / limit, "ratio")
        let opaqueRate = (0..<3).map { _ in
            v2StreamRate(command: opaqueCommand, payload: opaque, relayPort: UInt16(relay.port), listener: listener.fd)
        }.max() ?? 0
        Bench.report("relay_v2_opaque_mb_per_s", opaqueRate, "MB/s")
        Bench.report("relay_v2_opaque_vs_limit_ratio", opaqueRate / limit, "ratio")
    }

    /// 200 packets of `command` + `payload`, encrypted before the clock starts (the sender's
    /// encryption is not the relay's work, and on two cores it would take the relay's CPU),
    /// written through the relay as fast as it takes them; the receiver reads them without
    /// decrypting. MB/s of packets, from the first write to the last byte received.
    static func v2StreamRate(command: Command, payload: [UInt8], relayPort: UInt16, listener: Int32) -> Double {
        let sender = LoopbackSocket.connect(port: relayPort)
        let receiver = LoopbackSocket.accept(listener)
        let state = StreamState()
        let handshook = DispatchSemaphore(value: 0)
        let packets = 200
        let typeBytes = (try? V2MessageType.encode(command: command))?.count ?? V2MessageType.longFormSize
        let packetSize = typeBytes + payload.count + V2PacketCipher.packetOverhead
        let expected = packets * packetSize
        Thread.detachNewThread {
            _ = v2Handshake(receiver, initiating: false)
            handshook.signal()
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
            defer { chunk.deallocate() }
            var total = 0
            while total < expected {
                let n = read(receiver, chunk.baseAddress, chunk.count)
                if n > 0 {
                    total += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            state.add(total)
            state.receiverDone.signal()
        }
        var cipher = v2Handshake(sender, initiating: true)
        handshook.wait()
        var stream: [UInt8] = []
        stream.reserveCapacity(expected)
        for _ in 0..<packets {
            do { stream += try cipher.encrypt(command: command, payload: payload) } catch { Bench.fail("relay: v2 encrypt: \(error)") }
        }
        guard stream.count == expected else { Bench.fail("relay: v2 packets of \(stream.count / packets) bytes, not \(packetSize)") }
        let start = Bench.now()
        LoopbackSocket.writeAll(sender, stream)
        if state.receiverDone.wait(timeout: .now() + 60) == .timedOut { Bench.fail("relay: v2 stream did not arrive") }
        let (received, end) = (state.received, state.lastByteAt)
        close(sender)
        close(receiver)
        guard received >= expected else { Bench.fail("relay: v2 receiver got \(received) of \(expected) bytes") }
        return Double(expected) / (end - start) / 1e6
    }

    /// One decrypt (length, then header + contents + tag in place, as a v2 leg reads them)
    /// plus one encrypt of the same contents with another session's cipher (as the other leg
    /// sends them), single-threaded, over 8 packets like the relayed ones: MB/s of packets.
    static func v2Limit(command: Command, payload: [UInt8]) -> Double {
        let pair = V2Benchmarks.connectedPair()
        var encryptor = V2Benchmarks.connectedPair().sender
        var sender = pair.sender
        var packets: [[UInt8]] = []
        for _ in 0..<8 {
            do { packets.append(try sender.encrypt(command: command, payload: payload)) } catch { Bench.fail("relay: v2 encrypt: \(error)") }
        }
        let bytes = packets.reduce(0) { $0 + $1.count }
        let work = UnsafeMutableRawBufferPointer.allocate(byteCount: packets[0].count, alignment: 64)
        defer { work.deallocate() }
        return Bench.bestRate(unitsPerCall: Double(bytes)) {
            var receiver = pair.receiver
            for packet in packets {
                packet.withUnsafeBytes { all in
                    do {
                        let length = try receiver.decryptLength(UnsafeRawBufferPointer(rebasing: all[0..<3]))
                        let body = UnsafeMutableRawBufferPointer(rebasing: work[0..<(length + V2PacketCipher.decryptOverhead)])
                        body.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[3...]))
                        guard receiver.decrypt(inPlace: body, aad: UnsafeRawBufferPointer(start: nil, count: 0)) != nil else {
                            Bench.fail("relay: v2 limit packet did not authenticate")
                        }
                        let contents = UnsafeRawBufferPointer(rebasing: body[1..<(1 + length)])
                        Bench.consume(try encryptor.encrypt(contents: contents).count)
                    } catch {
                        Bench.fail("relay: v2 limit: \(error)")
                    }
                }
            }
        } / 1e6
    }

    // MARK: - Latency

    /// A v1 peer on a blocking socket: sends its version, answers the handshake, then pings.
    final class PingClient {
        let fd: Int32
        private var decoder = FrameDecoder(magic: RelayBenchmarks.magic)
        private let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

        /// Connects to `port` and completes the handshake (nil if it does not, say why on
        /// standard error).
        init(port: UInt16, timeout: Int = 20) {
            fd = LoopbackSocket.connect(port: port)
            LoopbackSocket.receiveTimeout(fd, seconds: timeout)
            LoopbackSocket.writeAll(fd, FrameEncoder.encode(.version(RelayBenchmarks.version()), magic: RelayBenchmarks.magic))
        }

        deinit {
            close(fd)
            chunk.deallocate()
        }

        /// Reads until the other side's verack, then sends ours. False if the connection
        /// ended or timed out first.
        func completeHandshake() -> Bool {
            while let message = nextMessage() {
                if case .verack = message {
                    LoopbackSocket.writeAll(fd, FrameEncoder.encode(.verack, magic: RelayBenchmarks.magic))
                    return true
                }
            }
            return false
        }

        /// The next decoded message (frames that do not decode are skipped); nil at the end.
        func nextMessage() -> Message? {
            while true {
                do {
                    if let frame = try decoder.next() {
                        if case let .success(message) = frame.message { return message }
                        continue
                    }
                } catch {
                    Bench.write(to: 2, "relay: bad frame: \(error)\n")
                    return nil
                }
                let n = read(fd, chunk.baseAddress, chunk.count)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return nil }
                decoder.feed(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            }
        }

        /// One ping's round trip in microseconds (pings of the other side are answered).
        func ping(_ nonce: UInt64) -> Double {
            let start = Bench.now()
            LoopbackSocket.writeAll(fd, FrameEncoder.encode(.ping(nonce: nonce), magic: RelayBenchmarks.magic))
            while let message = nextMessage() {
                switch message {
                case let .pong(n) where n == nonce:
                    return (Bench.now() - start) * 1e6
                case let .ping(n):
                    LoopbackSocket.writeAll(fd, FrameEncoder.encode(.pong(nonce: n), magic: RelayBenchmarks.magic))
                default:
                    continue
                }
            }
            Bench.fail("relay: no pong to ping \(nonce)")
        }
    }

    static func version() -> VersionMessage {
        VersionMessage(
            services: [], timestamp: Int64(Date().timeIntervalSince1970), receiver: NetworkAddress(), nonce: UInt64.random(in: 1...UInt64.max),
            userAgent: "/verack-bench/", startHeight: 0)
    }

    /// `verack serve` answers pings from three clients: one direct, one through the relay,
    /// one through socat (for reference: what a plain TCP hop adds on this machine). Their
    /// pings alternate, so all see the same load; 200 rounds of warm-up, then 2,000. Reports
    /// the medians and the differences from direct.
    static func addedLatency() {
        let serve = ServeProcess(["--transport", "v1"])
        defer { serve.stop() }
        let relay = relayProcess(to: serve.address, inbound: "v1", outbound: "v1")
        defer { relay.stop() }
        let direct = PingClient(port: UInt16(serve.port))
        let relayed = PingClient(port: UInt16(relay.port))
        let socated = PingClient(port: startSocat(to: UInt16(serve.port)))
        guard direct.completeHandshake(), relayed.completeHandshake(), socated.completeHandshake() else {
            Bench.fail("relay: latency handshakes failed")
        }
        var directTimes: [Double] = []
        var relayedTimes: [Double] = []
        var socatTimes: [Double] = []
        for i in 0..<2_200 {
            let d = direct.ping(UInt64(3 * i + 1))
            let r = relayed.ping(UInt64(3 * i + 2))
            let s = socated.ping(UInt64(3 * i + 3))
            if i >= 200 {
                directTimes.append(d)
                relayedTimes.append(r)
                socatTimes.append(s)
            }
        }
        let directMedian = median(directTimes)
        let relayedMedian = median(relayedTimes)
        let socatMedian = median(socatTimes)
        Bench.report("relay_ping_direct_us_median", directMedian, "us")
        Bench.report("relay_ping_relayed_us_median", relayedMedian, "us")
        Bench.report("relay_added_latency_us_median", relayedMedian - directMedian, "us")
        Bench.report("relay_socat_added_latency_us_median", socatMedian - directMedian, "us")
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    // MARK: - 1,000 idle pairs

    /// 1,000 v1 peers (plain sockets) connect through one `verack relay` process to one
    /// `verack serve`; each sends its version and completes the handshake with the target.
    /// Once all are established, the relay's RSS and threads are read from /proc.
    static func idlePairs() {
        let count = 1_000
        let serve = ServeProcess(["--transport", "v1"])
        defer { serve.stop() }
        let relay = relayProcess(to: serve.address, inbound: "v1", outbound: "v1")
        defer { relay.stop() }
        let pid = relay.process.processIdentifier
        let startRSS = Sampler.statusField(pid: pid, "VmRSS:")
        var clients: [PingClient] = []
        for _ in 0..<count { clients.append(PingClient(port: UInt16(relay.port), timeout: 30)) }
        let established = clients.filter { $0.completeHandshake() }.count
        if established != count { Bench.write(to: 2, "relay: \(established) of \(count) pairs established\n") }
        // Let what the handshakes left settle (the last messages across, the queues idle).
        usleep(500_000)
        let rss = Sampler.statusField(pid: pid, "VmRSS:")
        let threads = Sampler.threads(pid: pid)
        Bench.report("relay_pairs_1k_established", Double(established), "count")
        Bench.report("relay_pairs_1k_rss_mb", Double(rss) / 1024, "MB")
        Bench.report("relay_pairs_1k_rss_per_pair_kb", Double(rss - startRSS) / Double(count), "KB")
        Bench.report("relay_pairs_1k_threads", Double(threads), "threads")
        clients.removeAll()
    }
}
