/// One record of link type 252 (`LINKTYPE_WIRESHARK_UPPER_PDU`, "exported PDU"), as
/// `verack --pcap` writes them: tags naming the dissector, the IP addresses and TCP ports,
/// then one whole frame.
struct ExportedPDU {
    var source: TCPEndpoint
    var destination: TCPEndpoint
    /// The frame bytes captured (after the tags).
    var payload: UnsafeRawBufferPointer
    /// The dissector named by tag 12 (`bitcoin` for verack's own), if any.
    var dissector: String?

    static let linkType: Int32 = 252

    /// Reads the tags: nil when they run past the record or name no addresses.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> ExportedPDU? {
        var at = 0
        var sourceIP: (UInt64, UInt64)?
        var destinationIP: (UInt64, UInt64)?
        var sourcePort: UInt16 = 0
        var destinationPort: UInt16 = 0
        var dissector: String?
        while true {
            guard bytes.count >= at + 4 else { return nil }
            let type = Int(bytes[at]) << 8 | Int(bytes[at + 1])
            let length = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            at += 4
            if type == 0 { break }
            guard bytes.count >= at + length else { return nil }
            let value = UnsafeRawBufferPointer(rebasing: bytes[at..<(at + length)])
            switch (type, length) {
            case (12, _): dissector = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
            case (20, 4): sourceIP = (0, 0xffff_0000_0000 | UInt64(u32(value, 0)))
            case (21, 4): destinationIP = (0, 0xffff_0000_0000 | UInt64(u32(value, 0)))
            case (22, 16): sourceIP = (u64(value, 0), u64(value, 8))
            case (23, 16): destinationIP = (u64(value, 0), u64(value, 8))
            case (25, 4): sourcePort = UInt16(truncatingIfNeeded: u32(value, 0))
            case (26, 4): destinationPort = UInt16(truncatingIfNeeded: u32(value, 0))
            default: break
            }
            at += length
        }
        guard let sourceIP, let destinationIP else { return nil }
        return ExportedPDU(
            source: TCPEndpoint(high: sourceIP.0, low: sourceIP.1, port: sourcePort),
            destination: TCPEndpoint(high: destinationIP.0, low: destinationIP.1, port: destinationPort),
            payload: UnsafeRawBufferPointer(rebasing: bytes[at...]), dissector: dissector)
    }

    private static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }
    private static func u64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(u32(b, at)) << 32 | UInt64(u32(b, at + 4))
    }
}
