import BitcoinWire
import PeerEngine

/// Parses the command line. Errors are one line, ready for the status bar.
public enum CommandParser {
    /// The command names, in the order help lists them.
    public static let commands = [
        "connect", "drop", "resend", "send", "filter", "save", "record", "addresses", "crawl", "probe", "relay", "intercept", "forward", "inject", "help", "quit",
    ]

    /// One usage line per command.
    public static let usage: [(command: String, text: String)] = [
        ("connect [--v1|--v2] ADDRESS|seeds", "open a connection (HOST[:PORT], [v6]:PORT) or dial the DNS seeds"),
        ("drop ID|all|hN", "close one peer, or every peer; drop hN loses held message hN"),
        ("resend ID COMMAND [--corrupt KIND]", "send our last COMMAND again, optionally broken: " + Corruption.resendKinds.map(\.rawValue).joined(separator: "|")),
        ("send ID COMMAND ARGS… [--corrupt KIND]", "send any message, made from a short form (send ID help lists them); send ID raw COMMAND HEX sends any command and payload"),
        ("filter [peer ID,…] [command NAME,…] [dir in|out] [corrupt] | off", "show only the frames that match every term"),
        ("/TEXT", "search the log (command, summary, address, hex); n and N go to the next and previous match"),
        ("save [--pcap] [--force] FILE", "write what the log holds: a recording (JSON Lines), or with --pcap a pcap for Wireshark"),
        ("record [--force] FILE | off", "record every event from now on to FILE (JSON Lines), or stop"),
        ("addresses", "the address book: every address peers told us about (also the key a)"),
        ("crawl [--max N] [--concurrency C] [--seed ADDRESS]… | stop", "crawl from the connected peers (or the seeds): the crawl view, also the key c"),
        ("probe ID|ADDRESS [GROUP|CASE]… | stop", "send the fault battery (default: all groups but slow and v2), each case held against Core's: the probe view, also the key p"),
        ("relay LISTEN TARGET [--in v1|v2|auto] [--out v1|v2|auto] | stop", "relay each connection on LISTEN to TARGET: a pair of linked rows (3⇄4)"),
        ("intercept COMMAND[,…] [dir A>B|B>A] | off", "hold the matching relayed messages (held h1, h2, … in the log)"),
        ("forward hN|all [--corrupt KIND]", "send held messages on, optionally broken: " + Corruption.resendKinds.map(\.rawValue).joined(separator: "|")),
        ("inject PAIR A>B|B>A COMMAND ARGS… [--corrupt KIND]", "send a message into a relayed pair as if from A (A>B) or B (B>A), made as send makes it"),
        ("help", "show keys and commands"),
        ("quit", "leave (also q or Ctrl-C outside the command line)"),
    ]

