import BitcoinWire
import PeerEngine

/// A detail view over the body of the console.
public enum Detail: Equatable, Sendable {
    /// The frame with this log sequence number: hex dump beside the field tree.
    case message(seq: Int)
    /// The ladder diagram of one peer's frames.
    case ladder(peer: PeerID)
    /// The address book: every address peers told us about.
    case addresses
    /// The crawl: progress and bar charts.
    case crawl
    /// The probe: one row per case, each case's ladder on Enter.
    case probe
}

/// A line for the status bar.
public struct StatusMessage: Equatable, Sendable {
    public var text: String
    public var isError: Bool
}

/// Everything the console shows, and how keys and engine events change it. Pure: no
/// terminal, no engine; the host feeds it ``PeerEvent``s and ``Key``s, performs the
/// returned ``ConsoleAction``s and draws ``render()``.
public struct ConsoleModel {
    /// Shown in the title bar, e.g. `mainnet`.
    public var networkName: String
    public private(set) var layout: Layout
    /// Seconds since the engine started, for ages.
    public private(set) var now: Double = 0
    /// Both ends of every peer seen, kept after the table forgets the peer (`save --pcap`
    /// needs them for the log's older frames).
    public private(set) var endpoints: [PeerID: (local: String?, remote: String)] = [:]
    /// The active `/TEXT` search: its matches are highlighted, n and N move between them.
    public private(set) var search: LogSearch?
    public private(set) var peers = PeerTable()
    public internal(set) var log: MessageLog
    public internal(set) var focus: Focus = .commandLine
    public private(set) var editor = LineEditor()
    public private(set) var selectedPeer: PeerID?
    public internal(set) var detail: Detail?
    /// The message detail's tree and selection, while a message detail is open.
    public private(set) var messageDetail: MessageDetailState?
    public internal(set) var showHelp = false
    public private(set) var status: StatusMessage?
    /// Whether the status bar shows Tab's completion candidates.
    private var showingCompletions = false
    public private(set) var framesDropped = 0
    /// The relay: listeners, intercept's rule, held messages.
    public internal(set) var relay = RelayStatus()
    /// The running probe, or the last one (see ConsoleModel+Probe).
    public internal(set) var probe: ProbeViewState?
    /// Whether the log shows its newest frames as they arrive.
    public private(set) var following = true
    /// The selected frame while not following.
    public private(set) var logSelection: Int?
    /// The frame at the top of the log pane while not following.
    var logTop: Int?
    var tableTop = 0
    /// Detail view scroll: rows from the top (message) or from the newest frame (ladder).
    var detailScroll = 0
    /// The ladder's frames, kept up to date while the ladder is open.
    var ladderIndex = FilteredIndex()

    public init(networkName: String, logLimit: Int = 100_000, width: Int = 80, height: Int = 24) {
        self.networkName = networkName
        log = MessageLog(limit: logLimit)
        layout = Layout(width: width, height: height, peerCount: 0)
    }

    // MARK: Outside input

    public mutating func resize(width: Int, height: Int) {
        layout = Layout(width: width, height: height, peerCount: peers.count)
    }

    /// The clock moved (the host calls this about once a second for ages and silences).
    public mutating func tick(now: Double) { self.now = max(self.now, now) }

    public mutating func showError(_ text: String) { status = StatusMessage(text: text, isError: true) }
    public mutating func showInfo(_ text: String) { status = StatusMessage(text: text, isError: false) }

    /// An engine event: the model's clock moves on to the event's time.
    public mutating func handle(_ event: PeerEvent) {
        tick(now: event.time)
        switch event.kind {
        case let .peerAdded(info):
            endpoints[info.id] = (info.localAddress, info.address)
            peers.update(info)
            if info.relay != nil { relay.active = true }
            if selectedPeer == nil { selectedPeer = info.id }
            relayout()
        case let .phaseChanged(info, _):
            endpoints[info.id] = (info.localAddress, info.address)
            peers.update(info)
            if let reason = info.phase.reason {
                showInfo("peer \(info.id) \(info.phase.word): \(reason)")
            }
        case let .peerUpdated(info):
            endpoints[info.id] = (info.localAddress, info.address)
            peers.update(info)
        case let .peerRemoved(id):
            peers.remove(id)
            if let selected = selectedPeer, peers[selected] == nil { selectedPeer = peers.ids.first }
            relayout()
        case let .frame(frame):
            let (seq, isNewRow) = log.record(frame)
            relayFrame(frame)
            if case let .ladder(peer) = detail {
                if isNewRow && ladderPeers(peer).contains(frame.peer) { ladderIndex.append(seq) }
                ladderIndex.evict(below: log.ring.firstSeq)
            }
        case let .framesDropped(count):
            framesDropped += count
        case let .error(peer, message):
            showError(peer.map { "peer \($0): \(message)" } ?? message)
        case let .notice(message):
            showInfo(message)
        case let .relay(news):
            relayNews(news)
        }
    }

