import NodeHarness
import Foundation
import Testing
@testable import BitcoinWire

/// Hex without error handling, for literals in tests.
func hex(_ text: String) -> [UInt8] {
    (try? Hex.decode(text)) ?? []
}

/// A frame vector from a file in Vectors/.
struct FrameVector: CustomTestStringConvertible, Sendable {
    var name: String
    var command: String
    var bytes: [UInt8]
    var testDescription: String { name }
}

enum Vectors {
    /// Lines `<name> <command> <hex>` (documented) or `<command> <hex>` (captured).
    static func load(_ file: String) -> [FrameVector] {
        guard let url = Bundle.module.url(forResource: file, withExtension: "txt", subdirectory: "Vectors"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { return [] }
        var out: [FrameVector] = []
        for (n, line) in text.split(separator: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: " ").map(String.init)
            guard parts.count >= 2, let last = parts.last else { continue }
            let name = parts.count >= 3 ? parts[0] : "\(file):\(n + 1) \(parts[0])"
            let command = parts.count >= 3 ? parts[1] : parts[0]
            out.append(FrameVector(name: name, command: command, bytes: hex(last)))
        }
        return out
    }

    static let documented = load("documented-frames")
    static let captured = load("captured-bsv-regtest")
    /// The BSV regtest magic of the captured frames.
    static let bsvRegtest = Magic(0xda, 0xb5, 0xbf, 0xfa)
}

let zeroHash = [UInt8](repeating: 0, count: 32)
func hash(_ seed: UInt8) -> [UInt8] { (0..<32).map { UInt8(truncatingIfNeeded: Int($0) * 7 + Int(seed)) } }

/// The Tor v3 example address of Tor's rend-spec-v3 ("Encoding onion addresses"), and its
/// public key: the first 32 bytes of the base32-decoded address.
let torV3Example = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"
let torV3ExampleKey = hex("79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f")

let sampleVersion = VersionMessage(
    version: 70016, services: [.network, .witness, .networkLimited], timestamp: 1_714_564_800,
    receiver: NetworkAddress(services: .network, ip: IPAddress("203.0.113.7") ?? .unspecified, port: 8333),
    sender: NetworkAddress(services: [], ip: IPAddress("2001:db8::1") ?? .unspecified, port: 18444),
    nonce: 0x0123_4567_89ab_cdef, userAgent: "/verack:0.1.0/", startHeight: 871_234, relay: true)

/// One or more values of every ``Message`` case.
let sampleMessages: [Message] = {
    var noRelay = sampleVersion
    noRelay.version = 60002
    noRelay.relay = nil
    var extra = sampleVersion
    extra.extra = [0xde, 0xad, 0xbe, 0xef]
    let addrv2: [AddrV2Entry] = [
        AddrV2Entry(time: 1_700_000_000, services: .network, networkID: 1, address: [192, 0, 2, 1], port: 8333),
        AddrV2Entry(time: 1_700_000_001, services: [.network, .witness], networkID: 2,
                    address: IPAddress("2001:db8:85a3::8a2e:370:7334")?.bytes ?? [], port: 8333),
        AddrV2Entry(time: 1_700_000_002, services: .p2pV2, networkID: 4, address: torV3ExampleKey, port: 8333),
        AddrV2Entry(time: 1_700_000_003, services: [], networkID: 5,
                    address: hex("a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87"), port: 0),
        AddrV2Entry(time: 1_700_000_004, services: ServiceFlags(rawValue: 0x1_0000_0409), networkID: 6,
                    address: IPAddress("fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa")?.bytes ?? [], port: 8333),
        AddrV2Entry(time: 1_700_000_005, services: [], networkID: 42, address: [1, 2, 3], port: 1),
    ]
    let items = [
        InventoryItem(type: InventoryItem.tx, hash: hash(1)),
        InventoryItem(type: InventoryItem.block | InventoryItem.witnessFlag, hash: hash(2)),
        InventoryItem(type: InventoryItem.wtx, hash: hash(3)),
    ]
    let header = BlockHeader(version: 0x2000_0000, previousBlock: hash(4), merkleRoot: hash(5),
                             timestamp: 1_714_564_800, bits: 0x1703_4219, nonce: 0xdead_beef)
    return [
        .version(sampleVersion), .version(noRelay), .version(extra),
        .verack, .ping(nonce: 0x1122_3344_5566_7788), .pong(nonce: 0), .sendheaders,
        .sendcmpct(announce: true, version: 2), .sendcmpct(announce: false, version: 1),
        .feefilter(feerate: 1000), .wtxidrelay, .sendaddrv2, .getaddr,
        .addr([
            TimestampedAddress(time: 1_700_000_000, address: NetworkAddress(services: .network, ip: IPAddress("198.51.100.9") ?? .unspecified, port: 8333)),
            TimestampedAddress(time: 1_700_000_100, address: NetworkAddress(services: [.network, .witness], ip: IPAddress("2001:db8::2") ?? .unspecified, port: 8334)),
        ]),
        .addr([]),
        .addrv2(addrv2),
        .inv(items), .getdata(items), .notfound([items[0]]), .inv([]),
        .getheaders(BlockLocator(hashes: [hash(6), hash(7)], hashStop: zeroHash)),
        .getblocks(BlockLocator(version: 70015, hashes: [hash(8)], hashStop: hash(9))),
        .headers([header, header]), .headers([]),
        .mempool,
        .reject(RejectMessage(message: "tx", code: 0x10, reason: "bad-txns-inputs-missingorspent", data: hash(10))),
        .reject(RejectMessage(message: "version", code: 0x11, reason: "obsolete")),
        .unknown(command: "authch", payload: [1, 2, 3, 4, 5]),
        .block(SyntheticBlock.make(transactions: 3)),
        .tx(SyntheticBlock.make(transactions: 2).transactions[1]),
        .tx(SyntheticBlock.make(transactions: 1).transactions[0]),
        composed("getblocktxn \(String(repeating: "ab", count: 32)) 0 5 6 10"),
        .blocktxn(BlockTransactions(blockHash: .zero, transactions: SyntheticBlock.make(transactions: 2).transactions)),
        .cmpctblock(CompactBlock(
            header: SyntheticBlock.make(transactions: 2).header, nonce: 42, shortIDs: [0x0605_0403_0201],
            prefilled: [PrefilledTransaction(index: 0, transaction: SyntheticBlock.make(transactions: 1).transactions[0])])),
        .unknown(command: "protoconf", payload: hex("0200000001000000")[...]),
        .unknown(command: "x", payload: []),
        .filterclear,
        composed("filterload 00ff01 5 7 all"),
        composed("filteradd 0102030405"),
        composed("getcfilters basic 100 \(String(repeating: "ab", count: 32))"),
        composed("getcfheaders basic 100 \(String(repeating: "cd", count: 32))"),
        composed("getcfcheckpt 0 \(String(repeating: "ef", count: 32))"),
        composed("sendtxrcncl 1 12345"),
        composed("feature abcd 0102"),
        .cfilter(CFilterMessage(filterType: 0, blockHash: [UInt8](repeating: 7, count: 32), filter: [2, 0xaa, 0xbb])),
        .cfheaders(CFHeadersMessage(filterType: 0, stopHash: [UInt8](repeating: 1, count: 32), previousFilterHeader: [UInt8](repeating: 2, count: 32), filterHashes: [[UInt8](repeating: 3, count: 32)])),
        .cfcheckpt(CFCheckptMessage(filterType: 0, stopHash: [UInt8](repeating: 4, count: 32), filterHeaders: [[UInt8](repeating: 5, count: 32)])),
        .merkleblock(MerkleBlockMessage(
            header: BlockHeader(version: 1, previousBlock: [UInt8](repeating: 0, count: 32), merkleRoot: DoubleSHA256.hash([UInt8](repeating: 9, count: 64)), timestamp: 1, bits: 0x207fffff, nonce: 2),
            tree: PartialMerkleTree(totalTransactions: 1, hashes: [DoubleSHA256.hash([UInt8](repeating: 9, count: 64))], flags: [1]))),
    ]
}()