    /// `network` gives `send ID getheaders` (with no hash) its genesis locator.
    public static func parse(_ line: String, network: Network = .mainnet) -> Result<UserCommand, CommandError> {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.first == "/" {
            // Blanks around the line are not part of the search, as they are not part of any word.
            var text = String(trimmed.dropFirst())
            while let last = text.last, last == " " || last == "\t" { text.removeLast() }
            return .success(.search(text.isEmpty ? nil : text))
        }
        // The first word decides; a line that names no command is refused without splitting
        // the rest of it into words.
        let name = String(trimmed.prefix { $0 != " " && $0 != "\t" })
        guard !name.isEmpty else { return .failure(CommandError("empty command: type help")) }
        // No name is longer than 9 bytes: longer words are refused before lower-casing and
        // hashing them.
        let lowered = name.utf8.count <= 9 ? name.lowercased() : ""
        guard Self.names.contains(lowered) else {
            return .failure(unknown(name))
        }
        let args = Array(Self.words(line).dropFirst())
        switch lowered {
        case "connect":
            let usage = CommandError("usage: connect [--v1|--v2] ADDRESS|seeds")
            var transport: TransportKind?
            var plain: [String] = []
            for a in args {
                switch a.lowercased() {
                case "--v1", "--v2":
                    guard transport == nil else { return .failure(CommandError("connect: give --v1 or --v2, not both")) }
                    transport = a.lowercased() == "--v1" ? .v1 : .v2
                case let flag where flag.hasPrefix("--"):
                    return .failure(CommandError("connect: unknown option '\(a)': use --v1 or --v2"))
                default:
                    plain.append(a)
                }
            }
            guard plain.count == 1 else { return .failure(usage) }
            if plain[0].lowercased() == "seeds" {
                guard transport == nil else { return .failure(CommandError("connect seeds: the transport follows --transport")) }
                return .success(.engine(.connectSeeds))
            }
            return .success(.engine(.connect(plain[0], transport)))
        case "drop":
            guard args.count == 1 else { return .failure(CommandError("usage: drop ID|all|hN")) }
            if args[0].lowercased() == "all" { return .success(.engine(.dropAll)) }
            if args[0].first == "h" || args[0].first == "H" { return heldID(args[0], command: "drop").map { .engine(.dropHeld($0)) } }
            return peerID(args[0]).map { .engine(.drop($0)) }
        case "resend":
            return parseResend(args)
        case "send":
            return parseSend(args, network: network)
        case "filter":
            return parseFilter(args)
        case "save":
            return parseSave(args)
        case "record":
            if args.count == 1 && args[0].lowercased() == "off" { return .success(.record(nil)) }
            return parseFileArguments(args, command: "record", pcapAllowed: false).map { .record($0) }
        case "addresses":
            guard args.isEmpty else { return .failure(CommandError("usage: addresses")) }
            return .success(.addresses)
        case "crawl":
            return parseCrawl(args)
        case "probe":
            return parseProbe(args, network: network)
        case "relay":
            return parseRelay(args)
        case "intercept":
            return parseIntercept(args)
        case "forward":
            return parseForward(args)
        case "inject":
            return parseInject(args, network: network)
        case "help", "?":
            guard args.isEmpty else { return .failure(CommandError("usage: help")) }
            return .success(.help)
        case "quit", "exit", "q":
            guard args.isEmpty else { return .failure(CommandError("usage: quit")) }
            return .success(.quit)
        default:
            return .failure(unknown(name))
        }
    }

    /// Every name ``parse(_:)`` takes, lower case (the commands and their aliases); none is
    /// longer than 9 bytes.
    static let names: Set<String> = Set(commands + ["?", "exit", "q"])

    /// The error for a first word that names no command, listing them all.
    static func unknown(_ name: String) -> CommandError {
        CommandError("unknown command '\(name)': try \(commands.dropLast().joined(separator: ", ")) or \(commands.last ?? "help")")
    }

    /// The line split at blanks (space, tab). Blanks are whole characters: a combining mark
    /// after a space makes it another character, which is not a blank. An ASCII line (what
    /// people type) is split on its bytes, which gives the same words without breaking the
    /// text into characters first.
    static func words(_ line: String) -> [String] {
        if line.utf8.allSatisfy({ $0 < 0x80 }) {
            return line.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).map { String(Substring($0)) }
        }
        return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    static func peerID(_ word: String) -> Result<PeerID, CommandError> {
        guard let id = Int(word), id > 0 else { return .failure(CommandError("bad peer id '\(word)': a number from the table's id column")) }
        return .success(id)
    }

    static func parseResend(_ args: [String]) -> Result<UserCommand, CommandError> {
        let usage = CommandError("usage: resend ID COMMAND [--corrupt " + Corruption.resendKinds.map(\.rawValue).joined(separator: "|") + "]")
        var plain: [String] = []
        var corruption: Corruption?
        var i = 0
        while i < args.count {
            let a = args[i]
            var value: String?
            if a == "--corrupt" {
                guard i + 1 < args.count else { return .failure(usage) }
                value = args[i + 1]
                i += 1
            } else if a.hasPrefix("--corrupt=") {
                value = String(a.dropFirst("--corrupt=".count))
            } else if a.hasPrefix("-") {
                return .failure(CommandError("resend: unknown option '\(a)'"))
            } else {
                plain.append(a)
            }
            if let value {
                guard let c = Corruption(rawValue: value.lowercased()) else {
                    return .failure(CommandError("resend: unknown corruption '\(value)': use " + Corruption.resendKinds.map(\.rawValue).joined(separator: ", ")))
                }
                corruption = c
            }
            i += 1
        }
        guard plain.count == 2 else { return .failure(usage) }
        let command = plain[1]
        guard let parsed = Command(validating: command), !parsed.name.isEmpty, !command.contains(" ") else {
            return .failure(CommandError("resend: '\(command)' is not a command name (ASCII, at most 12 characters)"))
        }
        return peerID(plain[0]).map { .engine(.resend($0, parsed, corruption)) }
    }

