import BitcoinWire
import PeerEngine

/// What the console knows of the relay: its listeners, intercept's rule, the held messages.
public struct RelayStatus: Equatable, Sendable {
    /// `LISTEN → TARGET` of each relay listener open.
    public var listeners: [String] = []
    /// Intercept's rule (nil: off).
    public var rule: InterceptRule?
    /// Ids of the messages held now, in order.
    public var held: [Int] = []
    /// Set once a relay leg or a relayed frame was seen: the panes make room for pairs.
    public var active = false

    /// The status bar's relay part: `relay · intercept ping A>B · held 2`.
    public var summary: String? {
        guard active || !listeners.isEmpty || rule != nil || !held.isEmpty else { return nil }
        var parts = ["relay"]
        if let rule { parts.append("intercept \(rule)") }
        if !held.isEmpty { parts.append("held \(held.count)") }
        return parts.joined(separator: " · ")
    }
}

extension ConsoleModel {
    /// News of the relay: the status bar says it, the held messages and the rule follow it.
    mutating func relayNews(_ news: RelayNews) {
        switch news {
        case let .listening(listen, _, target):
            relay.listeners.append("\(listen) → \(target)")
            relay.active = true
            showInfo(news.description)
        case .stopped:
            relay.listeners = []
            showInfo(news.description)
        case let .intercepting(rule):
            relay.rule = rule
            showInfo(news.description + (rule == nil && !relay.held.isEmpty ? " (\(relay.held.count) still held: forward all or drop hN)" : ""))
        case let .released(held, pair, sequence, forwarded, note):
            relay.held.removeAll { $0 == held }
            log.released(held: held, pair: pair, sequence: sequence, forwarded: forwarded, note: note)
            showInfo("h\(held) \(note)" + (relay.held.isEmpty ? "" : " · \(relay.held.count) still held"))
        }
    }

    /// A relayed frame: a held one counts in the status bar.
    mutating func relayFrame(_ frame: FrameEvent) {
        guard let mark = frame.relay else { return }
        relay.active = true
        if let held = mark.held, mark.leg == mark.from, !relay.held.contains(held) {
            relay.held.append(held)
            showInfo("held h\(held): \(frame.label) \(mark.from.flow), pair \(mark.pair) · forward h\(held) or drop h\(held)")
        }
    }

    /// A filter's peers with each relay leg's partner added: a relayed message shows once,
    /// on the leg it came in on, so `filter peer 4` must take in its pair's other leg.
    func withPartners(_ filter: LogFilter) -> LogFilter {
        var filter = filter
        for id in filter.peers {
            if let partner = peers[id]?.relay?.partner, !filter.peers.contains(partner) { filter.peers.append(partner) }
        }
        return filter
    }

    /// The peer ids of pair `pair`'s legs (A, B), as far as the table knows them.
    public func legs(ofPair pair: Int) -> (a: PeerID?, b: PeerID?) {
        var a: PeerID?, b: PeerID?
        for id in peers.ids {
            guard let leg = peers[id]?.relay, leg.pair == pair else { continue }
            if leg.side == .a { a = id; b = b ?? leg.partner } else { b = id; a = a ?? leg.partner }
        }
        return (a, b)
    }

    /// Pairs with a live leg in the table.
    public var livePairs: [Int] {
        var pairs: [Int] = []
        for id in peers.ids {
            guard let info = peers[id], let leg = info.relay, !info.phase.isEnd, !pairs.contains(leg.pair) else { continue }
            pairs.append(leg.pair)
        }
        return pairs
    }

    /// Checks a relay command against what the console knows (held ids, pairs) before the
    /// engine is asked; nil when it may go.
    func relayRefusal(_ command: EngineCommand) -> String? {
        switch command {
        case let .forward(id?, _), let .dropHeld(id):
            guard !relay.held.contains(id) else { return nil }
            let verb = if case .dropHeld = command { "drop" } else { "forward" }
            return "\(verb): no held message h\(id)" + (relay.held.isEmpty ? " (nothing is held)" : ": held are " + relay.held.map { "h\($0)" }.joined(separator: ", "))
        case .forward(nil, _):
            return relay.held.isEmpty ? "forward all: nothing is held" : nil
        case let .inject(pair, _, _, _):
            let live = livePairs
            guard !live.contains(pair) else { return nil }
            return "inject: no live pair \(pair)" + (live.isEmpty ? " (start one with relay LISTEN TARGET)" : ": pairs are " + live.map(String.init).joined(separator: ", "))
        case .relayStop:
            return relay.listeners.isEmpty ? "relay stop: no relay is running" : nil
        default:
            return nil
        }
    }
}
