/// The `version` message that opens every connection.
public struct VersionMessage: Hashable, Sendable {
    /// The protocol version verack speaks: Core's `PROTOCOL_VERSION` since 0.21
    /// (BIP339 wtxidrelay), which is also the first to announce `wtxidrelay` and `sendaddrv2`.
    public static let currentProtocol: Int32 = 70016

    /// Bitcoin Core's limit on the user agent (`MAX_SUBVERSION_LENGTH`).
    public static let maxUserAgentLength = 256

    public var version: Int32
    public var services: ServiceFlags
    public var timestamp: Int64
    public var receiver: NetworkAddress
    public var sender: NetworkAddress
    public var nonce: UInt64
    public var userAgent: String
    public var startHeight: Int32
    /// BIP37 relay flag; absent in versions below 70001.
    public var relay: Bool?
    /// Bytes after `relay`, which later protocol versions may add. Kept so that the
    /// message re-encodes byte for byte; only encoded when `relay` is present.
    public var extra: [UInt8]

    public init(
        version: Int32 = VersionMessage.currentProtocol, services: ServiceFlags = [], timestamp: Int64,
        receiver: NetworkAddress, sender: NetworkAddress = NetworkAddress(), nonce: UInt64,
        userAgent: String, startHeight: Int32 = 0, relay: Bool? = true, extra: [UInt8] = []
    ) {
        self.version = version
        self.services = services
        self.timestamp = timestamp
        self.receiver = receiver
        self.sender = sender
        self.nonce = nonce
        self.userAgent = userAgent
        self.startHeight = startHeight
        self.relay = relay
        self.extra = extra
    }

    static func decode(_ r: inout WireReader) throws(WireError) -> VersionMessage {
        let version = try r.readInt32("version")
        let services = try r.readServices("services")
        let timestamp = try r.readTime64("timestamp")
        let receiver = try NetworkAddress.decode(&r, "addr_recv")
        let sender = try NetworkAddress.decode(&r, "addr_from")
        let nonce = try r.readUInt64("nonce")
        let userAgent = try r.readVarString("user_agent", limit: maxUserAgentLength)
        let startHeight = try r.readInt32("start_height")
        let relay = r.isAtEnd ? nil : try r.readBool("relay")
        // Later protocol versions may append fields; Core ignores them too.
        let extra = r.isAtEnd ? [] : r.readRest("extra")
        return VersionMessage(
            version: version, services: services, timestamp: timestamp, receiver: receiver, sender: sender,
            nonce: nonce, userAgent: userAgent, startHeight: startHeight, relay: relay, extra: extra)
    }

    func encode(_ w: inout WireWriter) {
        w.write(version)
        w.write(services.rawValue)
        w.write(timestamp)
        receiver.encode(&w)
        sender.encode(&w)
        w.write(nonce)
        w.writeVarString(userAgent)
        w.write(startHeight)
        if let relay {
            w.write(relay)
            w.write(bytes: extra)
        }
    }
}
