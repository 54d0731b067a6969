extension Message {
    /// Core's default fee filter, in satoshis per kvB, for a `feefilter` made from nothing.
    public static let defaultFeeFilter: Int64 = 1000

    /// A message of `command` that can be made from nothing (for `resend` of a command not
    /// sent yet): the empty ones, `getheaders` from `network`'s genesis, a default
    /// `feefilter` and `sendcmpct`; nil for a command that needs content.
    public static func fresh(_ command: Command, network: Network) -> Message? {
        switch command {
        case .verack: return .verack
        case .getaddr: return .getaddr
        case .sendheaders: return .sendheaders
        case .wtxidrelay: return .wtxidrelay
        case .sendaddrv2: return .sendaddrv2
        case .mempool: return .mempool
        case .filterclear: return .filterclear
        case .getheaders: return .getheaders(BlockLocator(hashes: [network.genesisHash]))
        case .feefilter: return .feefilter(feerate: defaultFeeFilter)
        case .sendcmpct: return .sendcmpct(announce: false, version: 2)
        default: return nil
        }
    }
}
