import Foundation
import NodeHarness
#if canImport(Glibc)
import Glibc
#endif

/// `simnet`: a ``SimulatedNetwork`` on loopback (127.1.x.y) until stdin closes or a signal
/// ends it, to try `verack crawl` and the console's crawl view without the real network,
/// and for the README's screenshot. Prints the entry node's address, then one line per node.
///
///     simnet [--nodes N] [--unreachable N] [--v2 N] [--hostile garbage,oversizedAddr,…] [--seed N] [--delay MS]
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("simnet: \(message)\n".utf8))
    exit(2)
}

var nodes = 40, unreachable = 8, v2 = 10, seed: UInt64 = 1, delay = 0
var hostile: [SimulatedNetwork.Behaviour] = []
var args = CommandLine.arguments.dropFirst()
while let option = args.popFirst() {
    guard let value = args.popFirst() else { fail("\(option) needs a value") }
    func count(_ range: ClosedRange<Int>) -> Int {
        guard let n = Int(value), range.contains(n) else { fail("\(option) must be from \(range.lowerBound) to \(range.upperBound), not '\(value)'") }
        return n
    }
    switch option {
    case "--nodes": nodes = count(1...10_000)
    case "--unreachable": unreachable = count(0...10_000)
    case "--v2": v2 = count(0...10_000)
    case "--seed": seed = UInt64(count(0...Int.max))
    case "--delay": delay = count(0...60_000)
    case "--hostile":
        hostile = value.split(separator: ",").map { name in
            guard let b = SimulatedNetwork.Behaviour(rawValue: String(name)), b != .honest else {
                fail("unknown behaviour '\(name)': use " + SimulatedNetwork.Behaviour.allCases.dropFirst().map(\.rawValue).joined(separator: ", "))
            }
            return b
        }
    default: fail("unknown option '\(option)': use --nodes, --unreachable, --v2, --hostile, --seed or --delay (ms before each answer to getaddr)")
    }
}
guard hostile.count < nodes else { fail("--hostile names \(hostile.count) nodes: give --nodes above that") }

let net: SimulatedNetwork
do {
    net = try SimulatedNetwork(listening: nodes, unreachable: unreachable, hostile: hostile, seed: seed, v2: v2)
} catch {
    fail("\(error)")
}
net.answerDelay = Double(delay) / 1000
net.start()
var listing = net.entry + "\n"
for node in net.nodes {
    listing += "\(node.address) \(node.behaviour.rawValue) \(node.userAgent) \(node.version) \(node.services.shortNames)\(node.speaksV2 ? " v2" : "")\n"
}
FileHandle.standardOutput.write(Data(listing.utf8))
// Until stdin reaches its end (a closed pipe, Ctrl-D) or a signal ends the process.
while let _ = readLine() {}
net.stop()
