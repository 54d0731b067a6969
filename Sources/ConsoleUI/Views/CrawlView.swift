import BitcoinWire
import PeerEngine

/// A crawl the console runs (or ran): what was asked, when it began, where it stands.
public struct CrawlStatus: Equatable, Sendable {
    public var request: CrawlRequest
    /// Where it started from, for the title (`3 connected peers`, `DNS seeds`).
    public var origin: String
    /// The model's clock when it began (the rate runs on the model's clock).
    public var startedAt: Double
    public var progress: CrawlProgress
    /// `crawl stop` was asked and the crawl has not ended yet.
    public var stopping = false

    /// Seconds since the start: the crawler's own count once it has finished.
    func elapsed(now: Double) -> Double {
        progress.finished ? progress.seconds : max(progress.seconds, now - startedAt)
    }

    /// Addresses finished per second so far.
    func rate(now: Double) -> Double {
        let seconds = elapsed(now: now)
        return seconds > 0 ? Double(progress.done) / seconds : 0
    }
}

/// The crawl view: a progress bar, then bar charts of the user agents, protocol versions
/// and service bits of the reachable peers so far, each bar scaled to the widest count.
enum CrawlView {
    /// One bar chart: a heading and its rows, largest first.
    struct Chart: Equatable {
        var title: String
        var rows: [(label: String, count: Int)]

        static func == (a: Chart, b: Chart) -> Bool {
            a.title == b.title && a.rows.map(\.label) == b.rows.map(\.label) && a.rows.map(\.count) == b.rows.map(\.count)
        }
    }