    mutating func relayout() {
        if layout.table.height != Layout(width: layout.width, height: layout.height, peerCount: peers.count).table.height {
            resize(width: layout.width, height: layout.height)
        }
    }

    // MARK: Keys

    /// Applies a key; returns what the host must do.
    public mutating func handle(key: Key) -> [ConsoleAction] {
        if showHelp {
            showHelp = false
            if key == .ctrl("c") && focus != .commandLine { return [.quit] }
            return []
        }
        switch key {
        case .f1:
            showHelp = true
            return []
        case .resize:
            return []
        case .backTab:
            focus = focus.previous
            return []
        default:
            break
        }
        switch focus {
        case .commandLine: return commandLineKey(key)
        case .table, .log: return paneKey(key)
        }
    }

    mutating func paneKey(_ key: Key) -> [ConsoleAction] {
        if detail == .addresses { return addressesKey(key) }
        if detail == .crawl { return crawlKey(key) }
        if detail == .probe { return probeKey(key) }
        if case .message = detail, messageDetailKey(key) { return [] }
        switch key {
        case .char("q"), .ctrl("c"): return [.quit]
        case .char("a") where detail == nil: return openAddresses()
        case .char("c") where detail == nil:
            detail = .crawl
        case .char("p") where detail == nil: openProbe()
        case .char(":"): focus = .commandLine
        case .char("/"):
            focus = .commandLine
            editor.set("/")
        case .char("n") where detail == nil && search != nil: findMatch(older: false)
        case .char("N") where detail == nil && search != nil: findMatch(older: true)
        case .char("?"): showHelp = true
        case .tab: focus = focus.next
        case .esc:
            if detail != nil { closeDetail() } else { status = nil }
        case .enter: openDetail()
        default:
            if detail != nil { detailKey(key) } else if focus == .table { tableKey(key) } else { logKey(key) }
        }
        return []
    }

    mutating func openDetail() {
        detailScroll = 0
        if focus == .table {
            guard let id = selectedPeer ?? peers.ids.first else { return showError("no peer to show: connect ADDRESS first") }
            selectedPeer = id
            detail = .ladder(peer: id)
            var index = FilteredIndex()
            let ring = log.ring
            let shown = ladderPeers(id)
            for seq in ring.firstSeq..<ring.nextSeq where ring[seq].map({ shown.contains($0.peer) }) == true { index.append(seq) }
            ladderIndex = index
        } else {
            let position = following ? log.count - 1 : selectedLogPosition
            guard let seq = log.seq(at: position) else { return showError("no frame to show yet") }
            detail = .message(seq: seq)
            messageDetail = log[seq].map { MessageDetailState(seq: seq, frame: $0) }
        }
    }

    /// Keys of the message detail's field tree: Tab moves the focus between the dump and
    /// the tree; with the tree focused ↑/↓ PgUp/PgDn Home/End select a field (its bytes
    /// light up in the dump), ←/→ scroll it sideways, Enter expands a part decoded on
    /// request. Returns false for keys it leaves to the detail's scrolling.
    mutating func messageDetailKey(_ key: Key) -> Bool {
        guard var state = messageDetail else { return false }
        defer { messageDetail = state }
        if key == .tab {
            state.treeHasFocus.toggle()
            return true
        }
        guard state.treeHasFocus else { return false }
        let page = max(1, layout.detailRows - 3)
        switch key {
        case .up: state.select(state.selected - 1)
        case .down: state.select(state.selected + 1)
        case .pgUp: state.select(state.selected - page)
        case .pgDown: state.select(state.selected + page)
        case .home: state.select(0)
        case .end, .char("F"): state.select(state.rows.count - 1)
        case .left: state.scrollSideways(by: -8)
        case .right: state.scrollSideways(by: 8)
        case .enter, .char(" "): state.toggleSelected()
        default: return false
        }
        return true
    }

