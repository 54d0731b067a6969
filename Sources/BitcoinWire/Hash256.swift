import Crypto

/// A 32-byte double SHA-256 (txid, wtxid, block hash, merkle root), stored inline as four
/// words so that thousands of them cost no allocation.
///
/// `bytes` are in wire (internal) order; people read hashes byte-reversed: ``displayHex``.
public struct Hash256: Hashable, Sendable, CustomStringConvertible {
    /// The wire bytes as four little-endian words, `w0` first.
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let zero = Hash256(w0: 0, w1: 0, w2: 0, w3: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// From 32 bytes in wire order; nil for any other length.
    public init?<C: Collection>(wireBytes: C) where C.Element == UInt8 {
        guard wireBytes.count == 32 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            let copied: Void? = wireBytes.withContiguousStorageIfAvailable { raw.copyMemory(from: UnsafeRawBufferPointer($0)) }
            if copied == nil {
                for (i, b) in wireBytes.enumerated() { raw[i] = b }
            }
        }
        self.init(w0: UInt64(littleEndian: words.0), w1: UInt64(littleEndian: words.1),
                  w2: UInt64(littleEndian: words.2), w3: UInt64(littleEndian: words.3))
    }

    /// From hex in display (reversed) order, as explorers show a txid; nil unless 64 hex digits.
    public init?(displayHex: String) {
        guard let bytes = try? Hex.decode(displayHex), bytes.count == 32 else { return nil }
        self.init(wireBytes: bytes.reversed())
    }

    init(digest: SHA256.Digest) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        digest.withUnsafeBytes { src in
            withUnsafeMutableBytes(of: &words) { dst in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src.prefix(32))) }
        }
        self.init(w0: UInt64(littleEndian: words.0), w1: UInt64(littleEndian: words.1),
                  w2: UInt64(littleEndian: words.2), w3: UInt64(littleEndian: words.3))
    }

    /// Calls `body` with the 32 wire bytes.
    func withWireBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let words = (w0.littleEndian, w1.littleEndian, w2.littleEndian, w3.littleEndian)
        return withUnsafeBytes(of: words) { body($0) }
    }

    /// The 32 bytes in wire order.
    public var bytes: [UInt8] { withWireBytes { Array($0) } }

    /// Hex of the reversed bytes, as block explorers and Core's RPC show hashes.
    public var displayHex: String { Hex.encode(bytes.reversed()) }

    public var description: String { displayHex }

    /// `3f2a…c1`: the first `head` and last `tail` display hex digits.
    public func abbreviated(head: Int = 4, tail: Int = 4) -> String {
        let hex = displayHex
        return "\(hex.prefix(head))…\(hex.suffix(tail))"
    }

    /// Double SHA-256 of contiguous bytes.
    public static func doubleSHA256(_ bytes: UnsafeRawBufferPointer) -> Hash256 {
        var hasher = DoubleSHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Double SHA-256 of a byte collection (contiguous storage is hashed in place).
    public static func doubleSHA256<C: Collection>(_ bytes: C) -> Hash256 where C.Element == UInt8 {
        var hasher = DoubleSHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Double SHA-256 of two hashes side by side: a merkle tree node.
    static func combine(_ a: Hash256, _ b: Hash256) -> Hash256 {
        let words = (a.w0.littleEndian, a.w1.littleEndian, a.w2.littleEndian, a.w3.littleEndian,
                     b.w0.littleEndian, b.w1.littleEndian, b.w2.littleEndian, b.w3.littleEndian)
        return withUnsafeBytes(of: words) { doubleSHA256($0) }
    }
}

/// Double SHA-256 over pieces fed one after the other (the txid of a segwit transaction
/// hashes three ranges of its bytes, skipping marker, flag and witnesses).
struct DoubleSHA256Hasher {
    private var inner = SHA256()

    mutating func update(_ bytes: UnsafeRawBufferPointer) { inner.update(bufferPointer: bytes) }

    mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { inner.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { inner.update(bufferPointer: $0) } }
    }

    func finalize() -> Hash256 {
        let first = inner.finalize()
        return first.withUnsafeBytes { Hash256(digest: SHA256.hash(data: $0)) }
    }
}
