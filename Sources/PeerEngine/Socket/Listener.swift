import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A listening socket that hands accepted connections to the engine. One listener serves
/// both transports: each accepted peer tells v1 from v2 by its first bytes.
///
/// Confined to its queue once open (hence `@unchecked Sendable`: the reactor calls it there).
final class Listener: ReactorHandler, @unchecked Sendable {
    let port: UInt16
    private let queue: DispatchQueue
    private var fd: Int32
    private var registration: Reactor.Registration?
    private let accept: @Sendable (Int32, SocketAddress) -> Void
    private weak var engine: PeerEngine?

    private init(fd: Int32, port: UInt16, engine: PeerEngine, accept: @escaping @Sendable (Int32, SocketAddress) -> Void) {
        self.fd = fd
        self.port = port
        self.engine = engine
        self.accept = accept
        queue = DispatchQueue(label: "verack.listener.\(port)", target: DispatchQueue.global())
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
        let listener = Listener(fd: fd, port: port, engine: engine, accept: accept)
        // Registered on its queue, so that an edge cannot reach it before `registration` is set.
        let registered: Result<Void, EngineError> = listener.queue.sync {
            switch Reactor.shared.registerListener(fd, queue: listener.queue, handler: listener) {
            case let .success(r):
                listener.registration = r
                return .success(())
            case let .failure(e):
                return .failure(e)
            }
        }
        if case let .failure(e) = registered {
            Syscalls.close(fd)
            return .failure(EngineError("cannot listen on \(endpoint): \(e.message)"))
        }
        return .success(listener)
    }

    /// Accepts until the backlog is empty (edge-triggered: each edge is drained).
    func reactorEvents(_ events: UInt32) {
        guard fd >= 0 else { return }
        while true {
            switch Syscalls.accept(fd) {
            case let .success(client):
                accept(client.fd, client.address)
            case .failure(Syscalls.Errno(code: EINTR)), .failure(Syscalls.Errno(code: ECONNABORTED)):
                continue
            case let .failure(error):
                let code = error.code
                if code != EAGAIN && code != EWOULDBLOCK {
                    engine?.post(.error(peer: nil, message: "accept on port \(port): \(Syscalls.errorText(code))"))
                }
                return
            }
        }
    }

    func close() {
        queue.async { [self] in
            guard fd >= 0 else { return }
            if let registration { Reactor.shared.unregister(registration) }
            registration = nil
            Syscalls.close(fd)
            fd = -1
        }
    }
}
