import BitcoinWire
import PeerEngine

/// `addresses`: `addr` and `addrv2` payloads into a small ``AddressBook`` (made per input: an
/// empty book of at most 32 entries costs next to nothing, and a small bound is reached and
/// evicted from within one input). The input is a script:
///
///     book (1 byte): capacity 1 + low 5 bits; bits 5-7 pick the per-peer bound
///     then ops until the end, each one byte (low two bits the kind, bits 3-5 a peer 0-7):
///       0  addr:    payload length (1 byte, or 2 with bit 2), payload;
///                   bit 6 also offers the decoded entries repeated past 1,000 (refused whole)
///       1  addrv2:  as addr
///       2  record:  entry (1 byte, an index into the keys offered so far), bits 6-7 the state
///                   (untried, reachable, failed, failed) recorded for it
///       3  forget:  the peer's per-connection count (bit 6: note the entry first)
///
/// Properties: a payload whose leading count is over 1,000 does not decode; a decoded
/// payload re-encodes to the same bytes, and every key keeps its network id, address bytes
/// and port (`addr`'s IPv4-mapped addresses become IPv4; an unknown `addrv2` id stays
/// unknown, an address over 32 bytes has no key); a known network with another length does
/// not decode. The book: a message of over 1,000 entries is refused whole and changes
/// nothing; otherwise added + updated + ignored is the entry count, keys without a key are
/// ignored, the peer's ignored count grows by what was ignored, gossip never grows the book
/// past its capacity (a recorded try grows it by at most one), and when there was room and
/// nothing was ignored every entry is in the book, seen no earlier than it says (times
/// clamped as Core does). At the end, each peer's ignored count is the sum of its intakes
/// since it was forgotten, and `counts()` agrees with `snapshot()`, whose entries are the
/// book's, once each, in the default order, counted by network.
enum AddressesTarget {
    static let now: UInt32 = 1_750_000_000
    static let perPeerBounds = [Int.max, 1, 2, 3, 8, 40, 1000, 2000]
    static let states: [AddressState] = [
        .untried, .reachable(userAgent: "/fuzz/", version: 70016, height: 1), .failed(reason: "refused"), .failed(reason: "timeout"),
    ]

    static func run(_ input: UnsafeRawBufferPointer) {
        var reader = InputReader(input)
        let first = reader.byte()
        let book = AddressBook(capacity: 1 + Int(first & 31), maxPerPeer: perPeerBounds[Int(first >> 5)], seed: 10)
        var ignoredByPeer = [Int](repeating: 0, count: 8)
        /// Keys offered so far (the last 64), for record to pick from.
        var offered: [AddressKey] = []

        while !reader.isAtEnd {
            let op = reader.byte()
            let peer = Int(op >> 3) & 7
            switch op & 3 {
            case 0, 1:
                let count = op & 4 != 0 ? reader.uint16() : Int(reader.byte())
                let payload = Array(reader.take(count))
                guard let (message, entries) = decode(payload, v2: op & 1 != 0) else { break }
                let intake = offer(message, entries: entries, to: book, from: peer)
                ignoredByPeer[peer] += intake.ignored
                if offered.count < 64 { offered += entries.lazy.compactMap(\.key).prefix(64 - offered.count) }
                if op & 0x40 != 0 { offerTooMany(message, entries: entries, to: book, from: peer, repeat: Int(op >> 7)) }
            case 2:
                let before = book.count
                let which = Int(reader.byte())
                let state = states[Int(op >> 6)]
                let key = offered.isEmpty ? AddressKey(networkID: 1, bytes: [10, 0, 0, UInt8(which)], port: 8333)! : offered[which % offered.count]
                book.record(state, for: key, now: now)
                check(book.entry(key)?.state == state, "record did not set the state of \(key)")
                check(book.count <= before + 1, "record grew the book by \(book.count - before)")
            default:
                if op & 0x40 != 0 {
                    let key = AddressKey(networkID: UInt8(peer), bytes: [UInt8](repeating: op, count: peer), port: UInt16(op))!
                    let before = book.count
                    book.note(key, now: now)
                    check(book.count <= Swift.max(before, book.capacity), "note grew the book past its capacity")
                }
                book.forget(peer: peer)
                ignoredByPeer[peer] = 0
            }
        }
        // Once per input: a snapshot per op cost four fifths of the time (profiled), and a
        // book that went wrong on the way stays wrong at the end.
        for p in 0..<8 {
            check(book.ignored(from: p) == ignoredByPeer[p], "peer \(p): \(book.ignored(from: p)) ignored, the intakes said \(ignoredByPeer[p])")
        }
        checkConsistent(book)
    }

