import BitcoinWire
import PeerEngine

/// What `/TEXT` looks for in the log: the command, the summary, the peer's address and the
/// mark of a frame we injected (`!corrupt:checksum`), case-insensitive, and, when the text reads as hex, those bytes in the frame (its wire
/// bytes or, for v2, its decrypted payload).
public struct LogSearch: Equatable, Sendable {
    public let text: String
    private let needle: String
    private let bytes: [UInt8]?

    public init(_ text: String) {
        self.text = text
        needle = text.lowercased()
        let compact = text.filter { !$0.isWhitespace }
        bytes = compact.count >= 2 ? try? Hex.decode(compact) : nil
    }

    public func matches(_ frame: FrameEvent, address: String?) -> Bool {
        if frame.label.lowercased().contains(needle) { return true }
        if let address, address.lowercased().contains(needle) { return true }
        if frame.summary.lowercased().contains(needle) { return true }
        if let tag = frame.injectionTag, tag.contains(needle) { return true }
        if let bytes, !bytes.isEmpty {
            if frame.raw[...].firstIndex(ofBytes: bytes) != nil { return true }
            if let plaintext = frame.plaintext, plaintext[...].firstIndex(ofBytes: bytes) != nil { return true }
        }
        return false
    }
}