    /// The peers whose frames a ladder shows: the peer, and for a relay leg its partner too.
    func ladderPeers(_ id: PeerID) -> [PeerID] {
        guard let partner = peers[id]?.relay?.partner else { return [id] }
        return [id, partner]
    }

    mutating func closeDetail() {
        detail = nil
        messageDetail = nil
        ladderIndex = FilteredIndex()
        detailScroll = 0
    }

    mutating func detailKey(_ key: Key) {
        let page = layout.detailRows
        let ladder: Bool
        if case .ladder = detail { ladder = true } else { ladder = false }
        // The ladder counts its scroll from the newest frame, so up means more.
        let sign = ladder ? -1 : 1
        switch key {
        case .up: detailScroll -= sign
        case .down: detailScroll += sign
        case .pgUp: detailScroll -= sign * page
        case .pgDown: detailScroll += sign * page
        case .home: detailScroll = ladder ? Int.max / 2 : 0
        case .end, .char("F"): detailScroll = ladder ? 0 : Int.max / 2
        default: return
        }
        detailScroll = max(0, detailScroll)
    }

    mutating func tableKey(_ key: Key) {
        let ids = peers.ids
        guard !ids.isEmpty else { return }
        let current = selectedPeer.flatMap { ids.firstIndex(of: $0) } ?? 0
        var next = current
        switch key {
        case .up: next -= 1
        case .down: next += 1
        case .pgUp: next -= layout.tableRows
        case .pgDown: next += layout.tableRows
        case .home: next = 0
        case .end: next = ids.count - 1
        default: return
        }
        next = min(max(0, next), ids.count - 1)
        selectedPeer = ids[next]
        if next < tableTop { tableTop = next }
        if next >= tableTop + layout.tableRows { tableTop = next - layout.tableRows + 1 }
    }

    // MARK: Addresses

    /// The latest copy of the engine's address book (the host refreshes it).
    public private(set) var addresses: AddressBookSnapshot?
    public private(set) var addressesState = AddressesState()

    /// The host's fresh copy of the address book.
    public mutating func updateAddresses(_ snapshot: AddressBookSnapshot) { addresses = snapshot }

    /// Whether the Addresses view is open (then the host refreshes the book every second).
    public var showsAddresses: Bool { detail == .addresses }

    mutating func openAddresses() -> [ConsoleAction] {
        detail = .addresses
        focus = focus == .commandLine ? .table : focus
        addressesState.selection = 0
        addressesState.top = 0
        return [.refreshAddresses]
    }

    mutating func addressesKey(_ key: Key) -> [ConsoleAction] {
        let rows = addressesState.rows(addresses)
        let page = max(1, layout.detailRows - 1)
        var selection = addressesState.selection
        switch key {
        case .esc, .char("a"):
            closeDetail()
            return []
        case .char("q"), .ctrl("c"): return [.quit]
        case .char(":"):
            focus = .commandLine
            return []
        case .char("?"): showHelp = true
        case .up: selection -= 1
        case .down: selection += 1
        case .pgUp: selection -= page
        case .pgDown: selection += page
        case .home: selection = 0
        case .end: selection = rows.count - 1
        case .char("s"):
            let all = AddressesState.Sort.allCases
            addressesState.sort = all[((all.firstIndex(of: addressesState.sort) ?? 0) + 1) % all.count]
            selection = 0
        case .char("n"):
            let all = AddressesState.networks
            addressesState.network = all[((all.firstIndex(of: addressesState.network) ?? 0) + 1) % all.count]
            selection = 0
        case .char("v"):
            let all = AddressesState.services
            addressesState.service = all[((all.firstIndex(of: addressesState.service) ?? 0) + 1) % all.count]
            selection = 0
        case .enter:
            guard !rows.isEmpty else {
                showError("no address to connect to")
                return []
            }
            return connect(to: rows[min(max(0, selection), rows.count - 1)])
        default:
            return []
        }
        addressesState.selection = min(max(0, selection), max(0, rows.count - 1))
        if addressesState.selection < addressesState.top { addressesState.top = addressesState.selection }
        if addressesState.selection >= addressesState.top + page { addressesState.top = addressesState.selection - page + 1 }
        return []
    }

