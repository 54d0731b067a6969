/// Bitcoin's proof of work: a block hash, read as a 256-bit little-endian number, must not
/// be above the target that the header's compact `bits` encode.
public enum ProofOfWork {
    /// Why `bits` give no usable target, or nil when they do.
    public static func invalidBitsReason(_ bits: UInt32) -> String? {
        let size = Int(bits >> 24)
        let word = bits & 0x007f_ffff
        if word != 0 && bits & 0x0080_0000 != 0 { return "negative target" }
        if word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32)) { return "target overflows 256 bits" }
        if target(bits: bits) == nil { return "zero target" }
        return nil
    }

    /// The 32-byte little-endian target of compact `bits` (Core's `arith_uint256::SetCompact`);
    /// nil when it is negative, zero or overflows 256 bits, which Core refuses too.
    public static func target(bits: UInt32) -> [UInt8]? {
        let size = Int(bits >> 24)
        var word = bits & 0x007f_ffff
        if word != 0 && bits & 0x0080_0000 != 0 { return nil }
        if word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32)) { return nil }
        var target = [UInt8](repeating: 0, count: 32)
        if size <= 3 {
            word >>= UInt32(8 * (3 - size))
            for i in 0..<3 { target[i] = UInt8(truncatingIfNeeded: word >> UInt32(8 * i)) }
        } else {
            for i in 0..<3 where size - 3 + i < 32 {
                target[size - 3 + i] = UInt8(truncatingIfNeeded: word >> UInt32(8 * i))
            }
        }
        return target.allSatisfy({ $0 == 0 }) ? nil : target
    }

    /// Whether `hash` meets the target of `bits`. The network's proof-of-work limit is not
    /// checked (a decoder does not know the network): regtest's easy targets pass too.
    public static func check(hash: Hash256, bits: UInt32) -> Bool {
        guard let target = target(bits: bits) else { return false }
        let h = hash.bytes
        for i in stride(from: 31, through: 0, by: -1) where h[i] != target[i] {
            return h[i] < target[i]
        }
        return true
    }

    /// `✓`, or `✗` with the reason, for field trees and logs.
    public static func verdict(hash: Hash256, bits: UInt32) -> String {
        if let reason = invalidBitsReason(bits) { return "✗ (\(reason))" }
        return check(hash: hash, bits: bits) ? "✓" : "✗ (hash above target)"
    }
}
