import BitcoinWire
import Dispatch
import Foundation

/// The networking core: one serial `DispatchQueue` per peer owns that peer's socket,
/// decoder and session; events go to `eventQueue` in order.
///
/// Every public method may be called from any thread and returns at once; work happens on
/// the peer queues.
public final class PeerEngine: @unchecked Sendable {
    public let configuration: EngineConfiguration

    /// Creates an engine that delivers events by calling `onEvent` on `eventQueue`.
    public init(configuration: EngineConfiguration, eventQueue: DispatchQueue = .main, onEvent: @escaping @Sendable (PeerEvent) -> Void) {
        self.configuration = configuration
        _ = eventQueue
        _ = onEvent
    }

    /// Seconds since the engine started (the clock of every event).
    public var now: Double { 0 }

    /// Opens an outbound connection to `HOST[:PORT]` (`[v6]:port` for IPv6). The id is
    /// returned at once; resolution and connection happen off the calling thread.
    @discardableResult
    public func connect(_ address: String) -> Result<PeerID, EngineError> { .failure(EngineError("not written yet")) }

    /// Resolves the network's DNS seeds (falling back to built-in addresses), shuffles them
    /// and connects to `count` peers.
    public func connectToSeeds(count: Int = 8) {}

    /// Listens for inbound peers on `HOST:PORT` or `PORT` (loopback); returns the bound port.
    @discardableResult
    public func listen(_ endpoint: String) -> Result<UInt16, EngineError> { .failure(EngineError("not written yet")) }

    /// Closes one peer's connection (phase `dropped`).
    @discardableResult
    public func drop(_ id: PeerID) -> Result<Void, EngineError> { .failure(EngineError("not written yet")) }

    /// Drops every live peer.
    public func dropAll() {}

    /// Sends our last `command` message to peer `id` again (or a fresh one), optionally
    /// corrupted.
    @discardableResult
    public func resend(_ id: PeerID, command: String, corruption: Corruption? = nil) -> Result<Void, EngineError> {
        .failure(EngineError("not written yet"))
    }

    /// Sends a fresh `ping`, `getaddr` or `getheaders`.
    @discardableResult
    public func send(_ id: PeerID, _ kind: SendKind) -> Result<Void, EngineError> { .failure(EngineError("not written yet")) }

    /// Closes everything.
    public func shutdown() {}
}
