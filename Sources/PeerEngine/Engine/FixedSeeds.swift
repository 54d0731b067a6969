import BitcoinWire

/// Fallback peers for when DNS seeds give nothing: a sample of reachable mainnet nodes
/// from Bitcoin Core's `contrib/seeds/nodes_main.txt` (addresses are facts, listed there
/// with their AS numbers). Other networks have none built in.
enum FixedSeeds {
    static let mainnet: [String] = [
        "2.39.163.191:8333", "3.9.188.44:8333", "5.45.72.11:8333", "5.78.71.173:8333",
        "15.235.82.178:8333", "23.175.0.222:8333", "31.19.205.19:8333", "35.208.62.130:8333",
        "37.60.246.82:8333", "45.88.106.107:8333", "46.23.87.218:8333", "51.154.26.11:8333",
        "62.210.207.63:8333", "64.20.45.42:8333", "67.205.190.143:8333", "77.240.190.41:8333",
        "82.64.49.27:8333", "85.214.161.252:8333", "88.99.71.213:8333", "95.211.152.100:8333",
        "128.2.12.38:8333", "144.126.147.252:8333", "162.55.122.93:8333", "165.22.229.88:8333",
        "176.99.2.90:8333", "185.26.99.171:8333", "188.138.88.47:8333", "195.154.172.177:8333",
    ]

    static func addresses(for network: Network) -> [String] {
        network.magic == Network.mainnet.magic ? mainnet : []
    }
}
