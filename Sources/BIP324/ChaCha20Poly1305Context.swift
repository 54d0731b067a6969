import COpenSSL

/// One reusable libcrypto ChaCha20-Poly1305 (RFC 8439) context for one direction.
///
/// Set up once; each message then only sets key and nonce, so small packets pay no
/// allocation, and the message can be encrypted or decrypted in place. Not Sendable: its
/// owner (``FSChaCha20Poly1305``) copies it on write, as `Array` does its storage.
final class ChaCha20Poly1305Context {
    static let tagSize = 16
    private let ctx: OpaquePointer
    let encrypting: Bool

    init(encrypting: Bool) throws(BIP324Error) {
        guard LibCrypto.ready, let ctx = EVP_CIPHER_CTX_new() else { throw .openSSL("EVP_CIPHER_CTX_new") }
        guard EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), nil, nil, nil, encrypting ? 1 : 0) == 1 else {
            EVP_CIPHER_CTX_free(ctx)
            throw .openSSL("EVP_CipherInit_ex(chacha20-poly1305)")
        }
        self.ctx = ctx
        self.encrypting = encrypting
    }

    deinit { EVP_CIPHER_CTX_free(ctx) }

    /// Encrypts `buffer` in place and writes the 16-byte tag to `tag`. `key` is 32 bytes,
    /// `nonce` 12.
    func seal(key: UnsafePointer<UInt8>, nonce: UnsafePointer<UInt8>, aad: UnsafeRawBufferPointer,
              buffer: UnsafeMutableRawBufferPointer, tag: UnsafeMutableRawPointer) -> Bool {
        guard start(key: key, nonce: nonce, aad: aad),
              update(input: UnsafeRawBufferPointer(buffer), output: buffer.baseAddress)
        else { return false }
        var outLength: Int32 = 0
        return EVP_CipherFinal_ex(ctx, nil, &outLength) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagSize), tag) == 1
    }

    /// Decrypts `input` into `output` (as many bytes; it may be the same memory as `input`)
    /// and checks `tag`. On failure `output` holds unauthenticated bytes: discard them.
    func open(key: UnsafePointer<UInt8>, nonce: UnsafePointer<UInt8>, aad: UnsafeRawBufferPointer,
              input: UnsafeRawBufferPointer, output: UnsafeMutableRawPointer?, tag: UnsafeRawPointer) -> Bool {
        guard start(key: key, nonce: nonce, aad: aad), update(input: input, output: output) else { return false }
        // The control call takes a mutable pointer but only reads the tag.
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagSize), UnsafeMutableRawPointer(mutating: tag)) == 1 else {
            return false
        }
        var outLength: Int32 = 0
        return EVP_CipherFinal_ex(ctx, nil, &outLength) == 1
    }

    private func start(key: UnsafePointer<UInt8>, nonce: UnsafePointer<UInt8>, aad: UnsafeRawBufferPointer) -> Bool {
        guard EVP_CipherInit_ex(ctx, nil, nil, key, nonce, encrypting ? 1 : 0) == 1 else { return false }
        if aad.isEmpty { return true }
        var outLength: Int32 = 0
        return EVP_CipherUpdate(ctx, nil, &outLength, aad.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(aad.count)) == 1
    }

    private func update(input: UnsafeRawBufferPointer, output: UnsafeMutableRawPointer?) -> Bool {
        if input.isEmpty { return true }
        var outLength: Int32 = 0
        return EVP_CipherUpdate(ctx, output?.assumingMemoryBound(to: UInt8.self), &outLength,
                                input.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(input.count)) == 1
            && Int(outLength) == input.count
    }
}
