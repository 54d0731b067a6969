/// A SOCKS5 proxy to dial peers through: where it listens and, optionally, the RFC 1929
/// username and password it wants.
public struct ProxyServer: Hashable, Sendable, CustomStringConvertible {
    public var endpoint: Endpoint
    public var username: String?
    public var password: String?

    public init(endpoint: Endpoint, username: String? = nil, password: String? = nil) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
    }

    /// Parses `HOST:PORT` or `USER:PASS@HOST:PORT` (the last `@` separates; the port is
    /// required: there is no default SOCKS port worth guessing, Tor's is 9050).
    public static func parse(_ text: String) -> Result<ProxyServer, EngineError> {
        var address = Substring(text)
        var username: String?
        var password: String?
        if let at = text.lastIndex(of: "@") {
            let userinfo = text[..<at]
            address = text[text.index(after: at)...]
            guard let colon = userinfo.firstIndex(of: ":") else {
                return .failure(EngineError("bad proxy '\(text)': write USER:PASS@HOST:PORT"))
            }
            let user = String(userinfo[..<colon]), pass = String(userinfo[userinfo.index(after: colon)...])
            guard (1...255).contains(user.utf8.count), (1...255).contains(pass.utf8.count) else {
                return .failure(EngineError("bad proxy '\(text)': username and password must be 1-255 bytes each"))
            }
            username = user
            password = pass
        }
        switch Endpoint.parse(String(address), defaultPort: 0, allowPortZero: true) {
        case let .failure(error):
            return .failure(EngineError("bad proxy '\(text)': \(error.message)"))
        case let .success(endpoint):
            guard endpoint.port != 0 else { return .failure(EngineError("bad proxy '\(text)': give its port, HOST:PORT (Tor: 127.0.0.1:9050)")) }
            return .success(ProxyServer(endpoint: endpoint, username: username, password: password))
        }
    }

    /// `host:port`, without the credentials.
    public var description: String { endpoint.description }
}

/// The proxies of an engine (`--proxy`, `--onion`, `--proxy-randomize`).
public struct ProxySettings: Hashable, Sendable {
    /// Every outbound connection goes through this proxy (onion ones too, unless ``onion``).
    public var proxy: ProxyServer?
    /// `.onion` targets go through this proxy; others dial directly unless ``proxy``.
    public var onion: ProxyServer?
    /// Each connection sends its own random credentials, so Tor gives it its own circuit
    /// (stream isolation, as Core's `-proxyrandomize`); credentials of the proxy are replaced.
    public var randomizeCredentials = false

    public init(proxy: ProxyServer? = nil, onion: ProxyServer? = nil, randomizeCredentials: Bool = false) {
        self.proxy = proxy
        self.onion = onion
        self.randomizeCredentials = randomizeCredentials
    }
}
