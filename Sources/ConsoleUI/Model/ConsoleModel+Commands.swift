import BitcoinWire
import PeerEngine

/// The command line: editing, completion, and running a typed command.
extension ConsoleModel {
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

    mutating func unknownPeer(_ id: PeerID) -> [ConsoleAction] {
        showError("no peer \(id)" + (peers.ids.isEmpty ? "" : ": peers are " + peers.ids.map(String.init).joined(separator: ", ")))
        return []
    }
}
