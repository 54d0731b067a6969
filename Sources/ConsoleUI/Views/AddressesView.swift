import BitcoinWire
import Foundation
import PeerEngine

/// What the Addresses view shows and how: the book's entries, filtered and sorted by keys.
public struct AddressesState: Equatable, Sendable {
    /// Orders `s` cycles through.
    public enum Sort: String, CaseIterable, Sendable {
        case standard = "dialable untried first"
        case reports = "most reported"
        case network
        case services
    }

    public var sort = Sort.standard
    /// Only this network (`ipv4`, `ipv6`, `torv3`, …); nil for all.
    public var network: String?
    /// Only entries offering this service bit; nil for all.
    public var service: ServiceFlags?
    public var selection = 0
    public var top = 0

    static let networks: [String?] = [nil, "ipv4", "ipv6", "torv3", "i2p", "cjdns", "unknown"]
    static let services: [ServiceFlags?] = [nil] + ServiceFlags.named.map { Optional($0.flag) }

    /// The entries shown, in the chosen order.
    func rows(_ snapshot: AddressBookSnapshot?) -> [AddressEntry] {
        guard let snapshot else { return [] }
        var rows = snapshot.entries.filter { e in
            (network == nil || e.key.networkName == network) && (service.map { e.services.contains($0) } ?? true)
        }
        switch sort {
        case .standard: break
        case .reports: rows.sort { $0.reports > $1.reports }
        case .network: rows.sort { ($0.key.networkID, $0.key.description) < ($1.key.networkID, $1.key.description) }
        case .services: rows.sort { $0.services.rawValue > $1.services.rawValue }
        }
        return rows
    }
}

/// The Addresses view: every address the book knows, one per row.
enum AddressesView {
    static func draw(_ model: ConsoleModel, in rect: Rect, into screen: inout Screen) {
        let state = model.addressesState
        var title = "Addresses"
        if let s = model.addresses { title += " \(s.known) known · \(s.tried) tried · \(s.reachable) reachable" }
        title += " · sort: \(state.sort.rawValue) (s)"
        title += " · network: \(state.network ?? "all") (n)"
        title += " · service: \(state.service.map(serviceName) ?? "any") (v)"
        screen.box(rect, title: title + " · Enter connects · Esc closes", style: CellStyle(.accent, bold: true))
        let inner = rect.inner
        guard inner.height > 1 else { return }
        let columns: [(String, Int)] = [("network", 8), ("address", 40), ("services", 12), ("told", 5), ("state", max(10, inner.width - 69))]
        var x = inner.col
        for (title, width) in columns {
            screen.putField(title, row: inner.row, col: x, width: min(width, max(0, inner.right - x)), style: CellStyle(.accent, bold: true))
            x += width + 1
        }
        let rows = state.rows(model.addresses)
        guard !rows.isEmpty else {
            let text = model.addresses == nil || model.addresses?.known == 0
                ? "no addresses yet: peers send them in addr messages (send ID getaddr asks)"
                : "no address matches the filters (n and v change them)"
            screen.put(text, row: inner.row + 1, col: inner.col, style: CellStyle(.dim))
            return
        }
        // The last row says who told us about the selected address, when there is room.
        let detail = inner.height > 4
        let visible = inner.height - (detail ? 2 : 1)
        let selected = min(state.selection, rows.count - 1)
        if detail, let snapshot = model.addresses {
            screen.put(
                whoTold(rows[selected], snapshot), row: inner.row + inner.height - 1, col: inner.col,
                style: CellStyle(.dim), limit: inner.width)
        }
        let top = min(max(0, min(state.top, selected)), max(0, rows.count - visible))
        let first = selected >= top + visible ? selected - visible + 1 : top
        for r in 0..<visible {
            let i = first + r
            guard i < rows.count else { break }
            let e = rows[i]
            let row = inner.row + 1 + r
            let (stateText, stateStyle) = describe(e.state)
            let cells: [(String, CellStyle)] = [
                (e.key.networkName, e.key.isDialable ? .plain : CellStyle(.dim)),
                (e.key.description, .plain),
                (e.services.shortNames, .plain),
                (String(e.reports), .plain),
                (stateText, stateStyle),
            ]
            var col = inner.col
            for ((text, style), (_, width)) in zip(cells, columns) {
                screen.putField(text, row: row, col: col, width: min(width, max(0, inner.right - col)), style: style)
                col += width + 1
            }
            if i == selected {
                screen.restyle(Rect(row: row, col: inner.col, width: inner.width, height: 1)) { $0.reversed }
            }
        }
    }

    /// `ADDRESS · last seen 3m ago · told by A, B, C and 2 more`.
    static func whoTold(_ e: AddressEntry, _ snapshot: AddressBookSnapshot) -> String {
        // Gossiped times are Unix times: the age is against the wall clock.
        var line = e.key.description + " · last seen " + Format.age(Date().timeIntervalSince1970 - Double(e.lastSeen)) + " ago"
        let names = snapshot.reporters(of: e)
        if names.isEmpty { return line + " · a peer we met or a seed" }
        line += " · told by " + names.joined(separator: ", ")
        let more = Int(e.reports) - names.count
        return more > 0 ? line + " and \(more) more" : line
    }

    static func serviceName(_ flag: ServiceFlags) -> String {
        ServiceFlags.named.first { $0.flag == flag }?.name ?? "\(flag)"
    }

    static func describe(_ state: AddressState) -> (String, CellStyle) {
        switch state {
        case .untried: return ("untried", CellStyle(.dim))
        case let .reachable(userAgent, version, height): return ("reachable \(userAgent) \(version) h=\(height)", CellStyle(.good))
        case let .failed(reason): return ("failed: \(reason)", CellStyle(.bad))
        }
    }
}
