import BitcoinWire

/// How an outbound connection reaches its target: directly, through a SOCKS5 proxy, or
/// not at all (a network verack cannot reach, with the reason).
enum ProxyRoute: Equatable {
    case direct
    case proxy(ProxyServer)
    case refused(String)

    /// The route to `host` under `settings`: onion names need a proxy (``ProxySettings/onion``
    /// first); I2P and CJDNS need routers verack does not speak to.
    static func route(to host: String, settings: ProxySettings) -> ProxyRoute {
        let name = host.lowercased()
        if name.hasSuffix(".onion") {
            let label = name.dropLast(".onion".count)
            guard label.count == 56, label.allSatisfy({ ("a"..."z").contains($0) || ("2"..."7").contains($0) }) else {
                return .refused(label.count == 16
                    ? "Tor v2 onion addresses are no longer reachable: give a v3 one (56 characters)"
                    : "not a Tor v3 onion address (56 base32 characters before .onion)")
            }
            guard let proxy = settings.onion ?? settings.proxy else { return .refused("\(host) needs --proxy or --onion") }
            return .proxy(proxy)
        }
        if name.hasSuffix(".i2p") { return .refused("I2P addresses are not supported (verack speaks no I2P SAM)") }
        if let ip = IPAddress(host), ip.ipv4 == nil, ip.bytes.first == 0xFC {
            return .refused("CJDNS addresses (fc00::/8) are not supported")
        }
        return settings.proxy.map { .proxy($0) } ?? .direct
    }
}
