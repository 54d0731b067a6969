import BitcoinWire
import PeerEngine

/// A probe the console runs (or ran): one row per case, filled in as the cases finish, and
/// each case's own frames for its ladder. The probe's connections are not peers: they stay
/// out of the peer table and the log.
public struct ProbeViewState {
    public struct Row {
        public var name: String
        public var group: ProbeGroup
        public var sent: String
        public var expected: ProbeExpectation?
        /// Runs last, one at a time (it may get the address refused): queued until then.
        public var mayDiscourage: Bool
        public var result: ProbeResult?
        /// The case's connection has sent or received something.
        public var started = false
    }

    /// `HOST:PORT`, and the peer it was taken from (`probe 3`).
    public var target: String
    public var peer: PeerID?
    /// Groups and cases as typed (empty: the default battery).
    public var selectors: [String]
    public var rows: [Row]
    /// The model's clock when it began.
    public var startedAt: Double
    /// Seconds the run took, once it ended.
    public var seconds: Double?
    /// `probe stop` was asked.
    public var stopping = false
    /// Why the run ended before its cases (the target could not be reached).
    public var failure: String?
    /// Every frame of the cases' connections; a row's ``ladders`` entry picks its own.
    public internal(set) var frames = MessageLog(limit: 20_000, byteBudget: 32 << 20)
    public internal(set) var ladders: [FilteredIndex]
    /// The selected row, and the first row shown.
    public internal(set) var selection = 0
    var top = 0
    /// The row whose ladder is open over the table, and its scroll (rows up from the newest).
    public internal(set) var ladder: Int?
    var ladderScroll = 0

    public var isFinished: Bool { seconds != nil }
    public var done: Int { rows.filter { $0.result != nil }.count }
    public var asCore: Int { rows.filter { $0.result?.asCore == true }.count }
    /// Judged against an expectation and found different (not counting cases not run).
    public var differ: Int { rows.filter { r in r.result.map { !$0.asCore && $0.expected != nil && $0.observation.notRun == nil } ?? false }.count }
    public var notRun: Int { rows.filter { $0.result?.observation.notRun != nil }.count }

    /// The status bar's line: `probe 127.0.0.1:18444: 27/27 · 25 as Core · 2 differ`.
    public var summary: String {
        var text = "probe \(target): \(done)/\(rows.count) · \(asCore) as Core · \(differ) differ"
        let none = rows.filter { r in r.result.map { $0.expected == nil && $0.observation.notRun == nil } ?? false }.count
        if none > 0 { text += " · \(none) no Core expectation" }
        if notRun > 0 { text += " · \(notRun) not run" }
        if let seconds { text += (stopping ? " · stopped after " : " · done in ") + Format.seconds(seconds) }
        return text
    }

    /// The row's state for the table: its result's reaction, or `running`/`queued`.
    func pending(_ i: Int) -> String {
        let row = rows[i]
        if isFinished { return stopping ? "not started (probe stop)" : "no result" }
        if row.started || !row.mayDiscourage { return "running…" }
        return "queued (runs last, alone)"
    }

    init(target: String, peer: PeerID?, selectors: [String], cases: [ProbeCase], startedAt: Double) {
        self.target = target
        self.peer = peer
        self.selectors = selectors
        rows = cases.map { Row(name: $0.name, group: $0.group, sent: $0.sent, expected: $0.expected, mayDiscourage: $0.mayDiscourage) }
        ladders = Array(repeating: FilteredIndex(), count: cases.count)
        self.startedAt = startedAt
    }
}

extension ConsoleModel {
    /// Whether a probe is running.
    public var isProbing: Bool { probe.map { !$0.isFinished } ?? false }

    /// `probe …`: a request asks the host to start it (after the peer id is looked up);
    /// `probe` alone, or a request while one runs, reopens the view.
    mutating func startProbe(_ request: ProbeRequest?) -> [ConsoleAction] {
        guard let request else {
            guard probe != nil else {
                showError("no probe yet: " + CommandParser.probeUsage.dropFirst("usage: ".count))
                return []
            }
            openProbe()
            return []
        }
        if isProbing {
            openProbe()
            showInfo("a probe is running: probe stop ends it")
            return []
        }
        let address: String
        switch request.target {
        case let .address(a): address = a
        case let .peer(id):
            guard let info = peers[id] else {
                showError("probe: no peer \(id)" + (peers.ids.isEmpty ? "" : ": peers are " + peers.ids.map(String.init).joined(separator: ", ")))
                return []
            }
            guard info.direction == .outbound else {
                showError("probe: peer \(id) connected to us from \(info.address), a port it does not listen on: probe its listening address instead")
                return []
            }
            address = info.address
        }
        return [.probe(target: address, cases: request.cases)]
    }