    static func charts(_ s: CrawlSummary) -> [Chart] {
        func sorted(_ d: [String: Int]) -> [(label: String, count: Int)] {
            d.map { (label: $0.key, count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.label < $1.label }
        }
        return [
            Chart(title: "User agents", rows: sorted(s.userAgents)),
            Chart(title: "Protocol versions", rows: sorted(Dictionary(s.versions.map { (String($0.key), $0.value) }, uniquingKeysWith: +))),
            Chart(title: "Service bits", rows: sorted(s.serviceBits)),
        ]
    }

    /// The line over the progress bar, in parts: each count after the mark of its share of
    /// the bar (so the line is the bar's legend too), then the rate.
    static func progressParts(_ c: CrawlStatus, now: Double) -> [(mark: String, role: ColorRole, text: String)] {
        let p = c.progress
        return [
            ("█", .good, "done \(p.done)"), ("▓", .warn, "in flight \(p.inFlight)"), ("░", .dim, "queued \(p.queued)"),
            ("", .plain, Format.rate(c.rate(now: now)) + " nodes/s"),
        ]
    }

    /// The outcomes line under the progress bar: how the addresses done ended, and the
    /// transports of those that connected.
    static func outcomesLine(_ s: CrawlSummary) -> String {
        var parts = ["reachable \(s.reachable)", "unreachable \(s.unreachable)", "failed \(s.failed)"]
        parts += TransportKind.allCases.map { "\($0.rawValue) \(s.transports[$0.rawValue] ?? 0)" }
        return parts.joined(separator: " · ")
    }

    static func draw(_ model: ConsoleModel, in rect: Rect, into screen: inout Screen) {
        guard let crawl = model.crawl else {
            screen.box(rect, title: "Crawl · Esc closes", style: CellStyle(.accent, bold: true))
            let hint = "no crawl yet: type crawl [--max N] [--concurrency C] [--seed ADDRESS] (it starts from the connected peers)"
            screen.put(hint, row: rect.inner.row, col: rect.inner.col, style: CellStyle(.dim), limit: rect.inner.width)
            return
        }
        let elapsed = crawl.elapsed(now: model.now)
        let state = crawl.progress.finished ? (crawl.stopping ? "stopped" : "done") : (crawl.stopping ? "stopping" : "running")
        var title = "Crawl \(state) · \(Format.seconds(elapsed)) · from \(crawl.origin)"
        if let max = crawl.request.maxAddresses { title += " · max \(max)" }
        title += " · concurrency \(crawl.request.concurrency)"
        title += crawl.progress.finished ? " · Esc closes" : " · crawl stop ends it · Esc closes"
        screen.box(rect, title: title, style: CellStyle(.accent, bold: true))
        let inner = rect.inner
        guard inner.height > 3, inner.width > 20 else { return }
        var c = inner.col
        for (i, part) in progressParts(crawl, now: model.now).enumerated() {
            if i > 0 { c += screen.put(" · ", row: inner.row, col: c, style: CellStyle(.dim), limit: inner.right - c) }
            if !part.mark.isEmpty { c += screen.put(part.mark + " ", row: inner.row, col: c, style: CellStyle(part.role), limit: inner.right - c) }
            c += screen.put(part.text, row: inner.row, col: c, limit: inner.right - c)
        }
        drawProgressBar(crawl.progress, row: inner.row + 1, col: inner.col, width: inner.width, into: &screen)
        screen.put(outcomesLine(crawl.progress.summary), row: inner.row + 2, col: inner.col, limit: inner.width)
        let charts = charts(crawl.progress.summary)
        let area = Rect(row: inner.row + 4, col: inner.col, width: inner.width, height: inner.height - 4)
        drawCharts(charts, total: crawl.progress.summary.reachable, in: area, into: &screen)
    }

    /// `[████▓▓▓░░░   ]`: done, in flight, queued, as shares of all three.
    static func drawProgressBar(_ p: CrawlProgress, row: Int, col: Int, width: Int, into screen: inout Screen) {
        let total = p.done + p.inFlight + p.queued
        let percent = total > 0 ? p.done * 100 / total : 100
        let label = " \(p.done)/\(total) \(percent)%"
        let barWidth = max(1, width - 2 - label.count)
        var cells = [Int](repeating: 0, count: 3)
        if total > 0 {
            let doneCells = p.done * barWidth / total
            let flightCells = (p.done + p.inFlight) * barWidth / total - doneCells
            cells = [doneCells, flightCells, barWidth - doneCells - flightCells]
            if p.queued == 0 && p.inFlight == 0 { cells = [barWidth, 0, 0] }
        } else {
            cells = [p.finished ? barWidth : 0, 0, p.finished ? 0 : barWidth]
        }
        screen.put("[", row: row, col: col, style: CellStyle(.dim))
        var c = col + 1
        let parts: [(Character, CellStyle)] = [("█", CellStyle(.good)), ("▓", CellStyle(.warn)), ("░", CellStyle(.dim))]
        for (n, (ch, style)) in zip(cells, parts) where n > 0 {
            c += screen.put(String(repeating: ch, count: n), row: row, col: c, style: style)
        }
        screen.put("]", row: row, col: c, style: CellStyle(.dim))
        screen.put(label, row: row, col: c + 1, style: CellStyle(bold: true))
    }

    /// The charts stacked in `area`, each with as many rows as it needs while rows last;
    /// a chart cut short says how many labels it leaves out.
    static func drawCharts(_ charts: [Chart], total: Int, in area: Rect, into screen: inout Screen) {
        guard area.height > 0 else { return }
        if total == 0 {
            screen.put("no reachable peer yet: the charts fill as peers answer", row: area.row, col: area.col, style: CellStyle(.dim), limit: area.width)
            return
        }
        let heights = share(area.height, needs: charts.map { 1 + max(1, $0.rows.count) + 1 })
        let labelWidth = min(32, max(8, charts.flatMap { $0.rows.map(\.label.count) }.max() ?? 8))
        var row = area.row
        for (chart, height) in zip(charts, heights) where height > 0 {
            screen.put(chart.title, row: row, col: area.col, style: CellStyle(.accent, bold: true), limit: area.width)
            let room = height - 2
            var shown = chart.rows.prefix(max(0, room))
            if chart.rows.count > room, room > 0 { shown = chart.rows.prefix(room - 1) }
            let maxCount = chart.rows.first?.count ?? 1
            let countWidth = String(maxCount).count
            let barWidth = max(1, area.width - labelWidth - countWidth - 7)
            for (i, item) in shown.enumerated() {
                let r = row + 1 + i
                screen.putField(item.label, row: r, col: area.col, width: labelWidth)
                let bar = Self.bar(item.count, of: maxCount, width: barWidth)
                screen.put(bar, row: r, col: area.col + labelWidth + 1, style: CellStyle(.good))
                let percent = total > 0 ? item.count * 100 / total : 0
                let text = Screen.fit(String(item.count), countWidth, alignRight: true) + Screen.fit("\(percent)%", 5, alignRight: true)
                screen.put(text, row: r, col: area.col + labelWidth + 2 + barWidth, limit: area.right - (area.col + labelWidth + 2 + barWidth))
            }
            if chart.rows.count > shown.count, room > 0 {
                let rest = chart.rows.dropFirst(shown.count)
                let text = "… \(rest.count) more (\(rest.reduce(0) { $0 + $1.count }) peers)"
                screen.put(text, row: row + 1 + shown.count, col: area.col, style: CellStyle(.dim), limit: area.width)
            }
            row += height
        }
    }

    /// A bar of `count` scaled so `maxCount` fills `width` cells, in eighths of a cell;
    /// any count above zero shows at least an eighth.
    static func bar(_ count: Int, of maxCount: Int, width: Int) -> String {
        guard count > 0, maxCount > 0, width > 0 else { return "" }
        let eighths = max(1, min(width * 8, (count * width * 8 + maxCount / 2) / maxCount))
        let partials: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var s = String(repeating: "█", count: eighths / 8)
        if eighths % 8 > 0 { s.append(partials[eighths % 8 - 1]) }
        return s
    }

    /// Splits `rows` among parts that need `needs` rows: each gets what it needs while rows
    /// last, in order; a part that cannot have its heading, one row and a gap gets none.
    static func share(_ rows: Int, needs: [Int]) -> [Int] {
        var left = rows
        var out = [Int](repeating: 0, count: needs.count)
        // First a fair share each (at least heading + one row), then the rest in order.
        let fair = needs.isEmpty ? 0 : max(3, rows / needs.count)
        for (i, need) in needs.enumerated() {
            let give = min(need, fair, left)
            out[i] = give >= 3 ? give : 0
            left -= out[i]
        }
        for (i, need) in needs.enumerated() where out[i] < need && left > 0 {
            let extra = min(need - out[i], left)
            if out[i] + extra >= 3 {
                left -= extra
                out[i] += extra
            }
        }
        return out
    }
}