    static let sendUsage = "usage: send ID COMMAND ARGS… [--corrupt KIND] (or send ID raw COMMAND HEX)"

    /// `send ID COMMAND ARGS… [--corrupt KIND]`: the message composer's text form. A payload
    /// that decodes as its command's message is sent as that message (it re-encodes byte for
    /// byte); any other is sent as it is. `getheaders`/`getblocks` with no hash ask from the
    /// genesis block.
    static func parseSend(_ args: [String], network: Network) -> Result<UserCommand, CommandError> {
        var words: [String] = []
        var corruption: Corruption?
        var i = 0
        while i < args.count {
            let a = args[i]
            if a.lowercased() == "--corrupt" || a.lowercased().hasPrefix("--corrupt=") {
                var value: String
                if let eq = a.firstIndex(of: "=") {
                    value = String(a[a.index(after: eq)...])
                } else {
                    guard i + 1 < args.count else { return .failure(CommandError("send: --corrupt needs a kind: " + Corruption.resendKinds.map(\.rawValue).joined(separator: ", "))) }
                    i += 1
                    value = args[i]
                }
                guard let c = Corruption(rawValue: value.lowercased()), Corruption.resendKinds.contains(c) else {
                    return .failure(CommandError("send: unknown corruption '\(value)': use " + Corruption.resendKinds.map(\.rawValue).joined(separator: ", ")))
                }
                corruption = c
            } else {
                words.append(a)
            }
            i += 1
        }
        guard words.count >= 2 else { return .failure(CommandError(sendUsage)) }
        let id: PeerID
        switch peerID(words[0]) {
        case let .failure(e): return .failure(e)
        case let .success(v): id = v
        }
        switch Result(catching: { () throws(ComposeError) in try MessageComposer.message(Array(words.dropFirst()), network: network) }) {
        case let .failure(e): return .failure(CommandError("send: \(e)"))
        case let .success(message): return .success(.engine(.send(id, message, corruption)))
        }
    }

    static let crawlUsage = "usage: crawl [--max N] [--concurrency C] [--seed ADDRESS]… | crawl stop"

    /// `crawl stop`, or `crawl` with `--max N`, `--concurrency C` (also `--opt=value`) and
    /// any number of `--seed ADDRESS`.
    static func parseCrawl(_ args: [String]) -> Result<UserCommand, CommandError> {
        if args.first?.lowercased() == "stop" {
            guard args.count == 1 else { return .failure(CommandError("usage: crawl stop")) }
            return .success(.crawlStop)
        }
        var request = CrawlRequest()
        var seen: Set<String> = []
        var i = 0
        while i < args.count {
            var option = args[i].lowercased()
            var value: String?
            if let eq = option.firstIndex(of: "="), option.hasPrefix("--") {
                value = String(args[i][args[i].index(after: eq)...])
                option = String(option[..<eq])
            }
            guard ["--max", "--concurrency", "--seed"].contains(option) else {
                if option.hasPrefix("-") { return .failure(CommandError("crawl: unknown option '\(args[i])': use --max, --concurrency or --seed")) }
                return .failure(CommandError(crawlUsage))
            }
            if value == nil {
                guard i + 1 < args.count else {
                    return .failure(CommandError("crawl: \(option) needs " + (option == "--seed" ? "an address (HOST[:PORT])" : "a number")))
                }
                i += 1
                value = args[i]
            }
            let text = value ?? ""
            if option != "--seed" {
                guard seen.insert(option).inserted else { return .failure(CommandError("crawl: \(option) given twice")) }
                guard let n = Int(text), n > 0 else {
                    return .failure(CommandError("crawl: \(option) must be a whole number above 0, not '\(text)'"))
                }
                if option == "--max" {
                    request.maxAddresses = n
                } else {
                    guard n <= CrawlRequest.maxConcurrency else {
                        return .failure(CommandError("crawl: --concurrency must be at most \(CrawlRequest.maxConcurrency), not \(n)"))
                    }
                    request.concurrency = n
                }
            } else {
                if case let .failure(error) = Endpoint.parse(text, defaultPort: 8333) {
                    return .failure(CommandError("crawl: --seed: \(error.message)"))
                }
                request.seeds.append(text)
            }
            i += 1
        }
        return .success(.crawl(request))
    }

