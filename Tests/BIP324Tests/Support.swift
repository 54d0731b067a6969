@testable import BIP324
import NodeHarness
import Foundation
import Testing

/// Hex to bytes; nil on a bad digit or an odd count.
func hex(_ text: some StringProtocol) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
        guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
        out.append(high << 4 | low)
        index += 2
    }
    return out
}

private func nibble(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
}

func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// One row of a vector file: its line number and its fields by column name.
struct CSVRow: CustomTestStringConvertible, Sendable {
    var file: String
    var line: Int
    var fields: [String: String]
    var testDescription: String { "\(file):\(line)" }

    subscript(_ column: String) -> String { fields[column] ?? "" }

    /// The column as bytes (empty for an empty field); nil for bad hex.
    func bytes(_ column: String) -> [UInt8]? { hex(self[column]) }
}

/// The official BIP324 vectors (bitcoin/bips, bip-0324/, copied into Vectors/; see SOURCE).
enum Vectors {
    static func load(_ name: String) -> [CSVRow] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Vectors"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { return [] }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else { return [] }
        return lines.dropFirst().enumerated().compactMap { offset, line in
            if line.isEmpty { return nil }
            let values = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return CSVRow(file: name, line: offset + 2, fields: Dictionary(uniqueKeysWithValues: zip(header, values)))
        }
    }

    static let ellswiftDecode = load("ellswift_decode_test_vectors")
    static let xswiftecInv = load("xswiftec_inv_test_vectors")
    static let packetEncoding = load("packet_encoding_test_vectors")
}

/// `count` points on the curve with their X coordinates, from random X values drawn with a
/// seeded generator (about half of all X values are on the curve).
func randomCurvePoints(seed: UInt64, count: Int) -> [(x: FieldElement, point: AffinePoint)] {
    var rng = SeededRNG(seed: seed)
    var out: [(x: FieldElement, point: AffinePoint)] = []
    while out.count < count {
        let x = FieldElement(bigEndian: rng.bytes(32))
        if let point = AffinePoint.lift(x: x) { out.append((x, point)) }
    }
    return out
}