    /// Enter in the Addresses view: a connection, or a one-line refusal.
    mutating func connect(to entry: AddressEntry) -> [ConsoleAction] {
        let address = entry.key.description
        if let live = peers.ids.first(where: { id in peers[id].map { $0.address == address && !$0.phase.isEnd } ?? false }) {
            showError("\(address) is already connected (peer \(live))")
            return []
        }
        switch entry.key.networkName {
        case "ipv4", "ipv6":
            showInfo("connecting to \(address)")
            return [.engine(.connect(address))]
        case "torv3":
            showError("\(address) needs --proxy or --onion")
        default:
            showError("\(address) cannot be dialled (\(entry.key.networkName) is not supported)")
        }
        return []
    }

    // MARK: Crawl

    /// The running crawl, or the last one.
    public private(set) var crawl: CrawlStatus?

    /// Whether a crawl is running.
    public var isCrawling: Bool { crawl.map { !$0.progress.finished } ?? false }

    /// The keys of the crawl view: Esc or c closes it; nothing in it moves.
    mutating func crawlKey(_ key: Key) -> [ConsoleAction] {
        switch key {
        case .esc, .char("c"): closeDetail()
        case .char("q"), .ctrl("c"): return [.quit]
        case .char(":"): focus = .commandLine
        case .char("?"): showHelp = true
        case .tab: focus = focus.next
        default: break
        }
        return []
    }

    /// `crawl …`: reopens the view while a crawl runs; else asks the host to start one from
    /// the seeds typed, or from the connected outbound peers (none: the host decides).
    mutating func startCrawl(_ request: CrawlRequest) -> [ConsoleAction] {
        if isCrawling {
            detail = .crawl
            showInfo("a crawl is running: crawl stop ends it")
            return []
        }
        var request = request
        var origin: String
        if request.seeds.isEmpty {
            request.seeds = peers.ids.compactMap { id in
                peers[id].flatMap { $0.direction == .outbound && !$0.phase.isEnd ? $0.address : nil }
            }
            origin = "\(request.seeds.count) connected peer\(request.seeds.count == 1 ? "" : "s")"
        } else {
            origin = request.seeds.count == 1 ? request.seeds[0] : "\(request.seeds.count) seeds"
        }
        if request.seeds.isEmpty { origin = "" }
        return [.crawl(request, from: origin)]
    }

    /// The host started the crawl: the view opens on it.
    public mutating func crawlStarted(_ request: CrawlRequest, from origin: String) {
        let empty = CrawlProgress(done: 0, inFlight: 0, queued: request.seeds.count, seconds: 0, summary: CrawlSummary(), finished: false)
        crawl = CrawlStatus(request: request, origin: origin, startedAt: now, progress: empty)
        detail = .crawl
        showInfo("crawling from \(origin)… crawl stop ends it, Esc closes the view, c reopens it")
    }

    /// Where the crawl stands now (the host passes on each of the crawler's reports).
    public mutating func updateCrawl(_ progress: CrawlProgress) {
        guard var c = crawl, !c.progress.finished else { return }
        c.progress = progress
        crawl = c
        guard progress.finished else { return }
        let s = progress.summary
        var text = "crawl \(c.stopping ? "stopped" : "done"): \(s.tried) tried in \(Format.seconds(progress.seconds)): "
        text += "\(s.reachable) reachable, \(s.unreachable) unreachable, \(s.failed) failed"
        text += "; " + TransportKind.allCases.map { "\($0.rawValue) \(s.transports[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        showInfo(text)
    }

    /// `crawl stop`.
    mutating func stopCrawl() -> [ConsoleAction] {
        guard isCrawling else {
            showError("crawl stop: no crawl is running")
            return []
        }
        crawl?.stopping = true
        showInfo("stopping the crawl…")
        return [.crawlStop]
    }

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
        var position = selectedLogPosition
        let rows = layout.logRows
        switch key {
        case .up: position -= 1
        case .down: position += 1
        case .pgUp: position -= rows
        case .pgDown: position += rows
        case .home: position = 0
        default: return
        }
        position = min(max(0, position), log.count - 1)
        var top = logViewport().top
        if position < top { top = position }
        if position >= top + rows { top = position - rows + 1 }
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
        var top = min(logTop.map { log.position(atOrAfter: $0) } ?? 0, max(0, count - rows))
        if selected < top { top = selected }
        if selected >= top + rows { top = selected - rows + 1 }
        return (top, selected)
    }

