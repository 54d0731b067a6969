import BitcoinWire
import Foundation
import NodeHarness
import Testing
@testable import PeerEngine

/// Outbound peers through a scripted SOCKS5 proxy: the transport starts only after the
/// proxy's success, and each way a proxy can fail is a clear reason for that one peer.
struct ProxyTests {
    static let onion = String(repeating: "a", count: 56) + ".onion"

    func endReason(_ events: EventCollector, _ id: PeerID) -> String? {
        guard events.wait({ EventCollector.phase(of: id, in: $0)?.isEnd == true }) else { return nil }
        return EventCollector.phase(of: id, in: events.snapshot).map(\.description)
    }

    func proxied(_ proxy: FakePeer, randomize: Bool = false, credentials: (String, String)? = nil, onionOnly: Bool = false,
                 _ configure: (inout EngineConfiguration) -> Void = { _ in }) -> (EventCollector, PeerEngine) {
        let events = EventCollector()
        let server = ProxyServer(endpoint: Endpoint(host: "127.0.0.1", port: proxy.port), username: credentials?.0, password: credentials?.1)
        let engine = events.makeEngine { config in
            config.transport = .v1
            config.proxy = onionOnly ? ProxySettings(onion: server, randomizeCredentials: randomize) : ProxySettings(proxy: server, randomizeCredentials: randomize)
            configure(&config)
        }
        return (events, engine)
    }

    /// The proxy connects; it then relays a fake peer's handshake (played by itself).
    @Test func handshakeThroughTheProxy() throws {
        let proxy = try FakePeer()
        let requests = LockedBox<FakeSocksServer.Request?>(nil)
        proxy.serve { fd in
            requests.value = FakeSocksServer.acceptRequest(fd)
            FakePeer.send(fd, FakeSocksServer.reply(0))
            FakePeer.handshake(fd)
            _ = FakePeer.readFrames(fd, count: Int.max)
        }
        let (events, engine) = proxied(proxy)
        defer { engine.shutdown() }
        let id = try engine.connect("seed.example:18444").get()
        #expect(events.wait { EventCollector.phase(of: id, in: $0) == .established })
        let request = try #require(requests.value)
        #expect(request.methods == [0] && request.host == "seed.example" && request.port == 18444 && request.username == nil)
        let info = try #require(EventCollector.latestInfo(of: id, in: events.snapshot))
        #expect(info.address == "seed.example:18444")
        #expect(info.proxy == "127.0.0.1:\(proxy.port)")
    }

    @Test func credentialsAndRandomizedCredentials() throws {
        for randomize in [false, true] {
            let proxy = try FakePeer()
            let requests = LockedBox<[FakeSocksServer.Request]>([])
            proxy.serve { fd in
                if let r = FakeSocksServer.acceptRequest(fd, auth: true) { requests.value.append(r) }
                FakePeer.send(fd, FakeSocksServer.reply(0))
                FakePeer.handshake(fd)
                _ = FakePeer.readFrames(fd, count: Int.max)
            }
            let (events, engine) = proxied(proxy, randomize: randomize, credentials: ("alice", "pw"), onionOnly: true)
            defer { engine.shutdown() }
            let id = try engine.connect(Self.onion).get()
            #expect(events.wait { EventCollector.phase(of: id, in: $0) == .established })
            let request = try #require(requests.value.first)
            #expect(request.host == Self.onion && request.port == 8333 && request.methods == [0, 2])
            if randomize {
                #expect(request.username != "alice" && request.password != "pw" && request.username?.isEmpty == false)
            } else {
                #expect(request.username == "alice" && request.password == "pw")
            }
        }
    }

    @Test(arguments: [
        (UInt8(5), "failed (proxy 127.0.0.1:PORT: connection refused (REP 5))"),
        (0xF0, "failed (proxy 127.0.0.1:PORT: onion service descriptor not found (REP 0xf0))"),
        (0xF7, "failed (proxy 127.0.0.1:PORT: onion service introduction timed out (REP 0xf7))"),
    ] as [(UInt8, String)])
    func refusal(code: UInt8, reason: String) throws {
        let proxy = try FakePeer()
        proxy.serve { fd in
            _ = FakeSocksServer.acceptRequest(fd)
            FakePeer.send(fd, FakeSocksServer.reply(code))
            close(fd)
        }
        let (events, engine) = proxied(proxy)
        defer { engine.shutdown() }
        let id = try engine.connect(Self.onion).get()
        #expect(endReason(events, id) == reason.replacingOccurrences(of: "PORT", with: "\(proxy.port)"))
        #expect(EventCollector.frames(of: id, .sent, in: events.snapshot).isEmpty, "a frame went out before the proxy connected")
    }

