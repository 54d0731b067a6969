import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A listening socket that hands accepted connections to the engine.
final class Listener: @unchecked Sendable {
    private let fd: Int32
    private let source: DispatchSourceRead
    let port: UInt16

    private init(fd: Int32, port: UInt16, source: DispatchSourceRead) {
        self.fd = fd
        self.port = port
        self.source = source
    }

    static func open(_ endpoint: Endpoint, engine: PeerEngine) -> Result<Listener, EngineError> {
        let addresses: [SocketAddress]
        switch SocketAddress.resolve(endpoint, numericOnly: false) {
        case let .failure(e): return .failure(EngineError("cannot listen on \(endpoint): \(e.message)"))
        case let .success(a): addresses = a
        }
        let address = addresses[0]
        let fd: Int32
        switch Sockets.makeSocket(family: address.family) {
        case let .failure(e): return .failure(e)
        case let .success(s): fd = s
        }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = address.storage
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
        }
        guard bound == 0, Glibc.listen(fd, 4096) == 0 else {
            let reason = Sockets.errorText(errno)
            Glibc.close(fd)
            return .failure(EngineError("cannot listen on \(endpoint): \(reason)"))
        }
        var actual = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = SocketAddress(storage: actual, length: length).port
        let queue = DispatchQueue(label: "verack.listener.\(port)", target: DispatchQueue.global())
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        let listener = Listener(fd: fd, port: port, source: source)
        source.setEventHandler { [weak engine] in
            guard let engine else { return }
            while true {
                var peerAddress = sockaddr_storage()
                var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let client = withUnsafeMutablePointer(to: &peerAddress) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        accept(fd, $0, &len)
                    }
                }
                if client < 0 {
                    if errno == EINTR { continue }
                    if errno != EAGAIN && errno != EWOULDBLOCK {
                        engine.post(.error(peer: nil, message: "accept on port \(port): \(Sockets.errorText(errno))"))
                    }
                    return
                }
                _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                var nodelay: Int32 = 1
                _ = setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &nodelay, socklen_t(MemoryLayout<Int32>.size))
                engine.accepted(fd: client, address: SocketAddress(storage: peerAddress, length: len))
            }
        }
        source.setCancelHandler { Glibc.close(fd) }
        source.resume()
        return .success(listener)
    }

    func close() { source.cancel() }
}
