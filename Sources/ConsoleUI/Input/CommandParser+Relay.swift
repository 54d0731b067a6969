import BitcoinWire
import PeerEngine

/// The relay's commands: `relay`, `intercept`, `forward`, `inject` (and `drop hN`).
extension CommandParser {
    static let relayUsage = "usage: relay LISTEN TARGET [--in v1|v2|auto] [--out v1|v2|auto] | relay stop"
    static let interceptUsage = "usage: intercept COMMAND[,…] [dir A>B|B>A] | intercept off"
    static let forwardUsage = "usage: forward hN|all [--corrupt KIND]"
    static let injectUsage = "usage: inject PAIR A>B|B>A COMMAND ARGS… [--corrupt KIND]"

    /// A held message's id: `h3` (or, for `forward`, a bare `3`).
    static func heldID(_ word: String, command: String) -> Result<Int, CommandError> {
        var digits = Substring(word)
        if digits.first == "h" || digits.first == "H" { digits = digits.dropFirst() }
        guard let id = Int(digits), id > 0, digits.allSatisfy(\.isASCII) else {
            return .failure(CommandError("\(command): bad held id '\(word)': h and a number, as the log shows it (h1, h2, …)"))
        }
        return .success(id)
    }

    /// Takes `--corrupt KIND` (or `--corrupt=KIND`) out of `args`.
    static func takeCorruption(_ args: [String], command: String) -> Result<([String], Corruption?), CommandError> {
        var rest: [String] = []
        var corruption: Corruption?
        var i = 0
        let kinds = Corruption.resendKinds.map(\.rawValue).joined(separator: ", ")
        while i < args.count {
            let a = args[i]
            let lowered = a.lowercased()
            if lowered == "--corrupt" || lowered.hasPrefix("--corrupt=") {
                let value: String
                if let eq = a.firstIndex(of: "=") {
                    value = String(a[a.index(after: eq)...])
                } else {
                    guard i + 1 < args.count else { return .failure(CommandError("\(command): --corrupt needs a kind: \(kinds)")) }
                    i += 1
                    value = args[i]
                }
                guard corruption == nil else { return .failure(CommandError("\(command): --corrupt given twice")) }
                guard let c = Corruption(rawValue: value.lowercased()), Corruption.resendKinds.contains(c) else {
                    return .failure(CommandError("\(command): unknown corruption '\(value)': use \(kinds)"))
                }
                corruption = c
            } else {
                rest.append(a)
            }
            i += 1
        }
        return .success((rest, corruption))
    }

    /// `relay stop`, or `relay LISTEN TARGET [--in X] [--out Y]` (also `--in=X`).
    static func parseRelay(_ args: [String]) -> Result<UserCommand, CommandError> {
        if args.first?.lowercased() == "stop" {
            guard args.count == 1 else { return .failure(CommandError("usage: relay stop")) }
            return .success(.engine(.relayStop))
        }
        var plain: [String] = []
        var options = RelayOptions()
        var seen: Set<String> = []
        var i = 0
        while i < args.count {
            var option = args[i].lowercased()
            guard option.hasPrefix("-") else {
                plain.append(args[i])
                i += 1
                continue
            }
            var value: String?
            if let eq = option.firstIndex(of: "=") {
                value = String(args[i][args[i].index(after: eq)...])
                option = String(option[..<eq])
            }
            guard option == "--in" || option == "--out" else {
                return .failure(CommandError("relay: unknown option '\(args[i])': use --in or --out"))
            }
            guard seen.insert(option).inserted else { return .failure(CommandError("relay: \(option) given twice")) }
            if value == nil {
                guard i + 1 < args.count else { return .failure(CommandError("relay: \(option) needs v1, v2 or auto")) }
                i += 1
                value = args[i]
            }
            guard let policy = TransportPolicy(rawValue: (value ?? "").lowercased()) else {
                return .failure(CommandError("relay: \(option) is v1, v2 or auto, not '\(value ?? "")'"))
            }
            if option == "--in" { options.inbound = policy } else { options.outbound = policy }
            i += 1
        }
        guard plain.count == 2 else { return .failure(CommandError(relayUsage)) }
        if case let .failure(error) = Endpoint.parseListen(plain[0]) {
            return .failure(CommandError("relay: bad LISTEN '\(plain[0])': \(error.message)"))
        }
        if case let .failure(error) = Endpoint.parse(plain[1], defaultPort: 8333) {
            return .failure(CommandError("relay: bad TARGET '\(plain[1])': \(error.message)"))
        }
        return .success(.engine(.relay(listen: plain[0], target: plain[1], options)))
    }

