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
    public internal(set) var layout: Layout
    /// Seconds since the engine started, for ages.
    public internal(set) var now: Double = 0
    /// Both ends of every peer seen, kept after the table forgets the peer (`save --pcap`
    /// needs them for the log's older frames).
    public internal(set) var endpoints: [PeerID: (local: String?, remote: String)] = [:]
    /// The active `/TEXT` search: its matches are highlighted, n and N move between them.
    public internal(set) var search: LogSearch?
    public internal(set) var peers = PeerTable()
    /// Set when the peers are watched, not ours (sniffed, or Core's own capture).
    public var watched: WatchedSource?
    public internal(set) var log: MessageLog
    public internal(set) var focus: Focus = .commandLine
    public internal(set) var editor = LineEditor()
    public internal(set) var selectedPeer: PeerID?
    public internal(set) var detail: Detail?
    /// The message detail's tree and selection, while a message detail is open.
    public internal(set) var messageDetail: MessageDetailState?
    public internal(set) var showHelp = false
    public internal(set) var status: StatusMessage?
    /// Whether the status bar shows Tab's completion candidates.
    var showingCompletions = false
    public internal(set) var framesDropped = 0
    /// The relay: listeners, intercept's rule, held messages.
    public internal(set) var relay = RelayStatus()
    /// The running probe, or the last one (see ConsoleModel+Probe).
    public internal(set) var probe: ProbeViewState?
    /// Whether the log shows its newest frames as they arrive.
    public internal(set) var following = true
    /// The selected frame while not following.
    public internal(set) var logSelection: Int?
    /// The frame at the top of the log pane while not following.
    var logTop: Int?
    var tableTop = 0
    /// Detail view scroll: rows from the top (message) or from the newest frame (ladder).
    var detailScroll = 0
    /// The ladder's frames, kept up to date while the ladder is open.
    var ladderIndex = FilteredIndex()
    /// The latest copy of the engine's address book (the host refreshes it).
    public internal(set) var addresses: AddressBookSnapshot?
    public internal(set) var addressesState = AddressesState()
    /// The running crawl, or the last one.
    public internal(set) var crawl: CrawlStatus?

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