    /// Decodes and checks the codec's properties; nil when the payload does not decode.
    /// With the message, each entry's key (nil: over 32 bytes) and time.
    static func decode(_ payload: [UInt8], v2: Bool) -> (Message, [(key: AddressKey?, time: UInt32)])? {
        let command: Command = v2 ? .addrv2 : .addr
        let message: Message
        do {
            message = try Message.decode(command: command, payload: payload[...])
        } catch {
            return nil
        }
        if let count = leadingCount(payload) {
            check(count <= UInt64(AddrLimits.maxEntries), "\(command) of \(count) entries decoded")
        }
        check(message.encodePayload() == payload, "\(command): re-encoding changed the bytes")
        var entries: [(key: AddressKey?, time: UInt32)] = []
        switch message {
        case let .addr(list):
            entries.reserveCapacity(list.count)
            for e in list {
                let key = AddressKey(e.address)
                entries.append((key, e.time))
                check(key.port == e.address.port, "addr: the key changed the port")
                if let v4 = e.address.ip.ipv4 {
                    check(key.networkID == 1 && key.bytes == v4, "addr: an IPv4-mapped address keyed as \(key.networkID)")
                } else {
                    check(key.networkID == 2 && key.bytes == e.address.ip.bytes, "addr: an IPv6 address keyed as \(key.networkID)")
                }
            }
        case let .addrv2(list):
            entries.reserveCapacity(list.count)
            for e in list {
                if let network = AddrV2Network(rawValue: e.networkID) {
                    check(e.address.count == network.addressLength, "addrv2: \(network.name) of \(e.address.count) bytes decoded")
                }
                let key = AddressKey(networkID: e.networkID, bytes: e.address, port: e.port)
                entries.append((key, e.time))
                guard let key else {
                    check(e.address.count > AddressKey.maxLength, "addrv2: no key for \(e.address.count) bytes")
                    continue
                }
                check(key.networkID == e.networkID && key.bytes == e.address && key.port == e.port, "addrv2: the key changed the entry")
                check((key.network == nil) == (key.networkName == "unknown"), "addrv2: network \(e.networkID) named \(key.networkName)")
            }
        default:
            violated("\(command) decoded as \(message.command)")
        }
        return (message, entries)
    }

    /// The payload's first CompactSize, if it is all there.
    static func leadingCount(_ payload: [UInt8]) -> UInt64? {
        guard let first = payload.first else { return nil }
        let size = first < 0xfd ? 0 : first == 0xfd ? 2 : first == 0xfe ? 4 : 8
        guard payload.count > size else { return nil }
        if size == 0 { return UInt64(first) }
        var value: UInt64 = 0
        for i in (1...size).reversed() { value = value << 8 | UInt64(payload[i]) }
        return value
    }

    static func offer(_ message: Message, entries: [(key: AddressKey?, time: UInt32)], to book: AddressBook, from peer: Int) -> AddressBook.Intake {
        let before = book.count
        let ignoredBefore = book.ignored(from: peer)
        guard let intake = book.take(message, from: peer, now: now) else { violated("take refused an addr message as another kind") }
        check(intake.refused == nil, "\(entries.count) entries refused: \(intake.refused ?? "")")
        check(intake.added + intake.updated + intake.ignored == entries.count,
              "\(intake.added) added + \(intake.updated) updated + \(intake.ignored) ignored of \(entries.count)")
        check(intake.ignored >= entries.count { $0.key == nil }, "entries without a key were not all ignored")
        check(book.ignored(from: peer) == ignoredBefore + intake.ignored, "the peer's ignored count does not follow the intake")
        check(book.count <= Swift.max(before, book.capacity), "gossip grew the book to \(book.count) (capacity \(book.capacity), was \(before))")
        check(book.count <= before + intake.added, "the book grew by more than it added")
        if intake.ignored == 0 && before + entries.count <= book.capacity {
            for (key, time) in entries {
                guard let key, let entry = book.entry(key) else { violated("an entry taken with room to spare is not in the book") }
                let clamped = time <= 100_000_000 || UInt64(time) > UInt64(now) + 600 ? now - 5 * 86_400 : time
                check(entry.lastSeen >= clamped, "\(key): seen \(entry.lastSeen), gossip said \(clamped)")
                if key.network == nil { check(entry.key.networkName == "unknown", "an unknown network id was not kept as unknown") }
            }
        }
        return intake
    }

    /// The same entries repeated past 1,000: refused whole, the book unchanged.
    static func offerTooMany(_ message: Message, entries: [(key: AddressKey?, time: UInt32)], to book: AddressBook, from peer: Int, repeat extra: Int) {
        let over: Message
        let n = AddrLimits.maxEntries + 1 + extra
        switch message {
        case let .addr(list) where !list.isEmpty: over = .addr((0..<n).map { list[$0 % list.count] })
        case let .addrv2(list) where !list.isEmpty: over = .addrv2((0..<n).map { list[$0 % list.count] })
        default: return
        }
        // The entries of the message itself tell whether it changed anything: a refused
        // message neither adds nor updates them (a snapshot before and after cost more than
        // the rest of the input).
        let probe = entries.lazy.compactMap(\.key).prefix(4).map { ($0, book.entry($0)) }
        let (count, counts, ignoredBefore) = (book.count, book.counts(), book.ignored(from: peer))
        let intake = book.take(over, from: peer, now: now)
        check(intake?.refused != nil && intake?.ignored == n && intake?.added == 0 && intake?.updated == 0, "\(n) entries were not refused whole")
        let after = book.counts()
        check(book.count == count && after.tried == counts.tried && after.reachable == counts.reachable, "a refused message changed the book's counts")
        for (key, entry) in probe { check(book.entry(key) == entry, "a refused message changed \(key)") }
        check(book.ignored(from: peer) == ignoredBefore, "a refused message counted against the peer's bound")
    }

