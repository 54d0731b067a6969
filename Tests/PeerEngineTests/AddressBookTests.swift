import BitcoinWire
import Dispatch
import Foundation
import Testing
@testable import PeerEngine

@Suite("AddressBook")
struct AddressBookTests {
    let now: UInt32 = 1_750_000_000

    func v4(_ a: UInt8, _ b: UInt8, port: UInt16 = 8333, time: UInt32? = nil) -> TimestampedAddress {
        TimestampedAddress(time: time ?? now - 60, address: NetworkAddress(services: [.network], ip: IPAddress(bytes: [10, 0, a, b]), port: port))
    }

    /// Past the four peers kept, the count goes on; the ids are the first four.
    @Test func keepsTheFirstFourReportersAndCountsTheRest() {
        let book = AddressBook()
        for peer in 1...6 { _ = book.take(.addr([v4(1, 1)]), from: peer, now: now) }
        let e = book.entry(AddressKey(v4(1, 1).address))
        #expect(e?.reports == 6)
        #expect(e.map(book.reporters) == ["peer 1", "peer 2", "peer 3", "peer 4"])
        // Engine peer ids past 32 bits (a console crawl's) are their own reporters.
        book.name(peer: 1 << 32 | 1, address: "10.3.3.3:8333")
        _ = book.take(.addr([v4(1, 2)]), from: 1 << 32 | 1, now: now)
        _ = book.take(.addr([v4(1, 2)]), from: 1, now: now)
        #expect(book.entry(AddressKey(v4(1, 2).address)).map(book.reporters) == ["10.3.3.3:8333", "peer 1"])
    }

    @Test func keepsEachAddressOnceWhoeverTellsIt() {
        let book = AddressBook()
        let list = (0..<10).map { v4(0, UInt8($0)) }
        #expect(book.take(.addr(list), from: 1, now: now) == AddressBook.Intake(added: 10))
        #expect(book.take(.addr(list), from: 2, now: now) == AddressBook.Intake(updated: 10))
        // The same IPv4 address in addrv2 is the same entry.
        let v2 = AddrV2Entry(time: now, services: [.network], networkID: 1, address: [10, 0, 0, 3], port: 8333)
        #expect(book.take(.addrv2([v2]), from: 3, now: now)?.updated == 1)
        #expect(book.count == 10)
        let e = book.entry(AddressKey(v4(0, 3).address))
        #expect(e?.reports == 3)
        #expect(e.map(book.reporters) == ["peer 1", "peer 2", "peer 3"])
        // Peer 1 telling it again is not another peer.
        _ = book.take(.addrv2([v2]), from: 1, now: now)
        #expect(book.entry(AddressKey(v4(0, 3).address))?.reports == 3)
        #expect(e?.lastSeen == now)
        #expect(e?.state == .untried)
        #expect(e?.key.description == "10.0.0.3:8333")
    }

    @Test func holdsItsCapacityAndEvictsUntriedFirst() {
        let book = AddressBook(capacity: 100, maxPerPeer: .max)
        let tried = AddressKey(v4(9, 9).address)
        book.record(.reachable(userAgent: "/x/", version: 70016, height: 1), for: tried, now: now)
        for chunk in 0..<20 {
            book.take(.addr((0..<250).map { v4(UInt8(chunk), UInt8($0)) }), from: chunk, now: now)
            #expect(book.count <= 100)
        }
        #expect(book.count == 100)
        #expect(book.entry(tried)?.state == .reachable(userAgent: "/x/", version: 70016, height: 1))
    }

    @Test func refusesMoreThanAThousandEntries() {
        let book = AddressBook()
        let intake = book.take(.addr((0..<1001).map { v4(UInt8($0 >> 8), UInt8($0 & 255)) }), from: 1, now: now)
        #expect(intake?.refused?.contains("1001 addresses") == true)
        #expect(book.count == 0)
    }

    @Test func clampsTimesInTheFutureAsCoreDoes() {
        let book = AddressBook()
        book.take(.addr([v4(0, 1, time: now + 86_400), v4(0, 2, time: now + 300), v4(0, 3, time: 5)]), from: 1, now: now)
        #expect(book.entry(AddressKey(v4(0, 1).address))?.lastSeen == now - 5 * 86_400)
        #expect(book.entry(AddressKey(v4(0, 2).address))?.lastSeen == now + 300)
        #expect(book.entry(AddressKey(v4(0, 3).address))?.lastSeen == now - 5 * 86_400)
    }

    @Test func keepsUnknownNetworksAsUnknown() throws {
        let book = AddressBook()
        let odd = AddrV2Entry(time: now, services: [], networkID: 42, address: [1, 2, 3, 4, 5, 6, 7], port: 1)
        let huge = AddrV2Entry(time: now, services: [], networkID: 43, address: [UInt8](repeating: 1, count: 64), port: 1)
        let intake = book.take(.addrv2([odd, huge]), from: 1, now: now)
        #expect(intake?.added == 1)
        #expect(intake?.ignored == 1)
        let key = try #require(AddressKey(networkID: 42, bytes: odd.address, port: 1))
        #expect(book.entry(key)?.key.networkName == "unknown")
        #expect(key.bytes == odd.address)
        #expect(!key.isDialable)
    }

