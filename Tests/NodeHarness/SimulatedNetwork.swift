import BitcoinWire
import Foundation
import PeerEngine
#if canImport(Glibc)
import Glibc
#endif

/// Many small fake nodes, each listening on its own loopback address (127.1.x.y, one
/// port for all: Linux routes all of 127.0.0.0/8 to `lo`), answering `version`, `verack`
/// and `getaddr` from a seeded random graph of one another's addresses, with addresses
/// where nothing listens (127.2.x.y), and TorV3, I2P, IPv6 (2001:db8::/32), CJDNS and
/// unknown-network entries mixed in. A few nodes are hostile (see ``Behaviour``), a few
/// may speak BIP324 v2 as well as v1 (told apart by the first bytes, as Core does) and say
/// so with NODE_P2P_V2 in their version and wherever they are gossiped.
///
/// One thread polls every listening socket; each accepted connection gets a thread of
/// its own with blocking I/O (a crawl holds at most its concurrency of them).
public final class SimulatedNetwork: @unchecked Sendable {
    /// How a node answers.
    public enum Behaviour: String, Sendable, CaseIterable {
        case honest
        /// Answers `getaddr` with an `addr` of 1,001 entries.
        case oversizedAddr
        /// Answers our `version` with garbage bytes.
        case garbage
        /// Sends `addr` messages of one entry each, on and on, and never answers `getaddr`.
        case addrFlood
        /// Completes the handshake and never answers `getaddr`.
        case silentOnGetaddr
    }

    /// One listening node.
    public struct Node: Sendable {
        public let address: String
        public let behaviour: Behaviour
        public let userAgent: String
        public let version: Int32
        public fileprivate(set) var services: ServiceFlags
        public let height: Int32
        /// Answers v2 as well as v1 (the engine's own BIP324 transport, in the answering role).
        public fileprivate(set) var speaksV2 = false
        /// What it answers to `getaddr`.
        public fileprivate(set) var known: [AddrV2Entry]
    }

    public let port: UInt16
    public private(set) var nodes: [Node] = []
    /// Gossiped addresses where nothing listens.
    public let unreachable: [String]
    /// Gossiped entries no crawl confined to loopback may dial (other networks, IPv6
    /// outside loopback).
    public private(set) var exotic = 0
    public static let magic = FakePeer.magic
    /// Seconds an honest node waits before it answers `getaddr` (0: at once); a slower
    /// network keeps a crawl in flight long enough to watch.
    public var answerDelay: Double = 0

    private var listenFDs: [Int32] = []
    private var wake: [Int32] = [-1, -1]
    private let lock = NSLock()
    private var accepted: [Int: Int] = [:]
    private var active: [Int: Int] = [:]
    private var peakActive = 0
    private var stopped = false

