import Crypto

/// The 4-byte frame checksum: the first four bytes of SHA256(SHA256(payload)).
public struct Checksum: Hashable, Sendable, CustomStringConvertible {
    /// The four bytes as they appear on the wire, read as a little-endian integer.
    public var value: UInt32

    public init(value: UInt32) { self.value = value }

    /// The checksum of `payload`.
    public init(of payload: UnsafeRawBufferPointer) {
        // Half of a handshake's messages are empty (verack, wtxidrelay, sendaddrv2, …).
        if payload.isEmpty {
            self = Self.ofEmpty
            return
        }
        self.init(firstDigest: Self.sha256(payload))
    }

    /// The checksum of an empty payload, `5df6e0e2`.
    static let ofEmpty = Checksum(firstDigest: sha256(UnsafeRawBufferPointer(start: nil, count: 0)))

    /// The checksum of a payload whose SHA-256 is `firstDigest` (hashed as it arrived).
    init(firstDigest: SHA256.Digest) {
        let second = firstDigest.withUnsafeBytes { Self.sha256($0) }
        value = second.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian
    }

    public init<C: Collection>(of payload: C) where C.Element == UInt8 {
        if let v = payload.withContiguousStorageIfAvailable({ Checksum(of: UnsafeRawBufferPointer($0)).value }) {
            value = v
        } else {
            value = Array(payload).withUnsafeBytes { Checksum(of: $0).value }
        }
    }

    @inline(__always)
    static func sha256(_ bytes: UnsafeRawBufferPointer) -> SHA256.Digest {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return hasher.finalize()
    }

    /// The wire bytes.
    public var bytes: [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    /// Wire bytes in hex, as `5df6e0e2`.
    public var description: String { Hex.encode(bytes) }
}

/// Double SHA-256, as used for block and transaction hashes.
public enum DoubleSHA256 {
    public static func hash<C: Collection>(_ data: C) -> [UInt8] where C.Element == UInt8 {
        let first = SHA256.hash(data: Array(data))
        return Array(first.withUnsafeBytes { Checksum.sha256($0) })
    }
}
