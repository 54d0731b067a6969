import BitcoinWire

extension PeerEngine {
    func makeV2Transport(initiating: Bool) -> any Transport {
        V1Transport(magic: configuration.network.magic)  // placeholder until BIP324 lands
    }
}
