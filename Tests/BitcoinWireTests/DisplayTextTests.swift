@testable import BitcoinWire
import Testing

/// The byte-level check a printer uses before writing a line, against the scalar-level
/// rule of `DisplayText.sanitize`: both must find the same lines unsafe.
struct DisplayTextTests {
    @Test(arguments: [
        "", "plain /Satoshi:27.0.0/", "é ü — ✓ 𝄞", "tab\there", "line\nbreak", "esc\u{1b}[31mred", "del\u{7f}",
        "c1 \u{80} start", "c1 \u{9b} csi", "c1 end \u{9f}", "not c1 \u{a0} nbsp", "Ā (C4 80)", "\u{ff}",
    ])
    func bytesAgreeWithScalars(_ text: String) {
        let bytes = Array(text.utf8)
        let scalarsFlag = text.unicodeScalars.contains(where: DisplayText.isControl)
        #expect(DisplayText.containsControl(utf8: bytes) == scalarsFlag)
        #expect((DisplayText.sanitize(text) != text) == (scalarsFlag && text.unicodeScalars.contains { DisplayText.isControl($0) && $0 != "\n" }))
    }

    @Test func everyScalarBelowTheLatin1EndAgrees() {
        for value in UInt32(0)..<0x800 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "a\(Character(scalar))b"
            #expect(DisplayText.containsControl(utf8: Array(text.utf8)) == DisplayText.isControl(scalar), "U+\(String(value, radix: 16))")
        }
    }
}
