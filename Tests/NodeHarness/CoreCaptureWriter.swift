import BitcoinWire
import Foundation

/// Writes Bitcoin Core `-capturemessages` folders as src/net.cpp `CaptureMessageToFile`
/// lays them out: `message_capture/<addr_port>/msgs_{recv,sent}.dat`, each record an
/// int64 LE time in µs, the 12-byte NUL-padded type, a uint32 LE length, the payload.
public struct CoreCaptureWriter {
    /// The `message_capture` folder.
    public let root: String
    public static let sentFile = "msgs_sent.dat"
    public static let receivedFile = "msgs_recv.dat"

    /// A fresh `<tmp>/<net>/message_capture` folder.
    public init(network: String = "regtest") throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("verack-core-\(UUID().uuidString.prefix(8))")
        root = base.appendingPathComponent(network).appendingPathComponent("message_capture").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    /// One record's bytes, written by hand (not through the reader's own encoder).
    public static func record(_ micros: Int64, _ type: String, _ payload: [UInt8]) -> [UInt8] {
        var out = withUnsafeBytes(of: micros.littleEndian) { Array($0) }
        var name = Array(type.utf8)
        name += [UInt8](repeating: 0, count: 12 - name.count)
        out += name
        out += withUnsafeBytes(of: UInt32(payload.count).littleEndian) { Array($0) }
        return out + payload
    }

    public static func record(_ micros: Int64, _ message: Message) -> [UInt8] {
        record(micros, message.command.name, message.encodePayload())
    }

    /// The folder of the peer at `address` (`:` written as `_`, as Core does).
    public func peer(_ address: String) throws -> String {
        let path = root + "/" + address.replacingOccurrences(of: ":", with: "_")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public func write(_ address: String, sent: [UInt8]? = nil, received: [UInt8]? = nil) throws {
        let folder = try peer(address)
        if let sent { try Data(sent).write(to: URL(fileURLWithPath: folder + "/" + Self.sentFile)) }
        if let received { try Data(received).write(to: URL(fileURLWithPath: folder + "/" + Self.receivedFile)) }
    }

    public func remove() { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().deletingLastPathComponent().path) }
}

