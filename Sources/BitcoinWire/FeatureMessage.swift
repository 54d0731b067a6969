/// BIP434 `feature`: announces support for a peer-to-peer feature, between `version` and
/// `verack`, to peers of protocol version 70017 or later.
///
/// Layout from the BIP text (bitcoin/bips `bip-0434.md`, "`feature` message"):
/// `featureid` is a CompactSize-prefixed string of 4 to 80 bytes (printable ASCII
/// recommended, not required), then `featuredata` is a CompactSize-prefixed byte vector of
/// at most 512 bytes, always present (empty as a single `00`).
public struct FeatureMessage: Hashable, Sendable {
    public static let command = Command.feature
    public static let featureIDLength = 4...80
    public static let maxDataLength = 512

    /// The identifier's bytes as sent (kept as bytes so that any payload re-encodes exactly).
    public var featureID: [UInt8]
    public var data: [UInt8]

    public init(featureID: [UInt8], data: [UInt8] = []) {
        self.featureID = featureID
        self.data = data
    }

    public init(featureID: String, data: [UInt8] = []) {
        self.init(featureID: Array(featureID.utf8), data: data)
    }

    /// The identifier as text, control characters replaced.
    public var featureIDText: String { DisplayText.sanitize(String(decoding: featureID, as: UTF8.self)) }

    /// `feature BIP434v2 3 bytes 010203`.
    public var summary: String {
        "feature \(featureIDText) \(data.count) byte\(data.count == 1 ? "" : "s")"
            + (data.isEmpty ? "" : " \(Hex.encode(data.prefix(8)))\(data.count > 8 ? "…" : "")")
    }

    public static func decode(_ r: inout WireReader) throws(WireError) -> FeatureMessage {
        let idStart = r.offset
        let id = try r.readVarBytesQuiet("featureid", limit: featureIDLength.upperBound)
        guard id.count >= featureIDLength.lowerBound else {
            throw .invalidValue(field: "featureid", offset: idStart, reason: "\(id.count) bytes, BIP434 requires 4 to 80")
        }
        let message0 = FeatureMessage(featureID: id)
        r.record("featureid", from: idStart, .text(message0.featureIDText))
        let data = try r.readVarBytes("featuredata", limit: maxDataLength)
        return FeatureMessage(featureID: id, data: data)
    }

    public func encode(_ w: inout WireWriter) {
        w.writeVarBytes(featureID)
        w.writeVarBytes(data)
    }
}
