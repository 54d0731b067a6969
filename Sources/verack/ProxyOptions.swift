import ArgumentParser
import PeerEngine

/// `--proxy`, `--onion`, `--proxy-randomize`: SOCKS5 proxies (Tor) for outbound peers,
/// shared by the console and `handshake`.
struct ProxyOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Dial every outbound peer through this SOCKS5 proxy (Tor: 127.0.0.1:9050); USER:PASS@ sends credentials (RFC 1929).",
        valueName: "[user:pass@]host:port"))
    var proxy: String?

    @Option(help: ArgumentHelp(
        "Dial .onion peers through this SOCKS5 proxy (Tor: 127.0.0.1:9050); others dial directly unless --proxy.",
        valueName: "[user:pass@]host:port"))
    var onion: String?

    @Flag(name: .customLong("proxy-randomize"),
          help: "Give each proxied connection its own random credentials (Tor stream isolation, as Core's -proxyrandomize).")
    var randomize = false

    func validate() throws {
        _ = try settings()
        if randomize && proxy == nil && onion == nil { throw ValidationError("--proxy-randomize needs --proxy or --onion") }
    }

    /// The engine's settings; a bad proxy is a one-line error.
    func settings() throws -> ProxySettings {
        func parse(_ text: String?, _ option: String) throws -> ProxyServer? {
            guard let text else { return nil }
            switch ProxyServer.parse(text) {
            case let .success(server): return server
            case let .failure(error): throw ValidationError("--\(option): \(error.message)")
            }
        }
        return ProxySettings(proxy: try parse(proxy, "proxy"), onion: try parse(onion, "onion"), randomizeCredentials: randomize)
    }
}