    /// `intercept off`, or `intercept COMMAND[,…]` with `dir A>B`, `dir B>A` or a bare
    /// `A>B`/`B>A`.
    static func parseIntercept(_ args: [String]) -> Result<UserCommand, CommandError> {
        guard !args.isEmpty else { return .failure(CommandError(interceptUsage)) }
        if args[0].lowercased() == "off" {
            guard args.count == 1 else { return .failure(CommandError("intercept: 'off' stands alone")) }
            return .success(.engine(.intercept(nil)))
        }
        var rest = Array(args.dropFirst())
        if rest.first?.lowercased() == "dir" {
            guard rest.count == 2 else { return .failure(CommandError("intercept: dir needs A>B or B>A")) }
            rest.removeFirst()
        }
        guard rest.count <= 1 else { return .failure(CommandError(interceptUsage)) }
        var from: RelaySide?
        if let flow = rest.first {
            guard let side = RelaySide(flow: flow) else {
                return .failure(CommandError("intercept: the direction is A>B or B>A, not '\(flow)'"))
            }
            from = side
        }
        var commands: Set<Command> = []
        for name in args[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !name.isEmpty else { return .failure(CommandError("intercept: empty command in '\(args[0])'")) }
            guard let command = Command(validating: name) else {
                return .failure(CommandError("intercept: '\(name)' is not a command name (ASCII, at most 12 characters)"))
            }
            commands.insert(command)
        }
        return .success(.engine(.intercept(InterceptRule(commands: commands, from: from))))
    }

    /// `forward all` or `forward hN`, each with an optional `--corrupt KIND`.
    static func parseForward(_ args: [String]) -> Result<UserCommand, CommandError> {
        switch takeCorruption(args, command: "forward") {
        case let .failure(e): return .failure(e)
        case let .success((words, corruption)):
            guard words.count == 1 else { return .failure(CommandError(forwardUsage)) }
            if words[0].lowercased() == "all" { return .success(.engine(.forward(nil, corruption))) }
            return heldID(words[0], command: "forward").map { .engine(.forward($0, corruption)) }
        }
    }

    /// `inject PAIR A>B|B>A COMMAND ARGS… [--corrupt KIND]`: the composer's text form, as `send`.
    static func parseInject(_ args: [String], network: Network) -> Result<UserCommand, CommandError> {
        let words: [String], corruption: Corruption?
        switch takeCorruption(args, command: "inject") {
        case let .failure(e): return .failure(e)
        case let .success(v): (words, corruption) = v
        }
        guard words.count >= 3 else { return .failure(CommandError(injectUsage)) }
        guard let pair = Int(words[0]), pair > 0 else {
            return .failure(CommandError("inject: bad pair '\(words[0])': the pair's number (1 for the first pair)"))
        }
        guard let from = RelaySide(flow: words[1]) else {
            return .failure(CommandError("inject: the direction is A>B or B>A, not '\(words[1])'"))
        }
        switch Result(catching: { () throws(ComposeError) in try MessageComposer.message(Array(words.dropFirst(2)), network: network) }) {
        case let .failure(e): return .failure(CommandError("inject: \(e)"))
        case let .success(message): return .success(.engine(.inject(pair: pair, from: from, message, corruption)))
        }
    }
}
