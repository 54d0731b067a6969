import BitcoinWire
import Foundation
import PeerEngine

/// Reads Bitcoin Core's `-capturemessages` folders into the console's events: each peer's
/// folder a peer, both of its files merged in time order.
///
/// Core writes `<datadir>/<net>/message_capture/<addr_port>/msgs_recv.dat` and
/// `msgs_sent.dat` (``CoreCaptureFile``), `:` in the address written as `_`. Either the
/// `message_capture` folder or one peer's folder may be given. The node is "us": its
/// `msgs_sent.dat` holds the sent frames. Core keeps no magic and no checksum, so each
/// frame's header is rebuilt (the network's magic, the checksum computed), and the
/// importer says so in a notice first. A peer is outbound when its first record is one
/// Core sent (Core waits for an inbound peer's `version`).
///
/// All files are read at once, oldest record first, each holding one record header: memory
/// does not grow with the files. Times count from the earliest record. A truncated record,
/// a length above Core's limit and an unknown file each get a notice, never a crash.
public final class CoreCaptureImporter {
    public static let receivedFile = "msgs_recv.dat"
    public static let sentFile = "msgs_sent.dat"
    /// The folder Core writes them into, in each network's data directory.
    public static let folderName = "message_capture"

    /// One peer's folder.
    struct PeerFolder {
        var path: String
        var name: String
        var received: String?
        var sent: String?
        /// Files held in memory instead (the fuzz target's).
        var memory: (sent: [UInt8]?, received: [UInt8]?)?
    }

    public let path: String
    /// The network whose magic the rebuilt headers carry.
    public let network: Network
    /// Also emit a `peerUpdated` after each frame (the console's table wants them).
    public var peerUpdates = true

    /// Unix time of the earliest record: the capture's clock zero.
    public private(set) var epoch: Double?
    /// Files cut short or with an absurd length.
    public private(set) var errors = 0
    /// Frames whose payload did not decode.
    public private(set) var invalidFrames = 0
    public private(set) var records = 0

    private let folders: [PeerFolder]
    /// Notices about the folder itself (unknown files), emitted first.
    private let folderNotices: [String]

