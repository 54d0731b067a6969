import BitcoinWire
import Dispatch

/// A peer reached through a SOCKS5 proxy: the negotiation before the transport starts.
extension PeerConnection {
    /// Asks the proxy to connect to the target (the transport waits until it has).
    func startProxyNegotiation(_ server: ProxyServer) {
        guard let endpoint else { return }
        var credentials: Socks5Negotiation.Credentials?
        if engine.configuration.proxy.randomizeCredentials {
            var rng = SystemRandomNumberGenerator()
            credentials = .init(username: String(rng.next() as UInt64, radix: 16), password: String(rng.next() as UInt64, radix: 16))
        } else if let username = server.username, let password = server.password {
            credentials = .init(username: username, password: password)
        }
        do {
            var machine = try Socks5Negotiation(host: endpoint.host, port: endpoint.port, credentials: credentials)
            let greeting = machine.start()
            negotiation = machine
            socket.send(greeting)
        } catch {
            finish(.failed(reason: "proxy \(server): \(error)"))
        }
    }

    /// Reply bytes of the proxy: no more than the negotiation can use, so whatever the
    /// target sends after the proxy's reply stays in the socket for the transport.
    func receiveFromProxy(upTo maxBytes: Int, _ read: (UnsafeMutableRawBufferPointer) -> Int) {
        guard var machine = negotiation else { return }
        let wanted = max(1, min(machine.wanted, maxBytes))
        var chunk = [UInt8](repeating: 0, count: wanted)
        let count = chunk.withUnsafeMutableBytes { read($0) }
        guard count > 0 else { return }
        let step = machine.receive(chunk[0..<count])
        negotiation = machine
        switch step {
        case .wait:
            break
        case let .send(bytes):
            socket.send(bytes)
        case let .failed(error):
            negotiation = nil
            finish(.failed(reason: proxyPrefix + error.description))
        case let .connected(_, extra):
            negotiation = nil
            info.lastHeard = engine.now
            handle(transport.open())
            armTimer()
            if !extra.isEmpty && !finished {
                let (_, outputs) = transport.receive(upTo: extra.count) { space in
                    extra.withUnsafeBytes { space.copyMemory(from: $0) }
                    return extra.count
                }
                handle(outputs)
            }
        }
    }
}
