import PeerEngine

/// Which frames the message log shows.
public enum LogFilter: Equatable, Sendable, CustomStringConvertible {
    case peer(PeerID)
    case command(String)

    public func matches(_ frame: FrameEvent) -> Bool {
        switch self {
        case let .peer(id): return frame.peer == id
        case let .command(name): return frame.command == name
        }
    }

    public var description: String {
        switch self {
        case let .peer(id): return "peer \(id)"
        case let .command(name): return "command \(name)"
        }
    }
}
