import BitcoinWire

/// One side of a relayed pair: A is the node that connected to verack's relay listener,
/// B the target verack dialled for it.
public enum RelaySide: String, Sendable, Equatable, CaseIterable {
    case a = "A"
    case b = "B"

    /// The side across the relay.
    public var other: RelaySide { self == .a ? .b : .a }

    /// `A>B` for a message that came from this side.
    public var flow: String { "\(rawValue)>\(other.rawValue)" }

    /// Reads `A>B` or `B>A` (any case) as the side the message comes from.
    public init?(flow text: String) {
        switch text.uppercased() {
        case "A>B": self = .a
        case "B>A": self = .b
        default: return nil
        }
    }
}

/// A connection's place in a relayed pair, carried in its ``PeerInfo``.
public struct RelayLeg: Sendable, Equatable {
    /// The pair's number (from 1, in order of acceptance).
    public var pair: Int
    /// Which side this connection faces.
    public var side: RelaySide
    /// The peer id of the other leg.
    public var partner: PeerID

    public init(pair: Int, side: RelaySide, partner: PeerID) {
        self.pair = pair
        self.side = side
        self.partner = partner
    }
}

/// What marks a frame event of a relay leg: the pair, the leg it crossed, and which
/// message of the pair it is. The received copy on one leg and the forwarded copy on the
/// other carry the same `sequence`, so a log shows the message once with both legs' bytes.
public struct RelayMark: Sendable, Equatable {
    public var pair: Int
    /// The leg whose wire this event's bytes crossed.
    public var leg: RelaySide
    /// The side the message came from (`A>B`: `.a`); an injected message's is the side it
    /// pretends to come from.
    public var from: RelaySide
    /// The message's number in its pair, the same on both legs (0: a v2 handshake step,
    /// which belongs to one leg only).
    public var sequence: Int
    /// Set on the received copy of a message intercept holds: its held id.
    public var held: Int?

    public init(pair: Int, leg: RelaySide, from: RelaySide, sequence: Int, held: Int? = nil) {
        self.pair = pair
        self.leg = leg
        self.from = from
        self.sequence = sequence
        self.held = held
    }
}

/// Which relayed messages intercept holds.
public struct InterceptRule: Sendable, Equatable, CustomStringConvertible {
    /// Held commands (never empty).
    public var commands: Set<Command>
    /// Only messages from this side (`A>B`: `.a`); nil: both ways.
    public var from: RelaySide?

    public init(commands: Set<Command>, from: RelaySide? = nil) {
        self.commands = commands
        self.from = from
    }

    public func matches(_ command: Command, from side: RelaySide) -> Bool {
        commands.contains(command) && (from == nil || from == side)
    }

    public var description: String {
        let names = commands.map(\.name).sorted().joined(separator: ",")
        return from.map { "\(names) \($0.flow)" } ?? names
    }
}

/// News of the relay that is not a frame.
public enum RelayNews: Sendable, Equatable {
    /// The relay listens on `listen` (its bound port) and dials `target` for each peer.
    case listening(listen: String, port: UInt16, target: String)
    /// The relay listener closed (`relay stop`); its live pairs were dropped.
    case stopped(listen: String, pairs: Int)
    /// Intercept holds by this rule now (nil: it is off).
    case intercepting(InterceptRule?)
    /// A held message was released: forwarded (its forwarded copy follows as a frame of
    /// the other leg) or dropped, with why.
    case released(held: Int, pair: Int, sequence: Int, forwarded: Bool, note: String)
}

/// How a relay's two legs pick their transports (`--in`, `--out`).
public struct RelayOptions: Sendable, Equatable {
    /// Accepted connections: v1 only, v2 only, or either (told apart by the first bytes).
    public var inbound: TransportPolicy
    /// The dialled leg: v1, v2, or v2 with one v1 retry if the target hangs up during the
    /// key exchange.
    public var outbound: TransportPolicy

    public init(inbound: TransportPolicy = .auto, outbound: TransportPolicy = .auto) {
        self.inbound = inbound
        self.outbound = outbound
    }
}

extension RelayNews: CustomStringConvertible {
    /// One line for a status bar or a log.
    public var description: String {
        switch self {
        case let .listening(listen, port, target):
            return "relay: listening on \(listen) (port \(port)), relaying to \(target)"
        case let .stopped(listen, pairs):
            return "relay on \(listen) stopped; \(pairs) pair\(pairs == 1 ? "" : "s") dropped"
        case let .intercepting(rule):
            return rule.map { "intercept: holding \($0)" } ?? "intercept off"
        case let .released(held, pair, sequence, _, note):
            return "h\(held) (pair \(pair) #\(sequence)) \(note)"
        }
    }
}

extension InterceptRule {
    /// Reads `COMMAND[,COMMAND…] [A>B|B>A]` (the form ``description`` writes); nil for
    /// anything else. Each command must be a valid command name.
    public init?(parsing text: String) {
        let words = text.split(separator: " ").map(String.init)
        guard (1...2).contains(words.count) else { return nil }
        var from: RelaySide?
        if words.count == 2 {
            guard let side = RelaySide(flow: words[1]) else { return nil }
            from = side
        }
        let names = words[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var commands: Set<Command> = []
        for name in names {
            guard let command = Command(validating: name), !name.isEmpty else { return nil }
            commands.insert(command)
        }
        self.init(commands: commands, from: from)
    }
}