    /// The host started the probe: the view opens on it, with its rows queued.
    public mutating func probeStarted(target: String, cases: [String], selectors: [String] = []) {
        let list = cases.compactMap(ProbeCatalog.named)
        let peer = peers.ids.first { peers[$0]?.address == target }
        probe = ProbeViewState(target: target, peer: peer, selectors: selectors, cases: list, startedAt: now)
        openProbe()
        showInfo("probing \(target): \(list.count) case\(list.count == 1 ? "" : "s")… probe stop ends it, Esc closes the view, p reopens it")
    }

    /// A frame on a case's own connection (the runner's frame hook).
    public mutating func probeFrame(_ f: ProbeFrame) {
        guard var p = probe, let i = p.rows.firstIndex(where: { $0.name == f.caseName }) else { return }
        probe = nil  // the state is changed in place, not copied
        p.rows[i].started = true
        let event = FrameEvent(peer: i + 1, direction: f.direction, time: f.time, unit: f.unit, origin: f.origin)
        let (seq, isNewRow) = p.frames.record(event)
        if isNewRow { p.ladders[i].append(seq) }
        let first = p.frames.ring.firstSeq
        for j in p.ladders.indices { p.ladders[j].evict(below: first) }
        probe = p
    }

    /// A case's result.
    public mutating func probeResult(_ r: ProbeResult) {
        guard var p = probe, let i = p.rows.firstIndex(where: { $0.name == r.name }) else { return }
        p.rows[i].result = r
        p.rows[i].started = true
        probe = p
        showInfo(p.summary)
    }

    /// The run ended: all cases judged, stopped, or the target unreachable (`failure`).
    public mutating func probeFinished(seconds: Double, failure: String? = nil) {
        guard var p = probe, !p.isFinished else { return }
        p.seconds = seconds
        p.failure = failure
        probe = p
        if let failure { showError("probe: \(failure)") } else { showInfo(p.summary) }
    }

    /// `probe stop`.
    mutating func stopProbe() -> [ConsoleAction] {
        guard isProbing else {
            showError("probe stop: no probe is running")
            return []
        }
        probe?.stopping = true
        showInfo("stopping the probe: the running cases finish their windows, no more start…")
        return [.probeStop]
    }

    mutating func openProbe() {
        closeDetail()
        detail = .probe
        if focus == .commandLine { focus = .table }
    }

    /// The probe view's keys: ↑↓ PgUp PgDn Home End select a case, Enter opens its ladder,
    /// Esc closes the ladder, then the view; p closes the view.
    mutating func probeKey(_ key: Key) -> [ConsoleAction] {
        guard var p = probe else {
            switch key {
            case .esc, .char("p"): closeDetail()
            case .char("q"), .ctrl("c"): return [.quit]
            case .char(":"): focus = .commandLine
            default: break
            }
            return []
        }
        let page = max(1, layout.detailRows - 3)
        if p.ladder != nil {
            switch key {
            case .esc, .enter: p.ladder = nil
            case .up: p.ladderScroll += 1
            case .down: p.ladderScroll = max(0, p.ladderScroll - 1)
            case .pgUp: p.ladderScroll += page
            case .pgDown: p.ladderScroll = max(0, p.ladderScroll - page)
            case .home: p.ladderScroll = Int.max / 2
            case .end: p.ladderScroll = 0
            case .char("q"), .ctrl("c"): return [.quit]
            case .char(":"): focus = .commandLine
            case .char("?"): showHelp = true
            default: break
            }
            probe = p
            return []
        }
        var selection = p.selection
        switch key {
        case .esc, .char("p"):
            closeDetail()
            return []
        case .char("q"), .ctrl("c"): return [.quit]
        case .char(":"):
            focus = .commandLine
            return []
        case .char("?"):
            showHelp = true
            return []
        case .tab:
            focus = focus.next
            return []
        case .up, .down, .pgUp, .pgDown, .home, .end:
            selection = ScrollWindow.moved(selection, by: key, count: p.rows.count, page: page) ?? selection
        case .enter:
            guard !p.rows.isEmpty else { return [] }
            p.ladder = p.selection
            p.ladderScroll = 0
            probe = p
            return []
        default:
            return []
        }
        p.selection = ScrollWindow.clamped(selection, count: p.rows.count)
        p.top = ScrollWindow.top(p.top, showing: p.selection, rows: page)
        probe = p
        return []
    }
}
