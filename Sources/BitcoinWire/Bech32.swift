/// Bech32 (BIP173) and Bech32m (BIP350), the encodings of segwit addresses: version 0
/// programs use Bech32, versions 1 to 16 (taproot is 1) use Bech32m.
public enum Bech32 {
    /// The checksum variant.
    public enum Variant: Hashable, Sendable {
        case bech32, bech32m

        var constant: UInt32 { self == .bech32 ? 1 : 0x2bc8_30a3 }
    }

    private static let charset: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in charset.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var chk: UInt32 = 1
        for v in values {
            let top = chk >> 25
            chk = (chk & 0x1ff_ffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { chk ^= generator[i] }
        }
        return chk
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// `hrp` + `1` + the 5-bit `data` + a 6-character checksum.
    public static func encode(hrp: String, data: [UInt8], variant: Variant) -> String {
        let h = Array(hrp.lowercased().utf8)
        let mod = polymod(expand(h) + data + [0, 0, 0, 0, 0, 0]) ^ variant.constant
        let checksum = (0..<6).map { UInt8((mod >> (5 * (5 - UInt32($0)))) & 31) }
        return String(decoding: h + [UInt8(ascii: "1")] + (data + checksum).map { charset[Int($0)] }, as: UTF8.self)
    }

    /// The human-readable part, the 5-bit data and the variant of a Bech32 or Bech32m
    /// string; nil when it is malformed or its checksum matches neither variant.
    public static func decode(_ text: String) -> (hrp: String, data: [UInt8], variant: Variant)? {
        let bytes = Array(text.utf8)
        guard bytes.count <= 90, bytes.allSatisfy({ $0 >= 33 && $0 <= 126 }) else { return nil }
        let hasLower = bytes.contains { $0 >= 0x61 && $0 <= 0x7a }
        let hasUpper = bytes.contains { $0 >= 0x41 && $0 <= 0x5a }
        guard !(hasLower && hasUpper) else { return nil }
        let lower = bytes.map { $0 >= 0x41 && $0 <= 0x5a ? $0 + 32 : $0 }
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")), separator >= 1, separator + 7 <= lower.count else { return nil }
        let hrp = Array(lower[..<separator])
        var data: [UInt8] = []
        for c in lower[(separator + 1)...] {
            let v = values[Int(c)]
            guard v >= 0 else { return nil }
            data.append(UInt8(v))
        }
        let check = polymod(expand(hrp) + data)
        let variant: Variant
        switch check {
        case Variant.bech32.constant: variant = .bech32
        case Variant.bech32m.constant: variant = .bech32m
        default: return nil
        }
        return (String(decoding: hrp, as: UTF8.self), Array(data.dropLast(6)), variant)
    }

    /// Regroups bits (8 to 5 to encode, 5 to 8 to decode); nil for leftover bits that
    /// decoding may not have.
    static func convertBits(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var acc = 0, bits = 0
        var out: [UInt8] = []
        let maxv = (1 << to) - 1
        for value in data {
            guard Int(value) >> from == 0 else { return nil }
            acc = (acc << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((acc >> bits) & maxv))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8((acc << (to - bits)) & maxv)) }
        } else if bits >= from || (acc << (to - bits)) & maxv != 0 {
            return nil
        }
        return out
    }

    /// The address of a witness program: Bech32 for version 0, Bech32m for 1 to 16.
    public static func segwitAddress(hrp: String, version: Int, program: [UInt8]) -> String? {
        guard (0...16).contains(version), (2...40).contains(program.count) else { return nil }
        if version == 0 && program.count != 20 && program.count != 32 { return nil }
        guard let five = convertBits(program, from: 8, to: 5, pad: true) else { return nil }
        return encode(hrp: hrp, data: [UInt8(version)] + five, variant: version == 0 ? .bech32 : .bech32m)
    }

    /// The witness version and program of a segwit address for `hrp`; nil when it is not
    /// one (wrong variant for its version, bad length, bad padding, other hrp).
    public static func decodeSegwitAddress(hrp: String, _ address: String) -> (version: Int, program: [UInt8])? {
        guard let (h, data, variant) = decode(address), h == hrp.lowercased(), let version = data.first, version <= 16,
              let program = convertBits(Array(data.dropFirst()), from: 5, to: 8, pad: false),
              (2...40).contains(program.count)
        else { return nil }
        if version == 0 && program.count != 20 && program.count != 32 { return nil }
        guard variant == (version == 0 ? .bech32 : .bech32m) else { return nil }
        return (Int(version), program)
    }
}
