import BIP324
import BitcoinWire

/// Settings of a ``PeerEngine``.
public struct EngineConfiguration: Sendable {
    public var network: Network
    /// Our user agent, `/verack:VERSION/`.
    public var userAgent: String
    public var protocolVersion: Int32 = VersionMessage.currentProtocol
    /// A reply (version, verack, pong) overdue by this many seconds marks the peer silent.
    public var silenceTimeout: Double = 5
    /// A handshake not complete after this many seconds drops the peer (Core: 60 s).
    public var handshakeTimeout: Double = 60
    /// TCP connect timeout.
    public var connectTimeout: Double = 10
    /// Seconds between our pings once established (Core: 120 s).
    public var pingInterval: Double = 120
    /// Whether the first ping goes out as the handshake completes (as Core's does, so the
    /// round trip shows at once); false: one `pingInterval` later (`handshake`, which ends
    /// at the last handshake and would never see the pong).
    public var pingsOnEstablish = true
    /// Whether each outbound peer is released (closed without an event) right after its
    /// `established` event, on its own queue: for `handshake`, which wants nothing more of
    /// a peer once it is established and would otherwise leave thousands of connections for
    /// the process's exit to close one after another (30 to 50 ms at the end of 2,000
    /// handshakes).
    public var releasesEstablished = false
    /// Frame events waiting for a slow consumer before further ones are dropped and counted.
    public var maxPendingFrameEvents: Int = 20_000
    /// Whether frame events are posted at all. A front end that shows no frame (`relay
    /// --quiet` with no capture) turns them off; relay legs then decode only the handshake
    /// (``RelayPair/observedCommands``) and pass the rest on undecoded.
    public var postsFrameEvents = true
    /// The relay flag of our version: true asks peers to announce transactions (a busy
    /// log on mainnet); false, the default, keeps the log to the protocol's own talk.
    public var relay = false
    /// Send our first `version` corrupted this way (for `handshake --corrupt`); `key` and
    /// `terminator` break the v2 handshake instead.
    public var corruptVersion: Corruption?
    /// Which transports to use: see ``TransportPolicy`` (`auto` by default, as Core).
    public var transport: TransportPolicy = .auto
    /// Service bits our version advertises; NODE_P2P_V2 is added whenever we accept v2.
    public var services: ServiceFlags = []
    /// v2: the sizes of garbage we send after our key (BIP324: 0 to 4,095 bytes).
    public var v2GarbageLength: ClosedRange<Int> = V2Handshake.garbageLengths
    /// Entries the engine's ``AddressBook`` keeps at most.
    public var addressBookCapacity = 1_000_000
    /// v2: decoy packets we send before our version packet (to watch a peer skip them).
    public var v2Decoys = 0
    /// SOCKS5 proxies for outbound connections (none by default: every peer dials directly).
    public var proxy = ProxySettings()
    /// The id of the first peer (then counting up). Engines that share an ``AddressBook``
    /// need ids apart: the book bounds what each peer id may add.
    public var firstPeerID: PeerID = 1

    public init(network: Network, userAgent: String) {
        self.network = network
        self.userAgent = userAgent
    }
}

/// A command refused by the engine, with a one-line reason.
public struct EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