    // MARK: Command line

    mutating func commandLineKey(_ key: Key) -> [ConsoleAction] {
        // A completion list is about the line as it was: any other key retires it.
        if showingCompletions && key != .tab {
            status = nil
            showingCompletions = false
        }
        if editor.edit(key) { return [] }
        switch key {
        case .esc:
            if detail != nil { closeDetail() } else { status = nil }
        case .ctrl("c"):
            if editor.isEmpty { return [.quit] }
            editor.clear()
        case .tab:
            if editor.isEmpty {
                focus = focus.next
            } else {
                let result = Completion.complete(editor.text, peers: peers.ids, held: relay.held, pairs: livePairs)
                editor.set(result.line)
                if result.candidates.isEmpty {
                    if showingCompletions { status = nil }
                    showingCompletions = false
                } else {
                    showInfo(result.candidates.joined(separator: "  "))
                    showingCompletions = true
                }
            }
        case .enter:
            return runCommandLine()
        default:
            break
        }
        return []
    }

    mutating func runCommandLine() -> [ConsoleAction] {
        let line = editor.submit()
        guard !line.trimmingSpaces.isEmpty else { return [] }
        switch CommandParser.parse(line, network: Network.named(networkName) ?? .regtest) {
        case let .failure(error):
            editor.set(line)
            showError(error.message)
            return []
        case let .success(command):
            return run(command, line: line.trimmingSpaces)
        }
    }

    /// Carries out a parsed command.
    public mutating func run(_ command: UserCommand, line: String) -> [ConsoleAction] {
        switch command {
        case .quit:
            return [.quit]
        case .help:
            showHelp = true
            return []
        case let .filter(filter):
            if let id = filter?.peers.first(where: { peers[$0] == nil }) {
                editor.set(line)
                return unknownPeer(id)
            }
            log.setFilter(filter.map(withPartners))
            following = true
            logSelection = nil
            logTop = nil
            showInfo(log.filter.map { "filter: \($0)" } ?? "filter off")
            return []
        case .addresses:
            return openAddresses()
        case let .crawl(request):
            return startCrawl(request)
        case .crawlStop:
            return stopCrawl()
        case let .probe(request):
            return startProbe(request)
        case .probeStop:
            return stopProbe()
        case let .save(request):
            guard !log.ring.isEmpty else {
                showError("save: the log is empty")
                return []
            }
            return [.save(request)]
        case let .record(request):
            return [.record(request)]
        case let .search(text):
            search = text.map(LogSearch.init)
            guard let search else {
                showInfo("search off")
                return []
            }
            focus = .log
            let count = countMatches(search)
            if count == 0 {
                showError("/\(search.text): no frame in the log matches")
                return []
            }
            // The newest match: searching starts past the end of the log.
            logSelection = nil
            following = false
            findMatch(older: true, from: log.count)
            showInfo("/\(search.text): \(count) matching frame\(count == 1 ? "" : "s") · N earlier, n later")
            return []
        case let .engine(engineCommand):
            if let id = engineCommand.peer, peers[id] == nil {
                editor.set(line)
                return unknownPeer(id)
            }
            if let refusal = relayRefusal(engineCommand) {
                editor.set(line)
                showError(refusal)
                return []
            }
            showInfo("ran: \(line)")
            return [.engine(engineCommand)]
        }
    }

    private mutating func unknownPeer(_ id: PeerID) -> [ConsoleAction] {
        showError("no peer \(id)" + (peers.ids.isEmpty ? "" : ": peers are " + peers.ids.map(String.init).joined(separator: ", ")))
        return []
    }

    // MARK: Output

    /// The whole screen for the current state.
    public func render() -> Screen {
        var screen = Screen(width: layout.width, height: layout.height)
        ScreenRenderer.draw(self, into: &screen)
        return screen
    }
}

extension EngineCommand {
    /// The peer the command is about, if one.
    public var peer: PeerID? {
        switch self {
        case let .drop(id), let .resend(id, _, _), let .send(id, _, _): return id
        case .connect, .connectSeeds, .dropAll, .relay, .relayStop, .intercept, .forward, .dropHeld, .inject: return nil
        }
    }
}