    /// Finds the peers' folders under `path`; fails when it is not a folder or holds no
    /// capture. `network`: the magic for the rebuilt headers; nil takes the network from
    /// the folder's place in a data directory (`regtest/message_capture`), else mainnet.
    public init(path: String, network: Network?) throws(CaptureError) {
        self.path = path
        let files = FileManager.default
        var isFolder: ObjCBool = false
        guard files.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            throw CaptureError("\(path) is not a folder")
        }
        guard let entries = try? files.contentsOfDirectory(atPath: path).sorted() else {
            throw CaptureError("cannot read the folder \(path)")
        }
        var notices: [String] = []
        var folders: [PeerFolder] = []
        let base = URL(fileURLWithPath: path).standardizedFileURL
        if entries.contains(Self.receivedFile) || entries.contains(Self.sentFile) {
            // One peer's folder.
            folders.append(Self.peerFolder(base.path, name: base.lastPathComponent, entries: entries, notices: &notices))
        } else {
            for entry in entries {
                let full = base.appendingPathComponent(entry).path
                var sub: ObjCBool = false
                guard files.fileExists(atPath: full, isDirectory: &sub), sub.boolValue else {
                    notices.append("unknown file \(entry) in \(path): skipped (a capture holds one folder per peer)")
                    continue
                }
                let inside = (try? files.contentsOfDirectory(atPath: full).sorted()) ?? []
                guard inside.contains(Self.receivedFile) || inside.contains(Self.sentFile) else {
                    notices.append("folder \(entry) holds neither \(Self.receivedFile) nor \(Self.sentFile): skipped")
                    continue
                }
                folders.append(Self.peerFolder(full, name: entry, entries: inside, notices: &notices))
            }
        }
        guard !folders.isEmpty else {
            throw CaptureError("\(path) holds no Bitcoin Core message capture (no \(Self.receivedFile) or \(Self.sentFile), in it or in a folder of it)")
        }
        self.folders = folders
        folderNotices = notices
        self.network = network ?? Self.network(of: base)
    }

    /// Peers whose files are held in memory (the fuzz target, tests): `folder` is the
    /// peer's folder name, `sent` and `received` the files' bytes.
    public init(memory peers: [(folder: String, sent: [UInt8]?, received: [UInt8]?)], network: Network) {
        path = "memory"
        self.network = network
        folders = peers.map { PeerFolder(path: $0.folder, name: $0.folder, memory: ($0.sent, $0.received)) }
        folderNotices = []
    }

    private static func peerFolder(_ path: String, name: String, entries: [String], notices: inout [String]) -> PeerFolder {
        var folder = PeerFolder(path: path, name: name)
        for entry in entries {
            switch entry {
            case receivedFile: folder.received = path + "/" + entry
            case sentFile: folder.sent = path + "/" + entry
            default: notices.append("unknown file \(entry) in peer folder \(name): skipped")
            }
        }
        return folder
    }

    /// The network of a capture by where Core put it: `<datadir>/regtest/message_capture`
    /// (and testnet3, testnet4, signet); mainnet's is in the data directory itself.
    static func network(of folder: URL) -> Network {
        let parts = folder.pathComponents
        guard let index = parts.lastIndex(of: folderName), index > 0 else { return .mainnet }
        return Network.named(parts[index - 1]) ?? .mainnet
    }

    /// A peer's address from its folder's name: Core wrote `:` as `_`
    /// (`127.0.0.1_18444`, `[2001_db8__1]_8333`).
    public static func address(ofFolder name: String) -> String {
        String(name.map { $0 == "_" ? ":" : $0 })
    }

    private struct Source {
        var file: CoreCaptureFile
        var peer: Int
        var direction: FrameDirection
    }

    /// Reads every file, handing each event to `emit` as it comes.
    public func run(_ emit: (PeerEvent) -> Void) {
        var sources: [Source] = []
        var now = 0.0
        var pending: [String] = folderNotices
        for (index, folder) in folders.enumerated() {
            if let memory = folder.memory {
                for (bytes, direction, file) in [(memory.sent, FrameDirection.sent, Self.sentFile), (memory.received, .received, Self.receivedFile)] {
                    guard let bytes else { continue }
                    sources.append(Source(file: CoreCaptureFile(bytes: bytes, name: "\(folder.name)/\(file)"), peer: index, direction: direction))
                }
                continue
            }
            for (file, direction) in [(folder.sent, FrameDirection.sent), (folder.received, .received)] {
                guard let file else { continue }
                do {
                    let name = "\(folder.name)/\((file as NSString).lastPathComponent)"
                    sources.append(Source(file: try CoreCaptureFile(path: file, name: name), peer: index, direction: direction))
                } catch {
                    errors += 1
                    pending.append(error.message)
                }
            }
        }
        let start = sources.compactMap { $0.file.peek()?.time }.min() ?? 0
        epoch = Double(start) / 1e6
        emit(PeerEvent(time: 0, .notice(
            "Bitcoin Core message capture \(path): \(folders.count) peer\(folders.count == 1 ? "" : "s"); Core keeps no magic or checksum, so each frame's header is rebuilt (magic \(network.magic) of \(network.name), checksum computed)")))
        for text in pending { emit(PeerEvent(time: 0, .notice(text))) }

        var peers: [Int: ObservedPeer] = [:]
        var nextID = 1
        let magic = network.magic
        while true {
            // The oldest record of all files (a linear scan: a capture has few peers).
            var best: Int?
            var bestTime = Int64.max
            for i in sources.indices {
                if let t = sources[i].file.peek()?.time, best == nil || t < bestTime {
                    best = i
                    bestTime = t
                }
            }
            // Files that ended badly since the last look: say so.
            for i in sources.indices where sources[i].file.problem != nil && sources[i].peer >= 0 {
                report(sources[i], peers: peers, time: now, emit)
                sources[i].peer = -1 - sources[i].peer
            }
            guard let i = best else { break }
            let source = sources[i]
            guard let record = source.file.next() else { continue }
            records += 1
            // In Double: two clocks far apart (Int64.min and .max) overflow Int64's subtraction.
            now = max(now, (Double(record.time) - Double(start)) / 1e6)
            if peers[source.peer] == nil {
                let folder = folders[source.peer]
                // Core sends first only on its outbound connections.
                let direction: PeerDirection = source.direction == .sent ? .outbound : .inbound
                var info = PeerInfo(id: nextID, address: Self.address(ofFolder: folder.name), direction: direction, phase: .connecting, startedAt: now)
                info.transport = .v1
                nextID += 1
                peers[source.peer] = ObservedPeer(info: info)
                emit(PeerEvent(time: now, .peerAdded(info)))
            }
            guard var peer = peers[source.peer], let frame = record.rebuiltFrame(magic: magic) else { continue }
            if case .failure = frame.message { invalidFrames += 1 }
            let event = FrameEvent(peer: peer.info.id, direction: source.direction, time: now, unit: WireUnit(frame: frame))
            emit(PeerEvent(time: now, .frame(event)))
            peer.count(event, frame: frame, time: now, updates: peerUpdates, emit)
            peers[source.peer] = peer
        }
    }

    /// A file that ended early: an error event of its peer (a notice of no peer if the
    /// peer's first record never came).
    private func report(_ source: Source, peers: [Int: ObservedPeer], time: Double, _ emit: (PeerEvent) -> Void) {
        guard let problem = source.file.problem else { return }
        errors += 1
        emit(PeerEvent(time: time, .error(peer: peers[source.peer]?.info.id, message: "\(source.file.name): \(problem)")))
    }
}

extension CoreCaptureImporter {
    /// Whether `path` is a folder (which `verack open` reads as Core's capture).
    public static func isFolder(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
    }
}
