/// What can go wrong in the BIP324 cryptography and packet codec, with the facts.
///
/// Authentication failures are not errors: ``V2PacketCipher/decrypt(_:aad:)`` returns `nil`.
public enum BIP324Error: Error, Equatable, Sendable {
    /// An input of fixed size had another size (`what` names it: "private key", "ellswift", …).
    case wrongByteCount(what: String, expected: Int, actual: Int)
    /// A private key that is zero or not below the group order.
    case privateKeyOutOfRange
    /// Packet contents longer than the 3-byte length field can say (2^24 - 1).
    case contentsTooLong(Int)
    /// A command that cannot go into the 12-byte long form (too long, not printable ASCII, empty).
    case invalidCommand(String)
    /// A libcrypto call failed (allocation or an impossible argument); names the call.
    case openSSL(String)
    /// A swift-crypto call failed; names the call.
    case crypto(String)
}

extension BIP324Error {
    static func check(_ value: some Collection, _ what: String, _ expected: Int) throws(BIP324Error) {
        if value.count != expected {
            throw .wrongByteCount(what: what, expected: expected, actual: value.count)
        }
    }
}
