/// A fast path for `verack handshake` with many addresses.
///
/// swift-argument-parser stores each value of a repeated positional argument by copying
/// the array so far and merging the set of input positions so far, which is quadratic:
/// 2,000 addresses cost about 70 ms of parsing, a seventh of a whole 2,000-peer run. So
/// the long run of addresses at the end of the command line is split off before parsing
/// and appended after it (then validated like the rest).
enum TrailingAddresses {
    /// Shorter runs go through the parser as usual.
    static let threshold = 64

    /// `arguments` (without the program name) cut into what the parser should see and the
    /// addresses to append after parsing, when they are `handshake` followed by more than
    /// ``threshold`` trailing positional arguments; else all of them and none.
    ///
    /// A token is surely positional when neither it nor the token before it starts with
    /// `-` (so it cannot be an option's value: every `handshake` option takes at most one).
    /// The first token of the run stays with the parser, which therefore still sees an
    /// address and decides everything else as before.
    static func split(_ arguments: [String]) -> (parse: [String], trailing: [String]) {
        guard arguments.first == "handshake" else { return (arguments, []) }
        var start = arguments.count
        while start > 1 && !arguments[start - 1].hasPrefix("-") && !arguments[start - 2].hasPrefix("-") {
            start -= 1
        }
        // arguments[start...] are surely positional; keep the first of them for the parser.
        let keep = start + 1
        guard arguments.count - keep > threshold else { return (arguments, []) }
        return (Array(arguments[..<keep]), Array(arguments[keep...]))
    }
}
