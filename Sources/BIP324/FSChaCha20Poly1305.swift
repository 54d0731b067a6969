/// BIP324's FSChaCha20Poly1305: ChaCha20-Poly1305 (RFC 8439) whose nonce is the message
/// number within the key (4 bytes little-endian) + the number of rekeyings (8 bytes
/// little-endian), rekeying after every 224 messages to the first 32 bytes of encrypting 32
/// zero bytes under nonce `ffffffff` + the rekeying number (keystream bytes 64..<96).
///
/// One instance serves one direction. A value type: copies go on independently (the libcrypto
/// context underneath is copied on write). Its description and reflection hide the key.
public struct FSChaCha20Poly1305: @unchecked Sendable {
    // @unchecked: `context` is the only reference; it is replaced before any use when not
    // uniquely referenced, so no two values ever use one context.

    /// Messages per key.
    public static let rekeyInterval: UInt64 = 224
    /// Bytes of authentication tag after each ciphertext.
    public static let tagSize = ChaCha20Poly1305Context.tagSize

    private var key: [UInt8]
    private var packetCounter: UInt64 = 0
    private var context: ChaCha20Poly1305Context

    /// An instance with the 32-byte initial key, for encrypting or for decrypting.
    public init(key: [UInt8], encrypting: Bool) throws(BIP324Error) {
        try BIP324Error.check(key, "FSChaCha20Poly1305 key", 32)
        self.key = key
        context = try ChaCha20Poly1305Context(encrypting: encrypting)
    }

    /// `plaintext` encrypted, followed by its 16-byte tag.
    public mutating func encrypt(aad: [UInt8] = [], plaintext: [UInt8]) throws(BIP324Error) -> [UInt8] {
        var out = plaintext + [UInt8](repeating: 0, count: Self.tagSize)
        let count = plaintext.count
        let ok = aad.withUnsafeBytes { aad in
            out.withUnsafeMutableBytes { out in
                seal(aad: aad, buffer: UnsafeMutableRawBufferPointer(rebasing: out[..<count]),
                     tag: out.baseAddress.unsafelyUnwrapped + count)
            }
        }
        if !ok { throw .openSSL("ChaCha20-Poly1305 encrypt") }
        return out
    }

    /// The plaintext of `ciphertext` (which ends with its 16-byte tag), or nil when it does
    /// not authenticate.
    public mutating func decrypt(aad: [UInt8] = [], ciphertext: [UInt8]) -> [UInt8]? {
        guard ciphertext.count >= Self.tagSize else {
            skipMessage()
            return nil
        }
        let count = ciphertext.count - Self.tagSize
        var out = [UInt8](repeating: 0, count: count)
        let ok = aad.withUnsafeBytes { aad in
            ciphertext.withUnsafeBytes { input in
                out.withUnsafeMutableBytes { output in
                    open(aad: aad, input: UnsafeRawBufferPointer(rebasing: input[..<count]),
                         output: output.baseAddress, tag: input.baseAddress.unsafelyUnwrapped + count)
                }
            }
        }
        return ok ? out : nil
    }

    // MARK: In place, for the packet cipher

    /// Encrypts `buffer` in place, writes the tag at `tag`, moves on to the next nonce.
    /// False when libcrypto failed.
    mutating func seal(aad: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer,
                       tag: UnsafeMutableRawPointer) -> Bool {
        guard (try? ensureUniqueContext()) != nil else { return false }
        let ok = withNonce { nonce in
            key.withUnsafeBufferPointer { key in
                context.seal(key: key.baseAddress.unsafelyUnwrapped, nonce: nonce, aad: aad, buffer: buffer, tag: tag)
            }
        }
        guard (try? advance()) != nil else { return false }
        return ok
    }

    /// Decrypts `input` into `output` (may be the same memory) if `tag` authenticates it;
    /// moves on to the next nonce either way. False on authentication failure.
    mutating func open(aad: UnsafeRawBufferPointer, input: UnsafeRawBufferPointer,
                       output: UnsafeMutableRawPointer?, tag: UnsafeRawPointer) -> Bool {
        guard (try? ensureUniqueContext()) != nil else { return false }
        let ok = withNonce { nonce in
            key.withUnsafeBufferPointer { key in
                context.open(key: key.baseAddress.unsafelyUnwrapped, nonce: nonce, aad: aad, input: input, output: output, tag: tag)
            }
        }
        guard (try? advance()) != nil else { return false }
        return ok
    }

    /// Uses up one nonce without decrypting (for input too short to hold a tag).
    mutating func skipMessage() {
        _ = try? advance()
    }

    private mutating func ensureUniqueContext() throws(BIP324Error) {
        if !isKnownUniquelyReferenced(&context) {
            context = try ChaCha20Poly1305Context(encrypting: context.encrypting)
        }
    }

    /// Calls `body` with the 12-byte nonce of the current message.
    private func withNonce<T>(_ body: (UnsafePointer<UInt8>) -> T) -> T {
        var nonce: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &nonce) { bytes in
            bytes.storeBytes(of: UInt32(packetCounter % Self.rekeyInterval).littleEndian, toByteOffset: 0, as: UInt32.self)
            bytes.storeBytes(of: (packetCounter / Self.rekeyInterval).littleEndian, toByteOffset: 4, as: UInt64.self)
            return body(bytes.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Counts the message; after every 224th, the next key.
    private mutating func advance() throws(BIP324Error) {
        if (packetCounter + 1) % Self.rekeyInterval == 0 {
            var nonce: [UInt8] = [0xff, 0xff, 0xff, 0xff]
            withUnsafeBytes(of: (packetCounter / Self.rekeyInterval).littleEndian) { nonce.append(contentsOf: $0) }
            key = try chacha20(key: key, nonce: nonce, counter: 1, count: 32)
        }
        packetCounter += 1
    }
}

extension FSChaCha20Poly1305: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "FSChaCha20Poly1305(messages: \(packetCounter), key hidden)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["messages": packetCounter]) }
}
