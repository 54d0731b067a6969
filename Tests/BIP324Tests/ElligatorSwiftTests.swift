import NodeHarness
import Testing
@testable import BIP324

@Suite("ElligatorSwift (BIP324 vectors)")
struct ElligatorSwiftTests {
    @Test func vectorFilesLoad() {
        #expect(Vectors.ellswiftDecode.count == 76)
        #expect(Vectors.xswiftecInv.count == 32)
        #expect(Vectors.packetEncoding.count == 7)
    }

    /// c is √-3 mod p: -c² = 3.
    @Test func constantCIsSquareRootOfMinusThree() throws {
        let f = try Secp256k1()
        #expect(try f.neg(f.sqr(f.c)) == BigNum(word: 3))
        #expect(try f.isSquare(f.c))
    }

    @Test(arguments: Vectors.ellswiftDecode)
    func decode(_ row: CSVRow) throws {
        let encoding = try #require(row.bytes("ellswift"))
        let x = try #require(row.bytes("x"))
        #expect(try ElligatorSwift.decode(encoding) == x, "\(row["comment"])")
    }

    /// Every case of every row: present t values match exactly, absent ones give nil, and
    /// each t found maps back to x.
    @Test(arguments: Vectors.xswiftecInv)
    func inverse(_ row: CSVRow) throws {
        let u = try #require(row.bytes("u"))
        let x = try #require(row.bytes("x"))
        for branch in 0..<8 {
            let expected = try #require(row.bytes("case\(branch)_t"))
            let t = try ElligatorSwift.xSwiftECInv(x: x, u: u, case: branch)
            if expected.isEmpty {
                #expect(t == nil, "case \(branch)")
            } else {
                #expect(t == expected, "case \(branch)")
                #expect(try ElligatorSwift.xSwiftEC(u: u, t: expected) == x, "case \(branch)")
            }
        }
    }

    /// Fresh encodings decode to the X coordinate they encode, and differ each time.
    @Test func encodeDecodes() throws {
        var rng = SeededRNG(seed: 7)
        for row in Vectors.ellswiftDecode.prefix(12) {
            let x = try #require(row.bytes("x"))
            let first = try ElligatorSwift.encode(x: x, using: &rng)
            let second = try ElligatorSwift.encode(x: x)
            #expect(first.count == 64)
            #expect(first != second)
            #expect(try ElligatorSwift.decode(first) == x)
            #expect(try ElligatorSwift.decode(second) == x)
        }
    }

    @Test func wrongSizesThrow() {
        #expect(throws: BIP324Error.wrongByteCount(what: "ellswift", expected: 64, actual: 63)) {
            try ElligatorSwift.decode([UInt8](repeating: 1, count: 63))
        }
        #expect(throws: BIP324Error.wrongByteCount(what: "u", expected: 32, actual: 0)) {
            try ElligatorSwift.xSwiftECInv(x: [UInt8](repeating: 1, count: 32), u: [], case: 0)
        }
    }
}
