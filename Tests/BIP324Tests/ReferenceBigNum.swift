import COpenSSL
@testable import BIP324

/// An OpenSSL `BIGNUM` owned by Swift: cleared and freed with its last reference.
///
/// Not Sendable; it lives inside one ``Secp256k1`` computation.
final class BigNum {
    let pointer: OpaquePointer

    init() throws(BIP324Error) {
        guard LibCrypto.ready else { throw .openSSL("OPENSSL_init_crypto") }  // without its exit handler, as verack runs it
        guard let pointer = BN_new() else { throw .openSSL("BN_new") }
        self.pointer = pointer
    }

    /// The unsigned big-endian number in `bytes`.
    convenience init(bigEndian bytes: [UInt8]) throws(BIP324Error) {
        try self.init()
        let ok = bytes.withUnsafeBufferPointer { buffer in
            BN_bin2bn(buffer.baseAddress, Int32(buffer.count), pointer) != nil
        }
        if !ok { throw .openSSL("BN_bin2bn") }
    }

    convenience init(word: UInt) throws(BIP324Error) {
        try self.init()
        if BN_set_word(pointer, word) != 1 { throw .openSSL("BN_set_word") }
    }

    deinit { BN_clear_free(pointer) }

    var isZero: Bool { BN_is_zero(pointer) == 1 }
    var isOdd: Bool { BN_is_odd(pointer) == 1 }

    /// The number as 32 big-endian bytes (it must be below 2^256).
    func bigEndian32() throws(BIP324Error) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let written = out.withUnsafeMutableBufferPointer { BN_bn2binpad(pointer, $0.baseAddress, 32) }
        if written != 32 { throw .openSSL("BN_bn2binpad") }
        return out
    }

    static func == (a: BigNum, b: BigNum) -> Bool { BN_cmp(a.pointer, b.pointer) == 0 }
    static func < (a: BigNum, b: BigNum) -> Bool { BN_cmp(a.pointer, b.pointer) < 0 }
}