    /// `listening` nodes (the first is the entry node, always honest and v1 only; `hostile`
    /// ones follow it; the last `v2` honest nodes speak v2 too), `unreachable` silent
    /// addresses; the same `seed` builds the same graph (whatever `v2` is).
    public init(listening: Int, unreachable unreachableCount: Int, hostile: [Behaviour], seed: UInt64, knownPerNode: Int = 8, v2: Int = 0) throws {
        var rng = SeededRNG(seed: seed)
        let ip = { (net: Int, i: Int) in "127.\(net).\(i / 250).\(i % 250 + 1)" }
        var port: UInt16 = 0
        var fds: [Int32] = []
        for i in 0..<listening {
            let (fd, bound) = try Self.listenSocket(ip(1, i), port: port)
            fds.append(fd)
            port = bound
        }
        self.port = port
        listenFDs = fds
        unreachable = (0..<unreachableCount).map { "\(ip(2, $0)):\(port)" }
        let agents = ["/Satoshi:27.1.0/", "/Satoshi:28.0.0/", "/Satoshi:29.0.0/", "/btcd:0.24.2/", "/Satoshi:26.0.0(knots)/"]
        let now = UInt32(time(nil))
        func entry(_ text: String) -> AddrV2Entry {
            let host = String(text.split(separator: ":")[0])
            let bytes = host.split(separator: ".").compactMap { UInt8($0) }
            let services: ServiceFlags = [.network, .witness]
            return AddrV2Entry(time: now - UInt32.random(in: 0..<86_400, using: &rng), services: services, networkID: 1, address: bytes, port: port)
        }
        let all = (0..<listening).map { "\(ip(1, $0)):\(port)" }
        for i in 0..<listening {
            let behaviour: Behaviour = i >= 1 && i <= hostile.count ? hostile[i - 1] : .honest
            var services: ServiceFlags = [.witness]
            if Bool.random(using: &rng) { services.formUnion(.network) } else { services.formUnion(.networkLimited) }
            if Int.random(in: 0..<4, using: &rng) == 0 { services.formUnion(.compactFilters) }
            nodes.append(Node(
                address: all[i], behaviour: behaviour, userAgent: agents[Int.random(in: 0..<agents.count, using: &rng)],
                version: Int.random(in: 0..<5, using: &rng) == 0 ? 70015 : 70016, services: services,
                height: Int32.random(in: 800_000..<900_000, using: &rng), known: []))
        }
        // Honest nodes: a chain through all of them in random order (so the entry node
        // leads to every one), random others, silent addresses and exotic entries; every
        // hostile node and every silent address is named by at least one honest node.
        let honest = nodes.indices.filter { nodes[$0].behaviour == .honest }
        let chain = [0] + honest.dropFirst().shuffled(using: &rng)
        for (n, i) in chain.enumerated() {
            var known: [AddrV2Entry] = []
            if n + 1 < chain.count { known.append(entry(all[chain[n + 1]])) }
            for _ in 0..<knownPerNode { known.append(entry(all[Int.random(in: 0..<listening, using: &rng)])) }
            if !unreachable.isEmpty {
                for _ in 0..<3 { known.append(entry(unreachable[Int.random(in: 0..<unreachable.count, using: &rng)])) }
            }
            for id: UInt8 in [2, 4, 5, 6, 42] {
                let bytes: [UInt8]
                switch id {
                case 2: bytes = [0x20, 0x01, 0x0d, 0xb8] + rng.bytes(12)
                case 6: bytes = [0xfc] + rng.bytes(15)
                case 42: bytes = rng.bytes(7)
                default: bytes = rng.bytes(32)
                }
                known.append(AddrV2Entry(time: now - 600, services: [.network], networkID: id, address: bytes, port: port))
                exotic += 1
            }
            nodes[i].known = known
        }
        for h in nodes.indices where nodes[h].behaviour != .honest {
            nodes[honest[Int.random(in: 0..<honest.count, using: &rng)]].known.append(entry(all[h]))
        }
        for (j, u) in unreachable.enumerated() { nodes[honest[j % honest.count]].known.append(entry(u)) }
        let v2Nodes = Set(honest.dropFirst().suffix(max(0, v2)))
        var v2Addresses: Set<[UInt8]> = []
        for i in v2Nodes {
            nodes[i].speaksV2 = true
            nodes[i].services.formUnion(.p2pV2)
            v2Addresses.insert(String(all[i].split(separator: ":")[0]).split(separator: ".").compactMap { UInt8($0) })
        }
        for i in nodes.indices {
            for k in nodes[i].known.indices where nodes[i].known[k].networkID == 1 && v2Addresses.contains(nodes[i].known[k].address) {
                nodes[i].known[k].services.formUnion(.p2pV2)
            }
        }
        guard pipe(&wake) == 0 else { throw SpawnError("simulated network: no pipe") }
    }

    deinit { stop() }

    /// The entry node's address.
    public var entry: String { nodes[0].address }

