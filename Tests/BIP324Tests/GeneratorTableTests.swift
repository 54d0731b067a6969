import NodeHarness
import Testing
@testable import BIP324

/// The signed 6-bit digits of ``GeneratorTable`` against OpenSSL's k·G, on scalars chosen to
/// hit the digit boundaries (windows of 32, 33, 63 and 0, which carry or not) and on random
/// ones.
@Suite("Generator table against OpenSSL")
struct GeneratorTableTests {
    /// The 256-bit number whose 6-bit windows (from bit 0) all hold `window`, cut to 32 bytes.
    static func repeatedWindow(_ window: UInt64) -> [UInt8] {
        var limbs: [UInt64] = [0, 0, 0, 0]
        for index in 0..<43 {
            let position = 6 * index
            limbs[position / 64] |= window << UInt64(position % 64)
            if position % 64 > 58 && position / 64 < 3 { limbs[position / 64 + 1] |= window >> UInt64(64 - position % 64) }
        }
        return limbs.reversed().flatMap { limb in (0..<8).map { UInt8(truncatingIfNeeded: limb >> (56 - 8 * UInt64($0))) } }
    }

    static let scalars: [[UInt8]] = {
        let n = FieldDifferentialTests.n
        let zero = [UInt8](repeating: 0, count: 32)
        var out = [1, 2, 31, 32, 33, 63, 64, 65, 95, 96, 97, 2047, 2048, 2049, 4095].map { FieldDifferentialTests.offset(zero, $0) }
        // Windows all 32 or 31 (no carries), all 33 or 63 (carries throughout), alternating.
        for window: UInt64 in [31, 32, 33, 63, 1, 0b10_0001] {
            let bytes = repeatedWindow(window)
            if Scalar(bigEndian: bytes) != nil { out.append(bytes) }
        }
        out += [FieldDifferentialTests.offset(n, -1), FieldDifferentialTests.offset(n, -2), FieldDifferentialTests.offset(n, -33),
                [0x7f] + [UInt8](repeating: 0xff, count: 31), [0x80] + [UInt8](repeating: 0, count: 31),
                [0x0f] + [UInt8](repeating: 0xff, count: 31), [0xf0] + [UInt8](repeating: 0, count: 31)]
        var rng = SeededRNG(seed: 96)
        out += (0..<40).map { _ in rng.bytes(32) }
        return out
    }()

    @Test func multiplesMatchOpenSSL() throws {
        let f = try Secp256k1()
        for k in Self.scalars {
            guard let scalar = Scalar(bigEndian: k) else { continue }
            let expected = try f.multiplyGenerator(BigNum(bigEndian: k)).bigEndian32()
            let product = GeneratorTable.multiply(scalar)
            #expect(product.affineX.bigEndian == expected, "k=\(hexString(k))")
            #expect(product.affine?.isOnCurve == true, "k=\(hexString(k))")
            #expect(product.affine == PointMultiplication.multiply(.generator, by: scalar).affine, "k=\(hexString(k))")
        }
    }

    @Test func bitsReadAcrossLimbs() {
        var rng = SeededRNG(seed: 97)
        for _ in 0..<50 {
            let s = Scalar(unchecked: rng.next(), rng.next(), rng.next(), rng.next())
            let limbs = [s.l0, s.l1, s.l2, s.l3]
            for position in 0..<256 {
                for count in [1, 4, 6] {
                    var expected: UInt64 = 0
                    for bit in 0..<count where position + bit < 256 {
                        expected |= (limbs[(position + bit) / 64] >> UInt64((position + bit) % 64) & 1) << UInt64(bit)
                    }
                    #expect(s.bits(at: position, count: count) == expected)
                }
            }
        }
    }
}
