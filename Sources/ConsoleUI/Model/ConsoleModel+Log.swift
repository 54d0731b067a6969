import BitcoinWire
import PeerEngine

/// The log cursor: search matches, moving and following, the visible window.
extension ConsoleModel {
    /// Whether `frame` matches the search (false with no search).
    public func isMatch(_ frame: FrameEvent) -> Bool {
        guard let search else { return false }
        return search.matches(frame, address: peers[frame.peer]?.address)
    }

    func countMatches(_ search: LogSearch) -> Int {
        var n = 0
        for position in 0..<log.count {
            if let frame = log.frame(at: position), search.matches(frame, address: peers[frame.peer]?.address) { n += 1 }
        }
        return n
    }

    /// Selects the next match above (`older`) or below the selected frame, in the filtered
    /// log; says so when there is none.
    mutating func findMatch(older: Bool, from start: Int? = nil) {
        guard let search, log.count > 0 else { return }
        let origin = start ?? selectedLogPosition
        let positions = older ? Array(stride(from: origin - 1, through: 0, by: -1)) : Array(stride(from: origin + 1, to: log.count, by: 1))
        for position in positions {
            guard let frame = log.frame(at: position), search.matches(frame, address: peers[frame.peer]?.address) else { continue }
            following = false
            logSelection = log.seq(at: position)
            let rows = layout.logRows
            var top = logViewport().top
            if position < top { top = position }
            if position >= top + rows { top = position - rows + 1 }
            logTop = log.seq(at: top)
            return
        }
        showInfo("/\(search.text): no \(older ? "earlier" : "later") match")
    }

    /// The position of the selected frame in the (filtered) log.
    var selectedLogPosition: Int {
        guard log.count > 0 else { return 0 }
        if following { return log.count - 1 }
        return min(log.position(atOrAfter: logSelection ?? 0), log.count - 1)
    }

    mutating func logKey(_ key: Key) {
        switch key {
        case .end, .char("F"), .char("f"):
            following = true
            logSelection = nil
            logTop = nil
            return
        default: break
        }
        guard log.count > 0 else { return }
        let rows = layout.logRows
        // End follows the newest frames again (above): here it never comes.
        guard key != .end, let position = ScrollWindow.moved(selectedLogPosition, by: key, count: log.count, page: rows) else { return }
        let top = ScrollWindow.top(logViewport().top, showing: position, rows: rows)
        following = false
        logSelection = log.seq(at: position)
        logTop = log.seq(at: top)
    }

    /// The first position shown and the selected position, for the log pane.
    func logViewport() -> (top: Int, selected: Int?) {
        let rows = layout.logRows
        let count = log.count
        guard count > 0 else { return (0, nil) }
        if following { return (max(0, count - rows), count - 1) }
        let selected = selectedLogPosition
        // Never leave rows empty below the last frame (a taller pane shows older ones).
        let top = min(logTop.map { log.position(atOrAfter: $0) } ?? 0, max(0, count - rows))
        return (ScrollWindow.top(top, showing: selected, rows: rows), selected)
    }
}
