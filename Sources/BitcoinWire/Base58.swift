/// Base58 and Base58Check, the encoding of legacy (p2pkh, p2sh) addresses.
public enum Base58 {
    private static let alphabet: [UInt8] = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    /// Base58 text of `bytes`; each leading zero byte becomes a leading `1`.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let input = Array(bytes)
        let zeros = input.prefix { $0 == 0 }.count
        // Base-58 digits, least significant first.
        var digits: [UInt8] = []
        digits.reserveCapacity(input.count * 138 / 100 + 1)
        for byte in input[zeros...] {
            var carry = Int(byte)
            for i in digits.indices {
                carry += Int(digits[i]) << 8
                digits[i] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        var out = [UInt8](repeating: alphabet[0], count: zeros)
        out += digits.reversed().map { alphabet[Int($0)] }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of Base58 text; nil when a character is not in the alphabet.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        let ones = chars.prefix { $0 == alphabet[0] }.count
        var bytes: [UInt8] = []  // least significant first
        for c in chars[ones...] {
            let v = values[Int(c)]
            guard v >= 0 else { return nil }
            var carry = Int(v)
            for i in bytes.indices {
                carry += Int(bytes[i]) * 58
                bytes[i] = UInt8(carry & 0xff)
                carry >>= 8
            }
            while carry > 0 {
                bytes.append(UInt8(carry & 0xff))
                carry >>= 8
            }
        }
        return [UInt8](repeating: 0, count: ones) + bytes.reversed()
    }

    /// Base58Check: `payload` followed by the first 4 bytes of its double SHA-256.
    public static func checkEncode(_ payload: [UInt8]) -> String {
        encode(payload + Hash256.doubleSHA256(payload).bytes.prefix(4))
    }

    /// The payload of Base58Check text; nil when it is not Base58 or the checksum is wrong.
    public static func checkDecode(_ text: String) -> [UInt8]? {
        guard let bytes = decode(text), bytes.count >= 4 else { return nil }
        let payload = Array(bytes.dropLast(4))
        guard Hash256.doubleSHA256(payload).bytes.prefix(4).elementsEqual(bytes.suffix(4)) else { return nil }
        return payload
    }
}