    @Test(arguments: 0...33) func keysKeepEveryAddressLengthUpTo32Bytes(length: Int) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: 0xa0 + $0 * 7) }
        guard let key = AddressKey(networkID: 9, bytes: bytes, port: 0x1234) else {
            #expect(length > AddressKey.maxLength)
            return
        }
        #expect(key.bytes == bytes)
        #expect(key.port == 0x1234 && key.networkID == 9)
        // A key differs from one whose last byte differs.
        if let last = bytes.last {
            #expect(AddressKey(networkID: 9, bytes: bytes.dropLast() + [last ^ 1], port: 0x1234) != key)
        }
    }

    @Test func evictsTheSameEntriesForTheSameSeed() {
        func run(seed: UInt64) -> [AddressKey] {
            let book = AddressBook(capacity: 16, maxPerPeer: .max, seed: seed)
            for chunk in 0..<4 { book.take(.addr((0..<40).map { v4(UInt8(chunk), UInt8($0), time: now - UInt32($0)) }), from: 1, now: now) }
            #expect(book.count == 16)
            return book.snapshot().entries.map(\.key)
        }
        #expect(run(seed: 7) == run(seed: 7))
        #expect(Set(run(seed: 7)) != Set(run(seed: 8)))
    }

    @Test func boundsWhatOnePeerMayAdd() {
        let book = AddressBook(maxPerPeer: 1500)
        for chunk in 0..<3 {
            book.take(.addr((0..<1000).map { v4(UInt8(chunk), UInt8($0 & 255), port: UInt16(1000 + $0)) }), from: 7, now: now)
        }
        #expect(book.count == 1500)
        #expect(book.ignored(from: 7) == 1500)
        book.forget(peer: 7)
        #expect(book.ignored(from: 7) == 0)
    }

    @Test func snapshotOrdersDialableUntriedNewestFirstThenTriedThenTheRest() throws {
        let book = AddressBook()
        let onion = AddrV2Entry(time: now, services: [], networkID: 4, address: [UInt8](repeating: 7, count: 32), port: 8333)
        book.take(.addrv2([onion]), from: 1, now: now)
        book.take(.addr([v4(0, 1, time: now - 100), v4(0, 2, time: now - 10), v4(0, 3, time: now - 50)]), from: 1, now: now)
        book.record(.failed(reason: "refused"), for: AddressKey(v4(0, 2).address), now: now)
        let snap = book.snapshot()
        #expect(snap.entries.map(\.key.description) == [
            "10.0.0.3:8333", "10.0.0.1:8333", "10.0.0.2:8333",
            "\(onion.addressText):8333",
        ])
        #expect(snap.known == 4)
        #expect(snap.tried == 1)
        #expect(snap.reachable == 0)
        #expect(snap.byNetwork == ["ipv4": 3, "torv3": 1])
        #expect(book.snapshot(limit: 0).entries.isEmpty)
    }

    @Test func takesEntriesFromManyThreadsAtOnce() {
        let book = AddressBook()
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for chunk in 0..<4 {
                book.take(.addr((0..<250).map { v4(UInt8(t * 4 + chunk), UInt8($0)) }), from: t, now: now)
                _ = book.snapshot(limit: 10)
            }
        }
        #expect(book.count == 8 * 4 * 250)
    }

    @Test func theEngineFeedsItsBookFromGossip() {
        let engine = PeerEngine(configuration: EngineConfiguration(network: .regtest, userAgent: "/t/")) { _ in }
        engine.learn(from: .addr([v4(1, 1)]), peer: 3, address: "10.5.5.5:8333")
        #expect(engine.addressBook.count == 1)
        // The snapshot a front end gets names the peer that told us.
        let snapshot = engine.addressBook.snapshot(limit: 10)
        #expect(snapshot.reporters(of: snapshot.entries[0]) == ["10.5.5.5:8333"])
        // Other messages teach it nothing, not even a name.
        engine.learn(from: .ping(nonce: 1), peer: 4, address: "10.5.5.6:8333")
        #expect(engine.addressBook.count == 1)
    }
}

/// The `auto` transport reads the address book: an `addr` entry offering NODE_P2P_V2 is
/// dialled in v2 (with its one v1 retry), any other address in v1.
struct AutoTransportFromTheBookTests {
    @Test func gossipedV2ServicesChooseV2() throws {
        let events = EventCollector()
        let engine = events.makeEngine { $0.transport = .auto }
        defer { engine.shutdown() }
        let now = UInt32(clamping: Int(Date().timeIntervalSince1970))
        let v2 = NetworkAddress(services: [.network, .p2pV2], ip: IPAddress(bytes: [10, 1, 2, 3]), port: 8333)
        let v1 = NetworkAddress(services: [.network], ip: IPAddress(bytes: [10, 1, 2, 4]), port: 8333)
        engine.learn(from: .addr([TimestampedAddress(time: now - 60, address: v2), TimestampedAddress(time: now - 60, address: v1)]), peer: 1, address: "10.5.5.5:8333")
        let endpoint = try Endpoint.parse("10.1.2.3:8333", defaultPort: 8333).get()
        #expect(engine.outboundTransport(for: endpoint, asked: nil) == .v2(fallback: true))
        #expect(engine.outboundTransport(for: try Endpoint.parse("10.1.2.4:8333", defaultPort: 8333).get(), asked: nil) == .v1)
        #expect(engine.outboundTransport(for: try Endpoint.parse("10.9.9.9:8333", defaultPort: 8333).get(), asked: nil) == .v1)
        #expect(engine.outboundTransport(for: endpoint, asked: .v1) == .v1)
    }
}
