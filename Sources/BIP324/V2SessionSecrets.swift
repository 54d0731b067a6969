import Crypto

/// The secrets of one v2 session (BIP324, "Shared secret computation" and "Keys and session
/// ID derivation"): x-only ECDH over the ElligatorSwift encodings, the tagged hash
/// `bip324_ellswift_xonly_ecdh` (initiator's encoding first), and HKDF-SHA256 with salt
/// `bitcoin_v2_shared_secret` + the network magic.
///
/// Its description and reflection show only the session id.
public struct V2SessionSecrets: Sendable {
    /// Whether we opened the connection.
    public internal(set) var initiating: Bool
    /// 32 bytes that identify the session on both sides (Core shows them in `getpeerinfo`).
    public let sessionID: [UInt8]
    let initiatorL: [UInt8]
    let initiatorP: [UInt8]
    let responderL: [UInt8]
    let responderP: [UInt8]
    let initiatorGarbageTerminator: [UInt8]
    let responderGarbageTerminator: [UInt8]
    /// The tagged hash fed to HKDF (kept for the test vectors' `mid_shared_secret`).
    let sharedSecret: [UInt8]

    /// The 16 bytes we send after our garbage.
    public var sendGarbageTerminator: [UInt8] { initiating ? initiatorGarbageTerminator : responderGarbageTerminator }
    /// The 16 bytes that end the peer's garbage.
    public var receiveGarbageTerminator: [UInt8] { initiating ? responderGarbageTerminator : initiatorGarbageTerminator }

    /// Derives the session from our key, the peer's 64-byte encoding and the 4 network
    /// magic bytes (as on the wire: mainnet is `f9 be b4 d9`).
    public init(ours: V2EphemeralKey, theirs ellswift: [UInt8], initiating: Bool, magic: [UInt8]) throws(BIP324Error) {
        try BIP324Error.check(ellswift, "ellswift", 64)
        try BIP324Error.check(magic, "magic", 4)
        let shared = try ours.xOnlyECDH(theirs: ellswift)
        let (first, second) = initiating ? (ours.ellswift, ellswift) : (ellswift, ours.ellswift)
        let secret = Self.taggedHash("bip324_ellswift_xonly_ecdh", first + second + shared)

        let salt = Array("bitcoin_v2_shared_secret".utf8) + magic
        let prk = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: secret), salt: salt)
        // HKDF-Expand for 32 bytes (one hash length) is the single block T(1) =
        // HMAC(PRK, info || 0x01); HMAC directly avoids HKDF.expand's generic byte-by-byte
        // buffer building, which cost about as much as the six HMACs themselves.
        let base = HMAC<SHA256>(key: SymmetricKey(data: prk))
        func expand(_ info: String) -> [UInt8] {
            var hmac = base
            hmac.update(data: Array(info.utf8) + [1])
            return Array(hmac.finalize())
        }
        self.initiating = initiating
        sharedSecret = secret
        sessionID = expand("session_id")
        initiatorL = expand("initiator_L")
        initiatorP = expand("initiator_P")
        responderL = expand("responder_L")
        responderP = expand("responder_P")
        let terminators = expand("garbage_terminators")
        initiatorGarbageTerminator = Array(terminators[0..<16])
        responderGarbageTerminator = Array(terminators[16..<32])
    }

    /// SHA256(SHA256(tag) || SHA256(tag) || data), as in BIP340.
    static func taggedHash(_ tag: String, _ data: [UInt8]) -> [UInt8] {
        let tagHash = SHA256.hash(data: Array(tag.utf8))
        var hasher = SHA256()
        hasher.update(data: Array(tagHash))
        hasher.update(data: Array(tagHash))
        hasher.update(data: data)
        return Array(hasher.finalize())
    }

    var sendL: [UInt8] { initiating ? initiatorL : responderL }
    var sendP: [UInt8] { initiating ? initiatorP : responderP }
    var receiveL: [UInt8] { initiating ? responderL : initiatorL }
    var receiveP: [UInt8] { initiating ? responderP : initiatorP }
}

extension V2SessionSecrets: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "V2SessionSecrets(\(initiating ? "initiator" : "responder"), session \(hexPrefix(sessionID))…, keys hidden)"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["initiating": initiating, "sessionID": sessionID]) }
}
