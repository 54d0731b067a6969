import BitcoinWire
import Capture
import ConsoleUI
import Dispatch
import Foundation
import PeerEngine

/// `save`: the log written as a recording or a pcap.
extension ConsoleApp {
    /// `save FILE`: a recording of what the log holds: the peers it names, then its frames,
    /// oldest first, in the schema of `--record`.
    func saveRecording(_ request: SaveRequest, epoch: Double) {
        do {
            let recorder = try Recorder(path: request.path, force: request.force, network: options.network, epoch: epoch)
            defer { recorder.close() }
            var named = Set<PeerID>()
            var count = 0
            // A relayed message's forwarded copy follows its row: both legs are saved.
            model.log.forEachKept { frame in
                if named.insert(frame.peer).inserted, let ends = model.endpoints[frame.peer] {
                    var info = model.peers[frame.peer] ?? PeerInfo(id: frame.peer, address: ends.remote, direction: .outbound, phase: .connecting, startedAt: frame.time)
                    info.localAddress = ends.local
                    recorder.handle(PeerEvent(time: min(info.startedAt, frame.time), .peerAdded(info)))
                }
                recorder.handle(PeerEvent(time: frame.time, .frame(frame)))
                count += 1
            }
            if let failure = recorder.failure { throw failure }
            model.showInfo("saved \(count) frames to \(request.path)")
        } catch {
            model.showError("save: \(error)")
        }
    }

    /// `save --pcap FILE`: every frame the log holds, oldest first.
    func savePcap(_ request: SaveRequest, epoch: Double) {
        do {
            let writer = try PcapWriter(path: request.path, force: request.force)
            defer { writer.close() }
            try model.log.forEachKept { frame in
                let ends = model.endpoints[frame.peer]
                try writer.write(frame, at: epoch + frame.time, local: ends?.local, remote: ends?.remote ?? "", magic: options.network.magic)
            }
            model.showInfo("saved \(writer.records) frames to \(request.path) (v2 handshake steps are not Bitcoin frames: left out)")
        } catch {
            model.showError("save: \(error)")
        }
    }
}
