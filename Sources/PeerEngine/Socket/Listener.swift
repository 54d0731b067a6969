import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A listening socket that hands accepted connections to the engine. One listener serves
/// both transports: each accepted peer tells v1 from v2 by its first bytes.
final class Listener: @unchecked Sendable {
    private let source: DispatchSourceRead
    let port: UInt16

    private init(port: UInt16, source: DispatchSourceRead) {
        self.port = port
        self.source = source
    }

    /// Listens on `endpoint`; each accepted connection goes to `accept` (on the listener's
    /// queue). `engine` hears accept errors.
    static func open(
        _ endpoint: Endpoint, engine: PeerEngine, accept: @escaping @Sendable (Int32, SocketAddress) -> Void
    ) -> Result<Listener, EngineError> {
        let addresses: [SocketAddress]
        switch SocketAddress.resolve(endpoint, numericOnly: false) {
        case let .failure(e): return .failure(EngineError("cannot listen on \(endpoint): \(e.message)"))
        case let .success(a): addresses = a
        }
        let fd: Int32
        let port: UInt16
        switch Syscalls.listen(on: addresses[0]) {
        case let .failure(e): return .failure(EngineError("cannot listen on \(endpoint): \(Syscalls.errorText(e.code))"))
        case let .success(bound): (fd, port) = bound
        }
        let queue = DispatchQueue(label: "verack.listener.\(port)", target: DispatchQueue.global())
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        let listener = Listener(port: port, source: source)
        source.setEventHandler { [weak engine] in
            guard let engine else { return }
            while true {
                switch Syscalls.accept(fd) {
                case let .success(client):
                    accept(client.fd, client.address)
                case .failure(Syscalls.Errno(code: EINTR)):
                    continue
                case let .failure(error):
                    let code = error.code
                    if code != EAGAIN && code != EWOULDBLOCK {
                        engine.post(.error(peer: nil, message: "accept on port \(port): \(Syscalls.errorText(code))"))
                    }
                    return
                }
            }
        }
        source.setCancelHandler { Syscalls.close(fd) }
        source.resume()
        return .success(listener)
    }

    func close() { source.cancel() }
}
