import Testing
@testable import BIP324

@Suite("Rekeying ciphers")
struct FSChaCha20Tests {
    /// The 704-byte epoch keystream gives the same bytes as the BIP's block-by-block
    /// FSChaCha20 (written here from its pseudocode) over three epochs.
    @Test func lengthCipherMatchesBlockByBlock() throws {
        let key = (0..<32).map { UInt8($0 * 3 + 1) }
        var fast = try FSChaCha20(key: key)
        var slowKey = key
        var slowStream: [UInt8] = []
        var block: UInt32 = 0
        var chunks: UInt64 = 0
        func take(_ n: Int) throws -> [UInt8] {
            while slowStream.count < n {
                var nonce: [UInt8] = [0, 0, 0, 0]
                withUnsafeBytes(of: (chunks / 224).littleEndian) { nonce.append(contentsOf: $0) }
                slowStream += try chacha20(key: slowKey, nonce: nonce, counter: block, count: 64)
                block += 1
            }
            defer { slowStream.removeFirst(n) }
            return Array(slowStream.prefix(n))
        }
        for n in 0..<(224 * 3 + 5) {
            let chunk: [UInt8] = [UInt8(n & 255), UInt8(n >> 8), 7]
            let expected = zip(chunk, try take(3)).map { $0 ^ $1 }
            if (chunks + 1) % 224 == 0 {
                slowKey = try take(32)
                block = 0
                slowStream = []
            }
            chunks += 1
            #expect(try fast.crypt(chunk) == expected, "chunk \(n)")
        }
    }

    /// FSChaCha20Poly1305's rekeying key is bytes 64..<96 of the keystream, which equals the
    /// first 32 bytes of the AEAD encryption of 32 zeros (the BIP's definition).
    @Test func aeadRoundTripAcrossRekeying() throws {
        let key = [UInt8](repeating: 0x42, count: 32)
        var sealer = try FSChaCha20Poly1305(key: key, encrypting: true)
        var opener = try FSChaCha20Poly1305(key: key, encrypting: false)
        for n in 0..<500 {
            let plaintext = [UInt8](repeating: UInt8(n & 255), count: n % 50)
            let aad: [UInt8] = n % 3 == 0 ? [1, 2] : []
            let sealed = try sealer.encrypt(aad: aad, plaintext: plaintext)
            #expect(sealed.count == plaintext.count + 16)
            #expect(opener.decrypt(aad: aad, ciphertext: sealed) == plaintext)
        }
        #expect(opener.decrypt(ciphertext: [1, 2, 3]) == nil)
    }

    /// RFC 8439 section 2.8.2's AEAD vector through the libcrypto context.
    @Test func rfc8439AEADVector() throws {
        let key = try #require(hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"))
        let nonce = try #require(hex("070000004041424344454647"))
        let aad = try #require(hex("50515253c0c1c2c3c4c5c6c7"))
        let plaintext = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
        let tag = try #require(hex("1ae10b594f09e26a7e902ecbd0600691"))
        let context = try ChaCha20Poly1305Context(encrypting: true)
        var buffer = plaintext
        var outTag = [UInt8](repeating: 0, count: 16)
        let ok = key.withUnsafeBufferPointer { key in
            nonce.withUnsafeBufferPointer { nonce in
                aad.withUnsafeBytes { aad in
                    buffer.withUnsafeMutableBytes { buffer in
                        outTag.withUnsafeMutableBytes { outTag in
                            context.seal(key: key.baseAddress!, nonce: nonce.baseAddress!, aad: aad, buffer: buffer, tag: outTag.baseAddress!)
                        }
                    }
                }
            }
        }
        #expect(ok)
        #expect(hexString(buffer.prefix(16)) == "d31a8d34648e60db7b86afbc53ef7ec2")
        #expect(outTag == tag)
    }
}
