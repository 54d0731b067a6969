import Testing
@testable import PeerEngine

struct EndpointTests {
    @Test(arguments: [
        ("1.2.3.4", "1.2.3.4", 8333),
        ("1.2.3.4:18444", "1.2.3.4", 18444),
        ("seed.bitcoin.sipa.be", "seed.bitcoin.sipa.be", 8333),
        ("[::1]:18444", "::1", 18444),
        ("::1", "::1", 8333),
        ("[2001:db8::1]", "2001:db8::1", 8333),
        ("fe80::1:2", "fe80::1:2", 8333),
    ])
    func parses(_ text: String, _ host: String, _ port: Int) throws {
        let e = try Endpoint.parse(text, defaultPort: 8333).get()
        #expect(e.host == host)
        #expect(Int(e.port) == port)
    }

    @Test(arguments: ["", "1.2.3.4:0", "1.2.3.4:70000", "host:port", "[::1", "[::1]x", ":8333", "a b:1", "1.2.3.4:-1", "nota:addr:x", "[host]:8333"])
    func rejects(_ text: String) {
        #expect(throws: EngineError.self) { try Endpoint.parse(text, defaultPort: 8333).get() }
    }
}
