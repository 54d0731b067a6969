import BitcoinWire

/// What one case's connection saw, on the runner's clock (seconds). The runner fills it;
/// ``ProbeClassifier`` judges it, so the judgement is tested without sockets.
public struct ProbeObservation: Sendable, Equatable {
    /// When the action's last byte was written; nil when the case never got to act.
    public var actionAt: Double?
    /// Why the case never got to act (connect refused, the handshake failed, …).
    public var notRun: String?
    /// Messages the peer sent after the action, with their times.
    public var received: [Received] = []
    /// When the peer closed the connection, and what we saw (`reset`, `closed`).
    public var closedAt: Double?
    public var closeNote: String?
    /// When the peer's bytes stopped being v1 frames (the observation ends there, as with
    /// a close, but the peer said something).
    public var unreadableAt: Double?
    public var followUpAt: Double?
    /// When the follow-up got its answer (`pong` with our nonce, or the peer's `version`).
    public var followUpAnsweredAt: Double?
    /// A new connection after the disconnect was refused or dropped at once.
    public var refusedLater = false
    /// A measuring case's finding, in words (`pinged us after 12 ms`, `20/20 pongs, …`).
    public var measurement: String?

    public struct Received: Sendable, Equatable {
        public var time: Double
        public var command: Command
        public init(time: Double, command: Command) {
            self.time = time
            self.command = command
        }
    }

    public init() {}
}

/// One case's outcome: the row of the report.
public struct ProbeResult: Sendable {
    public var name: String
    public var group: ProbeGroup
    public var sent: String
    public var reaction: ProbeReaction
    /// The reaction in words (what was answered, when it closed, …).
    public var detail: String
    /// Milliseconds from the action to the reaction (the answer, the close, the follow-up's
    /// answer); nil when nothing came.
    public var afterMs: Double?
    public var expected: ProbeExpectation?
    /// `as Core`, `differs from Core (expected …)`, `no Core expectation`, or `not run (…)`.
    public var verdict: String
    /// The verdict is `as Core`.
    public var asCore: Bool
    public var observation: ProbeObservation

    public init(case c: ProbeCase, observation o: ProbeObservation) {
        name = c.name
        group = c.group
        sent = c.sent
        expected = c.expected
        observation = o
        let judged = ProbeClassifier.classify(c, o)
        reaction = judged.reaction
        detail = judged.detail
        afterMs = judged.afterMs
        if let why = o.notRun {
            verdict = "not run (\(why))"
            asCore = false
        } else if let e = c.expected {
            asCore = e.reactions.contains(reaction)
            verdict = asCore ? "as Core" : "differs from Core (expected \(e.text))"
        } else {
            asCore = false
            verdict = "no Core expectation"
        }
    }
}

/// Judges a case's observation:
/// - **disconnected** (or **refused-later** when a new connection was refused) when the
///   peer closed, whatever it said before;
/// - **answered** when it sent one of the case's answer commands (or `reject`) after the
///   action, not counting the follow-up's own reply;
/// - **ignored** when the follow-up got its answer; **silent** when it did not (or there
///   was no follow-up, and the peer said nothing).
public enum ProbeClassifier {
    public static func classify(_ c: ProbeCase, _ o: ProbeObservation) -> (reaction: ProbeReaction, detail: String, afterMs: Double?) {
        guard let actionAt = o.actionAt else {
            if o.refusedLater { return (.refusedLater, o.notRun ?? "refused", nil) }
            return (.disconnected, "before the action: \(o.notRun ?? "the connection ended")", nil)
        }
        func ms(_ t: Double) -> Double { ((t - actionAt) * 1000).rounded() }
        let answerSet = c.answers.union([.reject])
        // After a `version` follow-up, the peer's version and verack are its reply, not an
        // answer to the action.
        let followUpReplies: Set<Command> = c.followUp == .version ? [.version, .verack] : []
        let answers = o.received.filter { r in
            guard r.time >= actionAt, answerSet.contains(r.command) else { return false }
            if let f = o.followUpAt, r.time >= f, followUpReplies.contains(r.command) { return false }
            return true
        }
        let said = answers.isEmpty ? "" : " after answering " + names(answers)
        if let at = o.unreadableAt {
            let note = o.closeNote.map { " (\($0))" } ?? ""
            return (.answered, "with bytes our transport cannot read, such as a v2 key on a v1 link\(note)", ms(at))
        }
        if let closed = o.closedAt {
            let when: String
            if let f = o.followUpAt, closed >= f {
                when = "after the follow-up \(c.followUp == .version ? Command.version : Command.ping)"
            } else {
                when = "before any follow-up"
            }
            let base = "closed \(Int(ms(closed))) ms after the action, \(when)\(said)"
            if o.refusedLater { return (.refusedLater, base + "; a new connection was refused", ms(closed)) }
            return (.disconnected, base + (o.closeNote.map { " (\($0))" } ?? ""), ms(closed))
        }
        if let first = answers.first {
            let extra = o.measurement.map { ": \($0)" } ?? ""
            return (.answered, names(answers) + extra, ms(first.time))
        }
        if let answered = o.followUpAnsweredAt {
            let what = c.followUp == .version ? "the follow-up version was answered" : "the follow-up ping got its pong"
            return (.ignored, "stayed; \(what)", ms(answered))
        }
        switch c.followUp {
        case .none: return (.silent, "stayed and said nothing" + (o.measurement.map { ": \($0)" } ?? ""), nil)
        case .ping: return (.silent, "stayed, but the follow-up ping got no pong", nil)
        case .version: return (.silent, "stayed, but the follow-up version got no answer", nil)
        }
    }

    /// `pong`, `addr ×3, reject`: commands in order of arrival, repeats counted.
    static func names(_ list: [ProbeObservation.Received]) -> String {
        var order: [Command] = []
        var counts: [Command: Int] = [:]
        for r in list {
            if counts[r.command] == nil { order.append(r.command) }
            counts[r.command, default: 0] += 1
        }
        return order.map { c in counts[c, default: 1] > 1 ? "\(c) ×\(counts[c, default: 1])" : c.name }.joined(separator: ", ")
    }
}
