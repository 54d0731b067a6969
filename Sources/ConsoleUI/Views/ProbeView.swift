import BitcoinWire
import PeerEngine

/// The probe view: one row per case (case, group, what was sent, the reaction, the time,
/// the verdict), filled in as cases finish; Enter shows the selected case's ladder, drawn
/// from its own connection's frames.
enum ProbeView {
    /// The verdict cell and its colour: green `as Core`, yellow `differs (expected …)`,
    /// plain `no Core expectation`, dim for a case that did not run or has no result yet.
    /// `short` names Core's reactions only (`differs (expected answered)`): the table's
    /// cell; the full one quotes Core's expectation in words, for the selected case.
    static func verdict(_ r: ProbeResult, short: Bool = false) -> (String, CellStyle) {
        if r.observation.notRun != nil { return (short ? "not run" : r.verdict, CellStyle(.dim)) }
        if r.asCore { return ("as Core", CellStyle(.good, bold: true)) }
        if let e = r.expected { return ("differs (expected \(short ? reactions(e) : e.text))", CellStyle(.warn, bold: true)) }
        return ("no Core expectation", .plain)
    }

    /// `disconnected`, `ignored`, `answered/ignored`: Core's reactions in the order of
    /// ``ProbeReaction``; a discouragement counts as the disconnect it starts with.
    static func reactions(_ e: ProbeExpectation) -> String {
        var set = e.reactions
        if set.contains(.disconnected) { set.remove(.refusedLater) }
        return ProbeReaction.allCases.filter(set.contains).map(\.rawValue).joined(separator: "/")
    }

    /// `disconnected: closed 3 ms after the action, …`.
    static func reaction(_ r: ProbeResult) -> String { "\(r.reaction.rawValue): \(r.detail)" }

    /// The table's cell: the time is the next column's, so a close's detail starts with
    /// what came before it (`disconnected: before any follow-up (reset by the peer)`).
    static func shortReaction(_ r: ProbeResult) -> String {
        var detail = Substring(r.detail)
        if detail.hasPrefix("closed "), let cut = detail.range(of: " ms after the action, ") { detail = detail[cut.upperBound...] }
        return "\(r.reaction.rawValue): \(detail)"
    }

    static func after(_ r: ProbeResult) -> String { r.afterMs.map { "\(Int($0)) ms" } ?? "-" }