    static func checkConsistent(_ book: AddressBook) {
        let counts = book.counts()
        let snapshot = book.snapshot()
        check(counts.known == snapshot.known && counts.tried == snapshot.tried && counts.reachable == snapshot.reachable,
              "counts() \(counts.known)/\(counts.tried)/\(counts.reachable) vs snapshot() \(snapshot.known)/\(snapshot.tried)/\(snapshot.reachable)")
        check(snapshot.known == book.count && snapshot.entries.count == snapshot.known, "the snapshot holds \(snapshot.entries.count) of \(snapshot.known)")
        check(snapshot.byNetwork.values.reduce(0, +) == snapshot.known, "by network adds up to another count")
        check(snapshot.tried == snapshot.entries.count(where: \.isTried), "tried miscounted")
        check(snapshot.reachable <= snapshot.tried, "more reachable than tried")
        var seen = Set<AddressKey>()
        var previous: AddressEntry?
        for entry in snapshot.entries {
            check(seen.insert(entry.key).inserted, "\(entry.key) twice in the book")
            check(book.entry(entry.key) == entry, "the snapshot's \(entry.key) is not the book's")
            // Who told us: distinct, no more than counted, each one named in the snapshot.
            let numbers = entry.reporters.numbers
            check(Set(numbers).count == numbers.count && numbers.count <= Int(entry.reports), "\(entry.key): reporters \(numbers), \(entry.reports) reports")
            check(!snapshot.reporters(of: entry).contains("?"), "\(entry.key): a reporter without a name in the snapshot")
            if let previous {
                let (a, b) = (AddressBookSnapshot.group(of: previous), AddressBookSnapshot.group(of: entry))
                check(a < b || (a == b && previous.lastSeen >= entry.lastSeen), "the snapshot is out of order")
            }
            previous = entry
        }
    }
}

extension AddressesTarget {
    /// Scripts made with the encoders: `addr` (IPv4-mapped and IPv6), `addrv2` with every
    /// BIP155 network, an unknown id, an address over 32 bytes, a known network with a wrong
    /// length; a full book evicting; tries recorded; a message offered past 1,000 entries.
    static func seeds() -> [[UInt8]] {
        func op(_ kind: UInt8, peer: UInt8 = 0, _ payload: [UInt8], extra: UInt8 = 0) -> [UInt8] {
            [kind | 4 | peer << 3 | extra, UInt8(payload.count & 0xff), UInt8(payload.count >> 8)] + payload
        }
        let time = now - 3600
        let v4 = (0..<12).map { i in
            TimestampedAddress(time: time - UInt32(i), address: NetworkAddress(services: [.network], ip: IPAddress(bytes: [10, 0, 0, UInt8(i)]), port: 8333))
        }
        let v6 = TimestampedAddress(time: now + 3600, address: NetworkAddress(services: [.network, .witness], ip: IPAddress(bytes: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]), port: 18444))
        let addr = Message.addr(v4 + [v6]).encodePayload()
        var v2: [AddrV2Entry] = AddrV2Network.allCases.map { network in
            AddrV2Entry(time: time, services: [.network], networkID: network.rawValue,
                        address: (0..<network.addressLength).map { UInt8($0 + Int(network.rawValue)) }, port: 8333)
        }
        v2.append(AddrV2Entry(time: 5, services: ServiceFlags(rawValue: 0x1_0000_0000), networkID: 42, address: [1, 2, 3], port: 0))
        v2.append(AddrV2Entry(time: time, services: [], networkID: 200, address: [UInt8](repeating: 7, count: 33), port: 1))
        let addrv2 = Message.addrv2(v2).encodePayload()
        var wrongLength = Message.addrv2([AddrV2Entry(time: time, services: [], networkID: 1, address: [1, 2, 3, 4], port: 1)]).encodePayload()
        wrongLength[6] = 5  // I2P, 4 bytes
        return [
            [31] + op(0, addr),
            [31] + op(1, addrv2),
            [3] + op(0, addr) + op(1, peer: 1, addrv2) + [0x42, 0] + [0x82, 1] + op(0, peer: 2, addr),
            [0x27] + op(0, peer: 1, addr) + op(0, peer: 1, addr) + [0x0b] + op(0, peer: 1, addr),
            [31] + op(1, wrongLength) + op(1, [0xfd, 0xe9, 0x03] + addrv2.dropFirst()),
            [31] + op(0, addr, extra: 0x40) + op(1, addrv2, extra: 0xc0),
        ]
    }
}