    /// Starts answering.
    public func start() {
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Stops accepting and closes the listening sockets (open connections end when their
    /// other side closes).
    public func stop() {
        lock.lock()
        let first = !stopped
        stopped = true
        lock.unlock()
        if first, wake[1] >= 0 {
            var b: UInt8 = 1
            _ = write(wake[1], &b, 1)
        }
    }

    /// Connections each node accepted, by node index.
    public var acceptedCounts: [Int: Int] {
        lock.lock()
        defer { lock.unlock() }
        return accepted
    }

    /// The most connections one node had open at once.
    public var peakConnectionsPerNode: Int {
        lock.lock()
        defer { lock.unlock() }
        return peakActive
    }

    private static func listenSocket(_ host: String, port: UInt16) throws -> (Int32, UInt16) {
        try LoopbackSocket.listen(host: host, port: port, backlog: 128, reuseAddress: true)
    }

    private func acceptLoop() {
        var fds = listenFDs.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0))
        while true {
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 else {
                if errno == EINTR { continue }
                break
            }
            if fds[fds.count - 1].revents != 0 { break }
            for i in 0..<(fds.count - 1) where fds[i].revents != 0 {
                let client = accept(fds[i].fd, nil, nil)
                guard client >= 0 else { continue }
                lock.lock()
                accepted[i, default: 0] += 1
                active[i, default: 0] += 1
                peakActive = max(peakActive, active[i] ?? 0)
                lock.unlock()
                let node = nodes[i]
                Thread.detachNewThread { [self] in
                    Self.serve(client, node, answerDelay: answerDelay)
                    close(client)
                    lock.lock()
                    active[i, default: 1] -= 1
                    lock.unlock()
                }
            }
        }
        for fd in listenFDs { close(fd) }
        close(wake[0])
        close(wake[1])
    }

    /// One connection, as `node` plays it.
    private static func serve(_ fd: Int32, _ node: Node, answerDelay: Double) {
        var wire = AnsweringWire(magic: magic, policy: node.speaksV2 ? .auto : .v1)
        func frame(_ m: Message) -> [UInt8] { wire.encode(m) }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var addrV2 = false
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            let intake = wire.receive(buffer[0..<n])
            if !intake.reply.isEmpty { guard FakePeer.send(fd, intake.reply) else { return } }
            if intake.failure != nil { return }
            for message in intake.messages {
                switch message {
                case let .version(theirs):
                    if node.behaviour == .garbage {
                        FakePeer.send(fd, (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
                        return
                    }
                    var reply = frame(.version(VersionMessage(
                        version: node.version, services: node.services, timestamp: Int64(time(nil)), receiver: NetworkAddress(),
                        nonce: UInt64.random(in: 1...UInt64.max), userAgent: node.userAgent, startHeight: node.height)))
                    if node.version >= 70016 && theirs.version >= 70016 { reply += frame(.sendaddrv2) }
                    guard FakePeer.send(fd, reply + frame(.verack)) else { return }
                case .sendaddrv2:
                    addrV2 = node.version >= 70016
                case .verack:
                    if node.behaviour == .addrFlood {
                        for i in 0..<100_000 {
                            let a = NetworkAddress(services: [.network], ip: IPAddress(bytes: [10, UInt8(i >> 16 & 255), UInt8(i >> 8 & 255), UInt8(i & 255)]), port: 8333)
                            guard FakePeer.send(fd, frame(.addr([TimestampedAddress(time: UInt32(time(nil)), address: a)]))) else { return }
                        }
                        return
                    }
                case .getaddr:
                    switch node.behaviour {
                    case .honest:
                        if answerDelay > 0 { usleep(useconds_t(answerDelay * 1e6)) }
                        guard FakePeer.send(fd, frame(answer(node.known, addrV2: addrV2))) else { return }
                    case .oversizedAddr:
                        let list = (0..<1001).map { i in
                            TimestampedAddress(time: UInt32(time(nil)), address: NetworkAddress(services: [.network], ip: IPAddress(bytes: [10, 9, UInt8(i >> 8), UInt8(i & 255)]), port: 8333))
                        }
                        guard FakePeer.send(fd, frame(.addr(list))) else { return }
                    case .garbage, .addrFlood, .silentOnGetaddr:
                        break
                    }
                case let .ping(nonce):
                    guard FakePeer.send(fd, frame(.pong(nonce: nonce))) else { return }
                default:
                    break
                }
            }
        }
    }

    /// `addrv2` with everything, or `addr` with the IPv4 and IPv6 entries.
    private static func answer(_ known: [AddrV2Entry], addrV2: Bool) -> Message {
        if addrV2 { return .addrv2(known) }
        let v1 = known.filter { $0.networkID == 1 || $0.networkID == 2 }.map {
            TimestampedAddress(time: $0.time, address: NetworkAddress(services: $0.services, ip: IPAddress(bytes: $0.address), port: $0.port))
        }
        return .addr(v1)
    }
}