    @Test func garbageAndClosing() throws {
        let cases: [(@Sendable (Int32) -> Void, String)] = [
            ({ fd in _ = FakeSocksServer.read(fd, count: 3); FakePeer.send(fd, Array("HTTP/1.0 400 Bad Request\r\n\r\n".utf8)) },
             "did not answer as SOCKS5 (version byte 72)"),
            ({ fd in _ = FakeSocksServer.read(fd, count: 3); close(fd) }, "closed the connection during the SOCKS5 negotiation"),
            ({ fd in _ = FakeSocksServer.acceptRequest(fd); FakePeer.send(fd, [0x05, 0x00, 0x00, 0x09, 1, 2]) },
             "sent a malformed reply (unknown address type 9)"),
        ]
        for (script, reason) in cases {
            let proxy = try FakePeer()
            proxy.serve(script)
            let (events, engine) = proxied(proxy)
            defer { engine.shutdown() }
            let id = try engine.connect("127.0.0.1:18444").get()
            #expect(endReason(events, id) == "failed (proxy 127.0.0.1:\(proxy.port): \(reason))")
        }
    }

    @Test func aStalledProxyTimesOut() throws {
        let proxy = try FakePeer()
        proxy.serve { fd in
            _ = FakeSocksServer.read(fd, count: 3)
            _ = FakeSocksServer.read(fd, count: 1)  // until the engine gives up
            close(fd)
        }
        let (events, engine) = proxied(proxy) { $0.connectTimeout = 1 }
        defer { engine.shutdown() }
        let id = try engine.connect(Self.onion).get()
        #expect(endReason(events, id) == "failed (proxy 127.0.0.1:\(proxy.port): no SOCKS5 answer within 1 s)")
    }

    @Test func anAbsentProxyIsNamed() throws {
        let closed = try FakePeer.closedAddress()
        let port = try #require(UInt16(closed.split(separator: ":").last ?? ""))
        let events = EventCollector()
        let engine = events.makeEngine { $0.proxy = ProxySettings(proxy: ProxyServer(endpoint: Endpoint(host: "127.0.0.1", port: port))) }
        defer { engine.shutdown() }
        let id = try engine.connect("127.0.0.1:18444").get()
        #expect(endReason(events, id) == "failed (proxy \(closed): connection refused)")
    }

    /// Onion names need a proxy; I2P and CJDNS are refused; with only --onion others dial directly.
    @Test func routes() throws {
        let none = ProxySettings()
        let tor = ProxyServer(endpoint: Endpoint(host: "127.0.0.1", port: 9050))
        #expect(ProxyRoute.route(to: Self.onion, settings: none) == .refused("\(Self.onion) needs --proxy or --onion"))
        #expect(ProxyRoute.route(to: Self.onion.uppercased(), settings: ProxySettings(onion: tor)) == .proxy(tor))
        #expect(ProxyRoute.route(to: "1.2.3.4", settings: ProxySettings(onion: tor)) == .direct)
        #expect(ProxyRoute.route(to: "1.2.3.4", settings: ProxySettings(proxy: tor)) == .proxy(tor))
        #expect(ProxyRoute.route(to: "expyuzz4wqqyqhjn.onion", settings: ProxySettings(proxy: tor)) ==
            .refused("Tor v2 onion addresses are no longer reachable: give a v3 one (56 characters)"))
        #expect(ProxyRoute.route(to: "x.b32.i2p", settings: ProxySettings(proxy: tor)) == .refused("I2P addresses are not supported (verack speaks no I2P SAM)"))
        #expect(ProxyRoute.route(to: "fc00::1", settings: ProxySettings(proxy: tor)) == .refused("CJDNS addresses (fc00::/8) are not supported"))

        let events = EventCollector()
        let engine = events.makeEngine()
        defer { engine.shutdown() }
        #expect(throws: EngineError("\(Self.onion) needs --proxy or --onion")) { try engine.connect(Self.onion).get() }
        #expect(throws: EngineError("CJDNS addresses (fc00::/8) are not supported")) { try engine.connect("[fc00::1]:8333").get() }
    }

    @Test func proxyServerParsing() throws {
        #expect(try ProxyServer.parse("127.0.0.1:9050").get() == ProxyServer(endpoint: Endpoint(host: "127.0.0.1", port: 9050)))
        #expect(try ProxyServer.parse("u:p:w@[::1]:1080").get() == ProxyServer(endpoint: Endpoint(host: "::1", port: 1080), username: "u", password: "p:w"))
        for bad in ["127.0.0.1", "user@127.0.0.1:9050", ":p@127.0.0.1:9050", "127.0.0.1:0", "127.0.0.1:99999"] {
            #expect(throws: EngineError.self, "\(bad) was accepted") { try ProxyServer.parse(bad).get() }
        }
    }
}

/// A value shared with a fake server's thread.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
