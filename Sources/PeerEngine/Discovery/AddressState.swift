/// What we know of an address from trying it ourselves.
public enum AddressState: Sendable, Equatable {
    /// Only heard of (gossip, a seed).
    case untried
    /// We completed a handshake with it.
    case reachable(userAgent: String, version: Int32, height: Int32)
    /// We tried it and it failed (refused, timed out, misbehaved).
    case failed(reason: String)

    /// `untried`, `reachable` or `failed`.
    public var word: String {
        switch self {
        case .untried: return "untried"
        case .reachable: return "reachable"
        case .failed: return "failed"
        }
    }
}
