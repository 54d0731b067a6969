/// Where a read-only console's peers come from when they are not connections of ours:
/// the peer table and the message detail say so.
public enum WatchedSource: Sendable, Equatable {
    /// Packets sniffed live from an interface (`verack sniff`).
    case sniffed(interface: String)
    /// Bitcoin Core's own `-capturemessages` files: no magic or checksum was kept, so every
    /// frame's header is rebuilt.
    case coreCapture

    /// What the peer table's title adds: every row is one of these.
    public var tableNote: String {
        switch self {
        case let .sniffed(interface): return "sniffed on \(interface)"
        case .coreCapture: return "Bitcoin Core's capture"
        }
    }

    /// Whether a frame's v1 header was made by verack rather than seen.
    public var rebuildsHeaders: Bool { self == .coreCapture }
}
