import BitcoinWire
import Dispatch
import Foundation

/// The seed dialer: the network's DNS seeds (or its built-in addresses), and keeping
/// `count` seed connections live as candidates fail.
extension PeerEngine {
    /// The network's DNS seeds resolved, shuffled, or its built-in fallback addresses when
    /// they give nothing; `fromDNS` says which. Blocks for up to 6 s: call it off any queue
    /// that must stay responsive. All seeds at once, each lookup on its own worker. Through
    /// a proxy, no DNS of ours: a lookup would say where we are (Core's -proxy keeps DNS off
    /// too), so the built-in addresses serve instead.
    func resolveSeeds() -> (addresses: [String], fromDNS: Bool) {
        let network = configuration.network
        let group = DispatchGroup()
        let found = LockedList<String>()
        let seeds = configuration.proxy.proxy == nil ? network.dnsSeeds : []
        for seed in seeds {
            DispatchQueue.global().async(group: group) {
                if case let .success(addresses) = SocketAddress.resolve(Endpoint(host: seed, port: network.defaultPort)) {
                    found.append(contentsOf: addresses.map(\.description))
                }
            }
        }
        _ = group.wait(timeout: .now() + 6)
        let resolved = Array(Set(found.items)).shuffled()
        if !resolved.isEmpty { return (resolved, true) }
        return (FixedSeeds.addresses(for: network).shuffled(), false)
    }

    /// Resolves the network's DNS seeds (falling back to built-in addresses), shuffles them
    /// and connects to `count` peers; a seed peer that fails is replaced by the next
    /// candidate until they run out.
    public func connectToSeeds(count: Int = 8) {
        let network = configuration.network
        lock.lock()
        seedsResolving += 1
        lock.unlock()
        DispatchQueue.global().async { [self] in
            let (candidates, fromDNS) = resolveSeeds()
            let source = fromDNS ? "DNS seeds" : "built-in fallback addresses"
            lock.lock()
            seedsResolving -= 1
            seedCandidates += candidates
            seedTarget += candidates.isEmpty ? 0 : count
            lock.unlock()
            if candidates.isEmpty {
                post(.error(peer: nil, message: "no peers for \(network.name): DNS seeds gave nothing and there are no built-in addresses"))
                return
            }
            post(.notice("\(candidates.count) candidate peers from \(source); connecting to \(min(count, candidates.count))"))
            topUpSeeds()
        }
    }

    /// Whether seeds are still being resolved or candidates remain untried.
    public var isSeeding: Bool {
        lock.lock()
        defer { lock.unlock() }
        return seedsResolving > 0 || (!seedCandidates.isEmpty && seedTarget > 0)
    }

    func topUpSeeds() {
        while true {
            lock.lock()
            let live = seedPeers.subtracting(ended).count
            guard !isShutDown, live < seedTarget, !seedCandidates.isEmpty else {
                lock.unlock()
                return
            }
            let next = seedCandidates.removeFirst()
            lock.unlock()
            if case let .success(id) = connect(next) {
                lock.lock()
                seedPeers.insert(id)
                lock.unlock()
            }
        }
    }
}
