import BitcoinWire
import ConsoleUI
import PeerEngine

/// Drawing one full 120×40 console frame with 1,000 vs 1,000,000 frames in the log: the
/// figures must match, since a frame only reads the rows it shows.
enum RenderBenchmarks {
    static func run() {
        for (name, count) in [("1k", 1_000), ("1m", 1_000_000)] {
            var model = makeModel(frames: count)
            microseconds("render_frame_us_\(name)") { model.render() }
            if count == 1_000_000 {
                // A filtered view costs the same per frame: its index is kept incrementally.
                _ = model.run(.filter(.peer(3)), line: "filter peer 3")
                microseconds("render_frame_us_1m_filtered") { model.render() }
            }
        }
    }

    /// Reports the best time per call of `render`, in microseconds.
    static func microseconds(_ name: String, _ render: () -> Screen) {
        if let filter = Bench.filter, !name.contains(filter) { return }
        let rate = Bench.bestRate(unitsPerCall: 1) { sink(render()) }
        Bench.report(name, 1e6 / rate, "us")
    }

    /// Keeps the optimiser from dropping the frame.
    static func sink(_ screen: Screen) {
        if screen.cells.isEmpty { Bench.fail("empty screen") }
    }

    static func makeModel(frames count: Int) -> ConsoleModel {
        var model = ConsoleModel(networkName: "mainnet", logLimit: 2_000_000, width: 120, height: 40)
        let magic = Network.mainnet.magic
        for id in 1...8 {
            var info = PeerInfo(id: id, address: "203.0.113.\(id):8333", direction: .outbound, phase: .established, startedAt: 0)
            info.version = VersionMessage(timestamp: 1_700_000_000, receiver: NetworkAddress(), nonce: 1, userAgent: "/Satoshi:27.0.0/", startHeight: 871_234)
            info.lastHeard = 1
            model.handle(PeerEvent(time: 0, .peerAdded(info)))
        }
        let messages: [Message] = [
            .ping(nonce: 0x1234), .pong(nonce: 0x1234), .inv([InventoryItem(type: 1, hash: [UInt8](repeating: 7, count: 32))]),
            .feefilter(feerate: 1000), .sendcmpct(announce: false, version: 2),
        ]
        let templates = messages.map { FrameEncoder.encode($0, magic: magic) }
        for i in 0..<count {
            let k = i % messages.count
            let raw = templates[k]
            let frame = FrameEvent(
                peer: 1 + i % 8, direction: i % 2 == 0 ? .received : .sent, time: Double(i) / 1000, raw: raw,
                command: messages[k].command, size: raw.count - 24, checksumOK: true, message: .success(messages[k]))
            model.handle(PeerEvent(time: frame.time, .frame(frame)))
        }
        return model
    }
}