    static func draw(_ model: ConsoleModel, in rect: Rect, into screen: inout Screen) {
        guard let probe = model.probe else {
            screen.box(rect, title: "Probe · Esc closes", style: CellStyle(.accent, bold: true))
            let hint = "no probe yet: type probe ID|ADDRESS [GROUP|CASE]… (groups: \(ProbeGroup.allCases.map(\.rawValue).joined(separator: ", ")))"
            screen.put(hint, row: rect.inner.row, col: rect.inner.col, style: CellStyle(.dim), limit: rect.inner.width)
            return
        }
        if let i = probe.ladder, probe.rows.indices.contains(i) {
            drawLadder(probe, row: i, now: model.now, in: rect, into: &screen)
            return
        }
        let state = probe.isFinished ? (probe.failure != nil ? "failed" : probe.stopping ? "stopped" : "done") : (probe.stopping ? "stopping" : "running")
        let elapsed = probe.seconds ?? max(0, model.now - probe.startedAt)
        var title = "Probe \(probe.target) · \(state) · \(probe.done)/\(probe.rows.count) · \(Format.seconds(elapsed))"
        if !probe.selectors.isEmpty { title += " · " + probe.selectors.joined(separator: " ") }
        title += probe.isFinished ? " · Enter ladder · Esc closes" : " · Enter ladder · probe stop ends it · Esc closes"
        screen.box(rect, title: title, style: CellStyle(.accent, bold: true))
        let inner = rect.inner
        guard inner.height > 3, inner.width > 40 else { return }
        // The summary line: the counts, coloured as the verdicts are.
        var c = inner.col
        let parts: [(String, CellStyle)] = [
            ("\(probe.asCore) as Core", CellStyle(.good)), ("\(probe.differ) differ", CellStyle(probe.differ > 0 ? .warn : .plain)),
            ("\(probe.rows.filter { r in r.result.map { $0.expected == nil && $0.observation.notRun == nil } ?? false }.count) no Core expectation", .plain),
            ("\(probe.notRun) not run", CellStyle(.dim)), ("\(probe.rows.count - probe.done) pending", CellStyle(.dim)),
        ]
        for (i, (text, style)) in parts.enumerated() {
            if i > 0 { c += screen.put(" · ", row: inner.row, col: c, style: CellStyle(.dim), limit: max(0, inner.right - c)) }
            c += screen.put(text, row: inner.row, col: c, style: style, limit: max(0, inner.right - c))
        }
        if let failure = probe.failure {
            screen.put("  " + failure, row: inner.row, col: c, style: CellStyle(.bad, bold: true), limit: max(0, inner.right - c))
        }
        // Columns: case, group, sent, reaction, after, verdict; the reaction takes what is left.
        let caseWidth = min(24, max(4, probe.rows.map(\.name.count).max() ?? 4))
        let groupWidth = 9
        let afterWidth = 7
        let verdicts = probe.rows.compactMap { $0.result.map { verdict($0, short: true).0.count } }
        let verdictWidth = min(max(12, min(32, inner.width / 3)), max(7, verdicts.max() ?? 7))
        let sentWidth = min(max(12, inner.width / 6), max(4, probe.rows.map(\.sent.count).max() ?? 4))
        let reactionWidth = max(12, inner.width - caseWidth - groupWidth - sentWidth - afterWidth - verdictWidth - 5)
        let widths = [caseWidth, groupWidth, sentWidth, reactionWidth, afterWidth, verdictWidth]
        func cols() -> [Int] {
            var out: [Int] = []
            var x = inner.col
            for w in widths {
                out.append(x)
                x += w + 1
            }
            return out
        }
        let at = cols()
        let header = ["case", "group", "sent", "reaction", "after", "verdict"]
        for (i, h) in header.enumerated() {
            screen.putField(h, row: inner.row + 1, col: at[i], width: widths[i], style: CellStyle(.accent, bold: true), alignRight: i == 4)
        }
        // Under the table, the selected case in full, when there is room for it.
        let footer = inner.height - 2 - probe.rows.count >= 5 ? 4 : 0
        let rows = inner.height - 2 - footer
        let top = min(probe.top, max(0, probe.rows.count - rows))
        if footer > 0, probe.rows.indices.contains(probe.selection) {
            drawSelected(probe, row: probe.selection, at: Rect(row: inner.bottom - 3, col: inner.col, width: inner.width, height: 3), into: &screen)
        }
        for r in 0..<rows {
            let index = top + r
            guard index < probe.rows.count else { break }
            let row = probe.rows[index]
            let y = inner.row + 2 + r
            let selected = index == probe.selection
            if selected { screen.fill(Rect(row: y, col: inner.col, width: inner.width, height: 1), style: CellStyle(reverse: true)) }
            func style(_ s: CellStyle) -> CellStyle { selected ? s.reversed : s }
            screen.putField(row.name, row: y, col: at[0], width: widths[0], style: style(.plain))
            screen.putField(row.group.rawValue, row: y, col: at[1], width: widths[1], style: style(CellStyle(.dim)))
            screen.putField(row.sent, row: y, col: at[2], width: widths[2], style: style(.plain))
            if let result = row.result {
                let reactionStyle: CellStyle = result.reaction == .disconnected || result.reaction == .refusedLater ? CellStyle(.bad) : .plain
                screen.putField(shortReaction(result), row: y, col: at[3], width: widths[3], style: style(reactionStyle))
                screen.putField(after(result), row: y, col: at[4], width: widths[4], style: style(CellStyle(.dim)), alignRight: true)
                let (text, verdictStyle) = verdict(result, short: true)
                screen.putField(text, row: y, col: at[5], width: widths[5], style: style(verdictStyle))
            } else {
                let pending = probe.pending(index)
                screen.putField(pending, row: y, col: at[3], width: widths[3], style: style(CellStyle(pending.hasPrefix("running") ? .warn : .dim)))
                screen.putField("-", row: y, col: at[4], width: widths[4], style: style(CellStyle(.dim)), alignRight: true)
            }
        }
        if probe.rows.count > rows {
            let more = " \(top + 1)-\(min(probe.rows.count, top + rows))/\(probe.rows.count) ↑↓ PgUp PgDn "
            screen.put(more, row: rect.bottom - 1, col: max(rect.col + 2, rect.right - more.count - 2), style: CellStyle(.dim))
        }
    }

