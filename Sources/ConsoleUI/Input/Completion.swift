import BitcoinWire
import PeerEngine

/// Tab completion of the command line: command names, then peer ids and the words each
/// command takes.
public enum Completion {
    /// The outcome of completing a line.
    public struct Result: Equatable, Sendable {
        /// The completed line.
        public var line: String
        /// Every candidate, when more than one matched (for the status bar).
        public var candidates: [String]
    }

    /// Completes the last word of `line` (the cursor is taken to be at the end).
    /// `held` and `pairs` offer the held ids (`h3`) and relayed pairs to `forward`, `drop`
    /// and `inject`.
    public static func complete(_ line: String, peers: [PeerID], held: [Int] = [], pairs: [Int] = []) -> Result {
        let endsWithSpace = line.last == " "
        var words = line.split(separator: " ").map(String.init)
        let partial = endsWithSpace ? "" : (words.popLast() ?? "")
        let options = candidates(before: words, peers: peers, held: held, pairs: pairs)
        let matches = options.filter { $0.hasPrefix(partial) }
        let prefix = words.isEmpty ? "" : words.joined(separator: " ") + " "
        if matches.count == 1, let only = matches.first {
            // `tx:` waits for its hash, `--stop=` for its value: no space after them.
            let separator = only.hasSuffix(":") || only.hasSuffix("=") ? "" : " "
            return Result(line: prefix + only + separator, candidates: [])
        }
        guard !matches.isEmpty else { return Result(line: line, candidates: []) }
        let common = commonPrefix(matches)
        let completed = common.count > partial.count ? prefix + common : line
        return Result(line: completed, candidates: matches)
    }

    static func candidates(before words: [String], peers: [PeerID], held: [Int] = [], pairs: [Int] = []) -> [String] {
        // Only the cases that offer peer ids make them.
        func ids() -> [String] { peers.map(String.init) }
        let heldIDs = held.map { "h\($0)" }
        let flows = RelaySide.allCases.map(\.flow)
        let policies = TransportPolicy.allCases.map(\.rawValue)
        guard let command = words.first?.lowercased() else { return CommandParser.commands }
        switch (command, words.count) {
        case ("connect", 1): return ["seeds", "--v1", "--v2"]
        case ("drop", 1): return ids() + ["all"] + heldIDs
        case ("relay", 1): return ["stop", "--in", "--out"]
        case ("relay", _) where ["--in", "--out"].contains(words.last?.lowercased() ?? ""): return policies
        case ("relay", _) where words.contains(where: { $0.lowercased() == "stop" }): return []
        case ("relay", _):
            let used = Set(words.map { $0.lowercased() })
            return ["--in", "--out"].filter { !used.contains($0) }
        case ("intercept", 1): return Command.all.map(\.name) + ["off"]
        case ("intercept", 2) where words[1].lowercased() != "off": return ["dir"] + flows
        case ("intercept", 3) where words[2].lowercased() == "dir": return flows
        case ("forward", _) where words.last == "--corrupt": return Corruption.resendKinds.map(\.rawValue)
        case ("forward", 1): return heldIDs + ["all"]
        case ("forward", 2): return ["--corrupt"]
        case ("inject", _) where words.last == "--corrupt": return Corruption.resendKinds.map(\.rawValue)
        case ("inject", 1): return pairs.map(String.init)
        case ("inject", 2): return flows
        case ("inject", let n) where n >= 3: return MessageComposer.completions(for: Array(words.dropFirst(3)) + [""])
        case ("resend", 1), ("send", 1): return ids()
        case ("resend", _) where words.last == "--corrupt": return Corruption.resendKinds.map(\.rawValue)
        case ("resend", 2): return Command.all.map(\.name)
        case ("resend", 3): return ["--corrupt"]
        case ("send", _) where words.last == "--corrupt": return Corruption.resendKinds.map(\.rawValue)
        case ("send", let n) where n >= 2: return MessageComposer.completions(for: Array(words.dropFirst(2)) + [""])
        case ("crawl", 1): return ["stop", "--max", "--concurrency", "--seed"]
        case ("crawl", _) where words.last.map { $0.hasPrefix("--") && !$0.contains("=") } == true: return []
        case ("crawl", _) where words.contains(where: { $0.lowercased() == "stop" }): return []
        case ("crawl", _):
            let used = Set(words.map { $0.lowercased() })
            return ["--max", "--concurrency", "--seed"].filter { $0 == "--seed" || !used.contains($0) }
        case ("probe", 1): return ids() + ["stop"]
        case ("probe", _) where words.count > 1 && words[1].lowercased() == "stop": return []
        case ("probe", _):
            let used = Set(words.map { $0.lowercased() })
            return (ProbeGroup.allCases.map(\.rawValue) + ProbeCatalog.all.map(\.name)).filter { !used.contains($0) }
        case ("filter", 1): return ["peer", "command", "dir", "corrupt", "off"]
        case ("filter", _) where words.last?.lowercased() == "peer": return ids()
        case ("filter", _) where words.last?.lowercased() == "command": return Command.all.map(\.name)
        case ("filter", _) where words.last?.lowercased() == "dir": return ["in", "out"]
        case ("filter", _):
            let used = Set(words.map { $0.lowercased() })
            return ["peer", "command", "dir", "corrupt"].filter { !used.contains($0) }
        default: return []
        }
    }

    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for w in words.dropFirst() {
            while !w.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}
