import PeerEngine

/// Which frames the message log shows: every term given must match (`filter peer 1,2
/// command ping,pong dir in corrupt`); a list matches any of its items.
public struct LogFilter: Equatable, Sendable, CustomStringConvertible {
    /// Peers to show; empty means any.
    public var peers: [PeerID] = []
    /// Commands to show; empty means any.
    public var commands: [String] = []
    /// Only frames in this direction.
    public var direction: FrameDirection?
    /// Only broken frames: a bad checksum, or one we corrupted on purpose.
    public var corruptOnly = false

    public init(peers: [PeerID] = [], commands: [String] = [], direction: FrameDirection? = nil, corruptOnly: Bool = false) {
        self.peers = peers
        self.commands = commands
        self.direction = direction
        self.corruptOnly = corruptOnly
    }

    public static func peer(_ id: PeerID) -> LogFilter { LogFilter(peers: [id]) }
    public static func command(_ name: String) -> LogFilter { LogFilter(commands: [name]) }

    public func matches(_ frame: FrameEvent) -> Bool {
        if !peers.isEmpty && !peers.contains(frame.peer) { return false }
        if !commands.isEmpty && !commands.contains(frame.label) { return false }
        if let direction, frame.direction != direction { return false }
        if corruptOnly && frame.checksumOK && frame.corruption == nil { return false }
        return true
    }

    /// The terms, as the command line takes them.
    public var description: String {
        var terms: [String] = []
        if !peers.isEmpty { terms.append("peer " + peers.map(String.init).joined(separator: ",")) }
        if !commands.isEmpty { terms.append("command " + commands.joined(separator: ",")) }
        if let direction { terms.append("dir " + (direction == .received ? "in" : "out")) }
        if corruptOnly { terms.append("corrupt") }
        return terms.joined(separator: " ")
    }
}
