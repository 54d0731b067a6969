import BitcoinWire
import Foundation
import PeerEngine
import Testing
@testable import ConsoleUI

/// The Addresses view over a real address book: opening, rows, filters, sorts, Enter.
struct AddressesViewTests {
    /// A book with two dialable IPv4 addresses (one reachable), a TorV3 and an I2P address.
    static func book() -> AddressBook {
        let book = AddressBook(capacity: 100)
        let now = UInt32(clamping: Int(Date().timeIntervalSince1970))
        let entries = [
            AddrV2Entry(time: now - 10, services: [.network, .p2pV2], networkID: 1, address: [10, 0, 0, 1], port: 8333),
            AddrV2Entry(time: now - 20, services: [.network], networkID: 1, address: [10, 0, 0, 2], port: 8333),
            AddrV2Entry(time: now - 30, services: [.network], networkID: 4, address: [UInt8](repeating: 7, count: 32), port: 8333),
            AddrV2Entry(time: now - 40, services: [], networkID: 5, address: [UInt8](repeating: 9, count: 32), port: 0),
        ]
        _ = book.take(.addrv2(entries), from: 1, now: now)
        _ = book.take(.addrv2([entries[0]]), from: 6, now: now)
        book.name(peer: 6, address: "10.9.9.6:8333")
        if let key = AddressKey(endpoint: "10.0.0.2:8333") {
            book.record(.reachable(userAgent: "/Satoshi:27.0.0/", version: 70016, height: 900_000), for: key, now: now)
        }
        return book
    }

    @Test func theViewShowsFiltersSortsAndConnects() {
        var m = Fixtures.handshake(width: 120, height: 40)
        let book = Self.book()
        m.updateAddresses(book.counts())
        #expect(m.render().lines[0].contains("addresses 4 known, 1 tried, 1 reachable"))

        #expect(m.type("addresses") == [.refreshAddresses])
        #expect(m.showsAddresses)
        m.updateAddresses(book.snapshot())
        var text = m.render().text
        #expect(text.contains("Addresses 4 known · 1 tried · 1 reachable"))
        let rows = m.render().lines.filter { ["│ipv4", "│torv3", "│i2p"].contains(where: $0.hasPrefix) }
        #expect(rows.count == 4, "\(m.render().text)")
        #expect(rows.first?.contains("10.0.0.1:8333") == true, "dialable untried first: \(rows)")
        // The selected row's line names them: peer 1 by id (never named), 6 by address.
        // (The age is against the wall clock: 10 s, or 11 if a second turned meanwhile.)
        let detail = m.render().lines.first { $0.hasPrefix("│10.0.0.1:8333 · last seen ") }
        #expect(detail?.contains(" ago · told by peer 1, 10.9.9.6:8333 ") == true, "\(text)")
        #expect(text.contains("reachable /Satoshi:27.0.0/"))

        // Enter on the first row dials it; on the onion row, one line says why not.
        #expect(m.press(.enter) == [.engine(.connect("10.0.0.1:8333"))])
        _ = m.press(.down, .down, .enter)
        #expect(m.status?.text.hasSuffix("needs --proxy or --onion") == true, "\(String(describing: m.status))")
        _ = m.press(.down, .enter)
        #expect(m.status?.text.contains("cannot be dialled") == true)

        // n filters by network, v by service bit, s changes the order.
        _ = m.press(.char("n"))
        text = m.render().text
        #expect(text.contains("network: ipv4") && !text.contains(".onion"))
        _ = m.press(.char("v"))
        #expect(m.render().text.contains("service: NETWORK"))
        _ = m.press(.char("s"))
        #expect(m.render().text.contains("sort: most reported"))

        _ = m.press(.esc)
        #expect(!m.showsAddresses && m.detail == nil)
    }

    @Test func theKeyAOpensItAndAConnectedAddressIsRefused() {
        var m = Fixtures.handshake(width: 120, height: 40)
        for _ in 0..<3 where m.focus != .table { _ = m.press(.tab) }
        #expect(m.press(.char("a")) == [.refreshAddresses])
        let book = AddressBook(capacity: 10)
        if let key = AddressKey(endpoint: "127.0.0.1:18444") { book.note(key, now: 1) }
        m.updateAddresses(book.snapshot())
        #expect(m.press(.enter).isEmpty)
        #expect(m.status?.text == "127.0.0.1:18444 is already connected (peer 1)")
        #expect(AddressesState().rows(nil).isEmpty)
    }
}