    static func parseSave(_ args: [String]) -> Result<UserCommand, CommandError> {
        parseFileArguments(args, command: "save", pcapAllowed: true).map { .save($0) }
    }

    /// `[--pcap] [--force] FILE` for `save`, `[--force] FILE` for `record`.
    static func parseFileArguments(_ args: [String], command: String, pcapAllowed: Bool) -> Result<SaveRequest, CommandError> {
        let usage = CommandError(pcapAllowed ? "usage: save [--pcap] [--force] FILE" : "usage: record [--force] FILE | record off")
        var pcap = false, force = false
        var paths: [String] = []
        for a in args {
            switch a {
            case "--pcap" where pcapAllowed: pcap = true
            case "--force": force = true
            case let option where option.hasPrefix("--"): return .failure(CommandError("\(command): unknown option '\(option)'"))
            default: paths.append(a)
            }
        }
        guard paths.count == 1 else { return .failure(usage) }
        return .success(SaveRequest(path: paths[0], pcap: pcap, force: force))
    }

    static let filterUsage = "usage: filter off | filter [peer ID,…] [command NAME,…] [dir in|out] [corrupt]"

    /// `filter off`, or terms that must all match: `peer 1,2`, `command ping,pong`,
    /// `dir in|out`, `corrupt`; each at most once.
    static func parseFilter(_ args: [String]) -> Result<UserCommand, CommandError> {
        let usage = CommandError(filterUsage)
        guard !args.isEmpty else { return .failure(usage) }
        if args.count == 1 && args[0].lowercased() == "off" { return .success(.filter(nil)) }
        var filter = LogFilter()
        var seen: Set<String> = []
        var i = 0
        func list(_ term: String) -> Result<[String], CommandError> {
            guard i + 1 < args.count else { return .failure(CommandError("filter: \(term) needs a value: \(filterUsage.dropFirst(7))")) }
            i += 1
            let items = args[i].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !items.contains(where: \.isEmpty) else { return .failure(CommandError("filter: empty item in '\(args[i])'")) }
            return .success(items)
        }
        while i < args.count {
            let term = args[i].lowercased()
            guard !seen.contains(term) else { return .failure(CommandError("filter: '\(term)' given twice")) }
            seen.insert(term)
            switch term {
            case "peer":
                switch list(term) {
                case let .failure(e): return .failure(e)
                case let .success(items):
                    for item in items {
                        switch peerID(item) {
                        case let .failure(e): return .failure(e)
                        case let .success(id): if !filter.peers.contains(id) { filter.peers.append(id) }
                        }
                    }
                }
            case "command":
                switch list(term) {
                case let .failure(e): return .failure(e)
                case let .success(items):
                    for name in items where !filter.commands.contains(name) {
                        guard name.utf8.count <= MessageHeader.commandLength, name.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                            return .failure(CommandError("filter: '\(name)' is not a command name (ASCII, at most 12 characters)"))
                        }
                        filter.commands.append(name)
                    }
                }
            case "dir":
                guard i + 1 < args.count else { return .failure(CommandError("filter: dir needs in or out")) }
                i += 1
                switch args[i].lowercased() {
                case "in": filter.direction = .received
                case "out": filter.direction = .sent
                default: return .failure(CommandError("filter: dir is in or out, not '\(args[i])'"))
                }
            case "corrupt":
                filter.corruptOnly = true
            case "off":
                return .failure(CommandError("filter: 'off' stands alone"))
            default:
                return .failure(CommandError("filter: unknown term '\(args[i])': use peer, command, dir or corrupt"))
            }
            i += 1
        }
        return .success(.filter(filter))
    }
}

/// A command line that did not parse, with a one-line reason.
public struct CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
