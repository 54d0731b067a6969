/// BIP330 `sendtxrcncl`: offers Erlay transaction reconciliation, sent between `version`
/// and `verack`. Bitcoin Core handles it only with `-txreconciliation`.
public struct SendTxRcnclMessage: Hashable, Sendable {
    public static let command = Command.sendtxrcncl

    public var version: UInt32
    /// The sender's part of the short-id salt.
    public var salt: UInt64

    public init(version: UInt32, salt: UInt64) {
        self.version = version
        self.salt = salt
    }

    /// `sendtxrcncl v1 salt=0x0123456789abcdef`.
    public var summary: String { "sendtxrcncl v\(version) salt=0x\(String(salt, radix: 16))" }

    public static func decode(_ r: inout WireReader) throws(WireError) -> SendTxRcnclMessage {
        let version = try r.readUInt32("version")
        return SendTxRcnclMessage(version: version, salt: try r.readUInt64("salt"))
    }

    public func encode(_ w: inout WireWriter) {
        w.write(version)
        w.write(salt)
    }
}
