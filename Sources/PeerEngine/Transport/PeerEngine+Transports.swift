import BitcoinWire

/// Which transport a connection gets, and making it: v1, v2 (BIP324, with the engine's
/// garbage, decoy and corruption settings), or for an inbound peer either, told apart by
/// its first bytes.
extension PeerEngine {
    /// A transport for one connection; `decodeOnly`: decode only these commands' payloads.
    func makeTransport(_ kind: TransportKind, initiating: Bool, decodeOnly: Set<Command>? = nil) -> any Transport {
        switch kind {
        case .v1: return V1Transport(magic: configuration.network.magic, decodeOnly: decodeOnly)
        case .v2: return makeV2Transport(initiating: initiating, decodeOnly: decodeOnly)
        }
    }

    /// An inbound peer's transport: as `policy` says, or told apart by its first bytes.
    func makeInboundTransport(_ policy: TransportPolicy, decodeOnly: Set<Command>? = nil) -> any Transport {
        switch policy {
        case .v1: return V1Transport(magic: configuration.network.magic, decodeOnly: decodeOnly)
        case .v2: return makeV2Transport(initiating: false, decodeOnly: decodeOnly)
        case .auto:
            return SniffingTransport(magic: configuration.network.magic, decodeOnly: decodeOnly) { [self] in
                makeV2Transport(initiating: false, decodeOnly: decodeOnly)
            }
        }
    }

    /// How an outbound connection to `endpoint` starts under the policy, or as asked.
    /// `auto` dials v2 only to a peer the address book knows to offer it: from its own
    /// version on an earlier connection, or from an `addr`/`addrv2` entry.
    func outboundTransport(for endpoint: Endpoint, asked: TransportKind?) -> PeerConnection.OutboundTransport {
        switch asked {
        case .v1: return .v1
        case .v2: return .v2(fallback: false)
        case nil: break
        }
        switch configuration.transport {
        case .v1: return .v1
        case .v2: return .v2(fallback: false)
        case .auto:
            let services = AddressKey(endpoint: endpoint.description).flatMap { addressBook.entry($0) }?.services
            return services?.contains(.p2pV2) == true ? .v2(fallback: true) : .v1
        }
    }

    func makeV2Transport(initiating: Bool, decodeOnly: Set<Command>? = nil) -> any Transport {
        var settings = V2Transport.Settings()
        settings.decodeOnly = decodeOnly
        settings.garbageLength = configuration.v2GarbageLength
        settings.decoys = configuration.v2Decoys
        if let c = configuration.corruptVersion, Corruption.v2HandshakeKinds.contains(c) { settings.handshakeCorruption = c }
        return V2Transport(initiating: initiating, magic: configuration.network.magic, settings: settings)
    }
}