/// The name of a case, by an exhaustive switch: a new case without a sample fails to compile
/// here, and the coverage test then asks for a sample.
func caseName(_ m: Message) -> String {
    switch m {
    case .version: return "version"
    case .verack: return "verack"
    case .ping: return "ping"
    case .pong: return "pong"
    case .sendheaders: return "sendheaders"
    case .filterclear: return "filterclear"
    case .merkleblock: return "merkleblock"
    case .filterload: return "filterload"
    case .filteradd: return "filteradd"
    case .getcfilters: return "getcfilters"
    case .cfilter: return "cfilter"
    case .getcfheaders: return "getcfheaders"
    case .cfheaders: return "cfheaders"
    case .getcfcheckpt: return "getcfcheckpt"
    case .cfcheckpt: return "cfcheckpt"
    case .sendtxrcncl: return "sendtxrcncl"
    case .feature: return "feature"
    case .tx: return "tx"
    case .block: return "block"
    case .cmpctblock: return "cmpctblock"
    case .getblocktxn: return "getblocktxn"
    case .blocktxn: return "blocktxn"
    case .sendcmpct: return "sendcmpct"
    case .feefilter: return "feefilter"
    case .wtxidrelay: return "wtxidrelay"
    case .sendaddrv2: return "sendaddrv2"
    case .getaddr: return "getaddr"
    case .addr: return "addr"
    case .addrv2: return "addrv2"
    case .inv: return "inv"
    case .getdata: return "getdata"
    case .notfound: return "notfound"
    case .getheaders: return "getheaders"
    case .getblocks: return "getblocks"
    case .headers: return "headers"
    case .mempool: return "mempool"
    case .reject: return "reject"
    case .unknown: return "unknown"
    }
}

/// Every frame the stream tests use: samples on mainnet plus the documented vectors.
let mainnetFrames: [[UInt8]] =
    sampleMessages.map { FrameEncoder.encode($0, magic: Network.mainnet.magic) } + Vectors.documented.map(\.bytes)

/// Frames with the same bytes: raw, header, offset, checksum and message.
func sameFrames(_ a: [Frame], _ b: [Frame]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy {
        $0.raw == $1.raw && $0.header == $1.header && $0.streamOffset == $1.streamOffset
            && $0.payloadChecksum == $1.payloadChecksum && $0.message == $1.message
    }
}

/// Feeds `chunks` one by one, collecting frames after each.
func decodeAll(_ chunks: [[UInt8]], magic: Magic = Network.mainnet.magic) throws -> (frames: [Frame], decoder: FrameDecoder) {
    var decoder = FrameDecoder(magic: magic)
    var frames: [Frame] = []
    for chunk in chunks {
        decoder.feed(chunk)
        while let frame = try decoder.next() { frames.append(frame) }
    }
    return (frames, decoder)
}

/// A message made by the composer from its text form (`filterload 00ff 5 7 all`).
func composed(_ line: String) -> Message {
    let words = line.split(separator: " ").map(String.init)
    guard let c = try? MessageComposer.compose(words, network: .regtest), let command = Command(validating: c.command),
          let m = try? Message.decode(command: command, payload: c.payload[...]) else { return .unknown(command: "bad", payload: []) }
    return m
}
