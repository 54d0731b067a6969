import Crypto
import _CryptoExtras

/// BIP324's FSChaCha20, the rekeying stream cipher for the 3-byte packet length fields.
///
/// The BIP draws the keystream 64-byte block by block and rekeys after 224 chunks with the
/// next 32 bytes. Length chunks are always 3 bytes, so an epoch uses exactly
/// 224 × 3 + 32 = 704 bytes = 11 blocks: they are computed in one ChaCha20 run at the start
/// of each epoch (nonce: 4 zero bytes + the epoch number, 8 bytes little-endian; block
/// counter from 0), and each chunk then only XORs 3 bytes. Only 3-byte chunks are supported.
///
/// Its description and reflection hide the keystream.
public struct FSChaCha20: Sendable {
    /// Chunks per key.
    public static let rekeyInterval = 224
    /// The only chunk size: a packet length field.
    public static let chunkSize = 3
    static let epochBytes = rekeyInterval * chunkSize + 32

    private var keystream: [UInt8]
    private var chunkCounter: UInt64 = 0

    /// A cipher with the 32-byte initial key.
    public init(key: [UInt8]) throws(BIP324Error) {
        try BIP324Error.check(key, "FSChaCha20 key", 32)
        keystream = try Self.epochKeystream(key: key, epoch: 0)
    }

    /// XORs the 3-byte `chunk` with the next keystream bytes (encryption and decryption are
    /// the same), rekeying after every 224th chunk.
    public mutating func crypt(_ chunk: [UInt8]) throws(BIP324Error) -> [UInt8] {
        try BIP324Error.check(chunk, "FSChaCha20 chunk", Self.chunkSize)
        let mask = try nextMask()
        return [chunk[0] ^ mask.0, chunk[1] ^ mask.1, chunk[2] ^ mask.2]
    }

    /// The next 3 keystream bytes.
    mutating func nextMask() throws(BIP324Error) -> (UInt8, UInt8, UInt8) {
        let position = Int(chunkCounter % UInt64(Self.rekeyInterval))
        let offset = position * Self.chunkSize
        let mask = (keystream[offset], keystream[offset + 1], keystream[offset + 2])
        chunkCounter += 1
        if position == Self.rekeyInterval - 1 {
            let nextKey = Array(keystream[(Self.epochBytes - 32)...])
            keystream = try Self.epochKeystream(key: nextKey, epoch: chunkCounter / UInt64(Self.rekeyInterval))
        }
        return mask
    }

    static func epochKeystream(key: [UInt8], epoch: UInt64) throws(BIP324Error) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 4)
        withUnsafeBytes(of: epoch.littleEndian) { nonce.append(contentsOf: $0) }
        return try chacha20(key: key, nonce: nonce, counter: 0, count: epochBytes)
    }
}

/// `count` bytes of the ChaCha20 keystream (RFC 8439) from block `counter` on.
func chacha20(key: [UInt8], nonce: [UInt8], counter: UInt32, count: Int) throws(BIP324Error) -> [UInt8] {
    do {
        let stream = try Insecure.ChaCha20CTR.encrypt(
            [UInt8](repeating: 0, count: count), using: SymmetricKey(data: key),
            counter: Insecure.ChaCha20CTR.Counter(offset: counter),
            nonce: Insecure.ChaCha20CTR.Nonce(data: nonce))
        return Array(stream)
    } catch {
        throw .crypto("ChaCha20CTR: \(error)")
    }
}

extension FSChaCha20: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "FSChaCha20(chunks: \(chunkCounter), key hidden)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["chunks": chunkCounter]) }
}
