import BitcoinWire
import PeerEngine

/// The Addresses view: the address book's copy, its keys, and connecting from it.
extension ConsoleModel {
    /// The host's fresh copy of the address book.
    public mutating func updateAddresses(_ snapshot: AddressBookSnapshot) { addresses = snapshot }

    /// Whether the Addresses view is open (then the host refreshes the book every second).
    public var showsAddresses: Bool { detail == .addresses }

    mutating func openAddresses() -> [ConsoleAction] {
        detail = .addresses
        focus = focus == .commandLine ? .table : focus
        addressesState.selection = 0
        addressesState.top = 0
        return [.refreshAddresses]
    }

    mutating func addressesKey(_ key: Key) -> [ConsoleAction] {
        let rows = addressesState.rows(addresses)
        let page = max(1, layout.detailRows - 1)
        var selection = addressesState.selection
        switch key {
        case .esc, .char("a"):
            closeDetail()
            return []
        case .char("q"), .ctrl("c"): return [.quit]
        case .char(":"):
            focus = .commandLine
            return []
        case .char("?"): showHelp = true
        case .up, .down, .pgUp, .pgDown, .home, .end:
            selection = ScrollWindow.moved(selection, by: key, count: rows.count, page: page) ?? selection
        case .char("s"):
            let all = AddressesState.Sort.allCases
            addressesState.sort = all[((all.firstIndex(of: addressesState.sort) ?? 0) + 1) % all.count]
            selection = 0
        case .char("n"):
            let all = AddressesState.networks
            addressesState.network = all[((all.firstIndex(of: addressesState.network) ?? 0) + 1) % all.count]
            selection = 0
        case .char("v"):
            let all = AddressesState.services
            addressesState.service = all[((all.firstIndex(of: addressesState.service) ?? 0) + 1) % all.count]
            selection = 0
        case .enter:
            guard !rows.isEmpty else {
                showError("no address to connect to")
                return []
            }
            return connect(to: rows[ScrollWindow.clamped(selection, count: rows.count)])
        default:
            return []
        }
        addressesState.selection = ScrollWindow.clamped(selection, count: rows.count)
        addressesState.top = ScrollWindow.top(addressesState.top, showing: addressesState.selection, rows: page)
        return []
    }

    /// Enter in the Addresses view: a connection, or a one-line refusal.
    mutating func connect(to entry: AddressEntry) -> [ConsoleAction] {
        let address = entry.key.description
        if let live = peers.ids.first(where: { id in peers[id].map { $0.address == address && !$0.phase.isEnd } ?? false }) {
            showError("\(address) is already connected (peer \(live))")
            return []
        }
        switch entry.key.networkName {
        case "ipv4", "ipv6":
            showInfo("connecting to \(address)")
            return [.engine(.connect(address))]
        case "torv3":
            showError("\(address) needs --proxy or --onion")
        default:
            showError("\(address) cannot be dialled (\(entry.key.networkName) is not supported)")
        }
        return []
    }
}