    /// The selected case in full: what was sent, the reaction, Core's expectation and the verdict.
    static func drawSelected(_ probe: ProbeViewState, row i: Int, at area: Rect, into screen: inout Screen) {
        let row = probe.rows[i]
        screen.put(String(repeating: "─", count: area.width), row: area.row - 1, col: area.col, style: CellStyle(.dim))
        screen.put(" \(row.name) ", row: area.row - 1, col: area.col + 2, style: CellStyle(.accent, bold: true))
        let label = CellStyle(.dim)
        var c = area.col + screen.put("sent      ", row: area.row, col: area.col, style: label)
        screen.put(row.sent, row: area.row, col: c, limit: area.right - c)
        c = area.col + screen.put("reaction  ", row: area.row + 1, col: area.col, style: label)
        if let r = row.result {
            screen.put(reaction(r) + (r.afterMs.map { " (\(Int($0)) ms)" } ?? ""), row: area.row + 1, col: c, limit: area.right - c)
        } else {
            screen.put(probe.pending(i), row: area.row + 1, col: c, style: CellStyle(.warn), limit: area.right - c)
        }
        c = area.col + screen.put("Core      ", row: area.row + 2, col: area.col, style: label)
        c += screen.put(row.expected?.text ?? "no expectation known", row: area.row + 2, col: c, limit: area.right - c)
        if let r = row.result {
            c += screen.put(" · ", row: area.row + 2, col: c, style: label, limit: max(0, area.right - c))
            let (text, style) = verdict(r)
            screen.put(text, row: area.row + 2, col: c, style: style, limit: max(0, area.right - c))
        }
    }

    /// The selected case's ladder: us and the target, its frames only; under the title,
    /// the case's reaction and verdict.
    static func drawLadder(_ probe: ProbeViewState, row i: Int, now: Double, in rect: Rect, into screen: inout Screen) {
        let row = probe.rows[i]
        let title = "Ladder · probe case \(row.name) (\(row.group.rawValue)) · \(probe.target) · Esc back to the table"
        guard rect.height > 6 else { return }
        // Two lines over the ladder: what was sent, and what came of it.
        let ladderRect = Rect(row: rect.row + 3, col: rect.col, width: rect.width, height: rect.height - 3)
        LadderView.draw(
            peer: nil, id: i + 1, frames: probe.ladders[i], log: probe.frames, scroll: probe.ladderScroll, now: now,
            in: ladderRect, into: &screen, title: title, them: probe.target)
        let accent = CellStyle(.accent, bold: true)
        screen.box(Rect(row: rect.row, col: rect.col, width: rect.width, height: 4), title: title, style: accent)
        // One panel: the info box's bottom joins the ladder's sides.
        screen.put("├", row: rect.row + 3, col: rect.col, style: accent)
        screen.put("┤", row: rect.row + 3, col: rect.right - 1, style: accent)
        let right = rect.right - 1
        var c = rect.col + 1
        c += screen.put("sent      ", row: rect.row + 1, col: c, style: CellStyle(.dim))
        screen.put(row.sent, row: rect.row + 1, col: c, limit: max(0, right - c))
        c = rect.col + 1
        c += screen.put("reaction  ", row: rect.row + 2, col: c, style: CellStyle(.dim))
        if let r = row.result {
            c += screen.put(reaction(r) + (r.afterMs.map { " (\(Int($0)) ms)" } ?? ""), row: rect.row + 2, col: c, limit: max(0, right - c))
            c += screen.put(" · ", row: rect.row + 2, col: c, style: CellStyle(.dim), limit: max(0, right - c))
            let (text, style) = verdict(r, short: true)
            screen.put(text, row: rect.row + 2, col: c, style: style, limit: max(0, right - c))
        } else {
            screen.put(probe.pending(i), row: rect.row + 2, col: c, style: CellStyle(.warn), limit: max(0, right - c))
        }
    }
}
