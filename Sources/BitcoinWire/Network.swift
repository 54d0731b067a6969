/// The 4 bytes that start every frame of a network.
public struct Magic: Hashable, Sendable, CustomStringConvertible {
    /// The wire bytes read as a little-endian integer.
    public var value: UInt32

    public init(value: UInt32) { self.value = value }

    /// From the wire bytes, in wire order.
    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        value = UInt32(b0) | UInt32(b1) << 8 | UInt32(b2) << 16 | UInt32(b3) << 24
    }

    /// Parses 8 hex digits written in wire order, as `f9beb4d9`.
    public init(hex: String) throws(WireError) {
        let bytes = try Hex.decode(hex)
        guard bytes.count == 4 else {
            throw .invalidHex(reason: "a magic is 4 bytes (8 hex digits in wire order, as f9beb4d9), got \(bytes.count)")
        }
        self.init(bytes[0], bytes[1], bytes[2], bytes[3])
    }

    /// Wire bytes.
    public var bytes: [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    /// Wire bytes in hex, as `f9beb4d9`.
    public var description: String { Hex.encode(bytes) }
}

/// A Bitcoin network: its magic, its default port and its DNS seeds.
public struct Network: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var magic: Magic
    public var defaultPort: UInt16
    public var dnsSeeds: [String]

    public init(name: String, magic: Magic, defaultPort: UInt16, dnsSeeds: [String] = []) {
        self.name = name
        self.magic = magic
        self.defaultPort = defaultPort
        self.dnsSeeds = dnsSeeds
    }

    public var description: String { name }

    public static let mainnet = Network(
        name: "mainnet", magic: Magic(0xf9, 0xbe, 0xb4, 0xd9), defaultPort: 8333,
        dnsSeeds: [
            "seed.bitcoin.sipa.be", "dnsseed.bluematt.me", "dnsseed.bitcoin.dashjr-list-of-p2p-nodes.us",
            "seed.bitcoinstats.com", "seed.bitcoin.jonasschnelli.ch", "seed.btc.petertodd.net",
            "seed.bitcoin.sprovoost.nl", "dnsseed.emzy.de", "seed.bitcoin.wiz.biz", "seed.mainnet.achownodes.xyz",
        ])
    public static let testnet3 = Network(
        name: "testnet3", magic: Magic(0x0b, 0x11, 0x09, 0x07), defaultPort: 18333,
        dnsSeeds: [
            "testnet-seed.bitcoin.jonasschnelli.ch", "seed.tbtc.petertodd.net",
            "seed.testnet.bitcoin.sprovoost.nl", "testnet-seed.bluematt.me",
        ])
    public static let testnet4 = Network(
        name: "testnet4", magic: Magic(0x1c, 0x16, 0x3f, 0x28), defaultPort: 48333,
        dnsSeeds: ["seed.testnet4.bitcoin.sprovoost.nl", "seed.testnet4.wiz.biz"])
    public static let signet = Network(
        name: "signet", magic: Magic(0x0a, 0x03, 0xcf, 0x40), defaultPort: 38333,
        dnsSeeds: ["seed.signet.bitcoin.sprovoost.nl"])
    public static let regtest = Network(
        name: "regtest", magic: Magic(0xfa, 0xbf, 0xb5, 0xda), defaultPort: 18444)

    /// The genesis block's hash in display order (regtest's for a network known only by its
    /// magic: forks of Core keep it).
    public var genesisHashHex: String {
        switch magic {
        case Network.mainnet.magic: return "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
        case Network.testnet3.magic: return "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"
        case Network.testnet4.magic: return "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"
        case Network.signet.magic: return "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"
        default: return "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
        }
    }

    /// The genesis block's hash in wire order, as a `getheaders` locator holds it.
    public var genesisHash: [UInt8] { ((try? Hex.decode(genesisHashHex)) ?? []).reversed() }

    /// Every named network.
    public static let all: [Network] = [.mainnet, .testnet3, .testnet4, .signet, .regtest]

    /// The network called `name` (`testnet` means testnet3).
    public static func named(_ name: String) -> Network? {
        let key = name.lowercased()
        if key == "testnet" { return .testnet3 }
        if key == "main" { return .mainnet }
        return all.first { $0.name == key }
    }

    /// A network known only by its magic (no seeds); the port defaults to 8333 unless a
    /// named network shares the magic.
    public static func custom(magic: Magic) -> Network {
        if let known = all.first(where: { $0.magic == magic }) { return known }
        return Network(name: "custom-\(magic)", magic: magic, defaultPort: 8333)
    }
}
