/// Hex encoding and decoding of byte strings.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex of `bytes`, no separators.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex text; whitespace anywhere is ignored, and an optional `0x` prefix is allowed.
    public static func decode(_ text: String) throws(WireError) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        var position = 0
        var utf8 = Array(text.utf8)
        if utf8.count >= 2, utf8[0] == UInt8(ascii: "0"), utf8[1] | 0x20 == UInt8(ascii: "x") {
            utf8.removeFirst(2)
            position = 2
        }
        for c in utf8 {
            position += 1
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"): continue
            default:
                let shown = c >= 0x20 && c < 0x7f ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(encode([c]))"
                throw .invalidHex(reason: "\(shown) at character \(position) is not a hex digit")
            }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        if high != nil { throw .invalidHex(reason: "odd number of hex digits") }
        return out
    }
}

/// Text from the wire made safe for a terminal.
public enum DisplayText {
    /// Replaces control characters (C0, DEL, C1), which a hostile peer could use to send
    /// escape sequences to the user's terminal through a user agent, with `\u{FFFD}`.
    public static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            out.append(isControl(s) && s != "\n" ? "\u{FFFD}" : s)
        }
        return String(out)
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (s.value >= 0x7f && s.value < 0xa0)
    }

    /// Whether UTF-8 `bytes` hold a character ``sanitize(_:)`` would replace (or a line
    /// break), read byte by byte without making a String: C0 and DEL are single bytes, C1
    /// is C2 80–9F.
    public static func containsControl(utf8 bytes: [UInt8]) -> Bool {
        var previous: UInt8 = 0
        for byte in bytes {
            if byte < 0x20 || byte == 0x7f || (previous == 0xc2 && byte >= 0x80 && byte < 0xa0) { return true }
            previous = byte
        }
        return false
    }
}
