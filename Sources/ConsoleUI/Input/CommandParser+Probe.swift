import BitcoinWire
import PeerEngine

/// What `probe ID|ADDRESS [GROUP|CASE…]` asks for, checked: the target, and the cases.
public struct ProbeRequest: Equatable, Sendable {
    public enum Target: Equatable, Sendable {
        /// A connected peer's id: the model looks its address up.
        case peer(PeerID)
        /// `HOST[:PORT]` with the network's port filled in.
        case address(String)
    }

    public var target: Target
    /// The case and group names as typed (empty: the default battery, without `slow`).
    public var selectors: [String]
    /// The case names those select, in catalog order.
    public var cases: [String]

    public init(target: Target, selectors: [String], cases: [String]) {
        self.target = target
        self.selectors = selectors
        self.cases = cases
    }
}

extension CommandParser {
    static let probeUsage = "usage: probe ID|ADDRESS [GROUP|CASE]… | probe stop | probe (reopens the view)"

    /// `probe` (reopen the view), `probe stop`, or `probe ID|ADDRESS [GROUP|CASE]…`.
    static func parseProbe(_ args: [String], network: Network) -> Result<UserCommand, CommandError> {
        guard let first = args.first else { return .success(.probe(nil)) }
        if first.lowercased() == "stop" {
            guard args.count == 1 else { return .failure(CommandError("usage: probe stop")) }
            return .success(.probeStop)
        }
        if first.hasPrefix("-") { return .failure(CommandError("probe: unknown option '\(first)': " + probeUsage.dropFirst("usage: ".count))) }
        let target: ProbeRequest.Target
        if first.allSatisfy(\.isASCIIDigit) {
            switch peerID(first) {
            case let .failure(e): return .failure(e)
            case let .success(id): target = .peer(id)
            }
        } else {
            switch Endpoint.parse(first, defaultPort: network.defaultPort) {
            case let .failure(e): return .failure(CommandError("probe: \(e.message)"))
            case let .success(e): target = .address(e.description)
            }
        }
        let selectors = Array(args.dropFirst()).map { $0.lowercased() }
        if let option = selectors.first(where: { $0.hasPrefix("-") }) {
            return .failure(CommandError("probe: unknown option '\(option)': name groups or cases (\(ProbeGroup.allCases.map(\.rawValue).joined(separator: ", ")))"))
        }
        switch ProbeCatalog.select(selectors) {
        case let .failure(e): return .failure(CommandError("probe: \(e.message)"))
        case let .success(cases):
            guard !cases.isEmpty else { return .failure(CommandError("probe: no cases selected")) }
            return .success(.probe(ProbeRequest(target: target, selectors: selectors, cases: cases.map(\.name))))
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
