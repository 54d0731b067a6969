// verack-bench [GROUP...]: runs the named benchmark groups, or all of them, and prints one
// JSON object per measurement: {"name": ..., "value": ..., "unit": ...}.
//
// To add a group, write `enum FooBenchmarks { static func run() }` in its own file and add
// one line to `groups` below.

let groups: [(name: String, run: () -> Void)] = [
    ("wire", WireBenchmarks.run),
    ("engine", EngineBenchmarks.run),
    ("handshakes10k", EngineBenchmarks.runTenThousand),
    ("render", RenderBenchmarks.run),
    ("v2", V2Benchmarks.run),
    ("discovery", DiscoveryBenchmarks.run),
    ("sniff", SniffBenchmarks.run),
    ("relay", RelayBenchmarks.run),
]

let requested = Array(CommandLine.arguments.dropFirst())
if requested.contains("-h") || requested.contains("--help") {
    print("usage: verack-bench [\(groups.map(\.name).joined(separator: "|"))]...   (no argument: all groups)")
} else if let unknown = requested.first(where: { name in !groups.contains { $0.name == name } }) {
    Bench.fail("unknown benchmark group '\(unknown)'; groups: \(groups.map(\.name).joined(separator: ", "))")
} else {
    for group in groups where requested.isEmpty || requested.contains(group.name) {
        group.run()
    }
}
