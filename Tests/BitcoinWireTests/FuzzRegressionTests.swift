import Testing
@testable import BitcoinWire

/// Inputs that scripts/fuzz (libFuzzer) found crashing the codec, kept as hex literals.
@Suite("Fuzzer regressions")
struct FuzzRegressionTests {
    /// A version payload whose timestamp is Int64.min (bytes 12..<20), cut short after it:
    /// showing the field tree trapped on `(seconds - 86399)` in UTCTime.format.
    @Test func versionTimestampOfInt64Min() {
        let input = hex("dab20000 0000000c 00000000 0000000000000080")
        let (fields, error) = Message.fields(command: "version", payload: input[...])
        #expect(error != nil)
        let timestamp = fields.first { $0.name == "timestamp" }
        #expect(timestamp?.value == .time(.min))
        #expect(timestamp?.value.display == "-9223372036854775808 (-292277022657-01-27 08:29:52Z)")
        _ = Field.render(fields)
        _ = JSONValue.array(fields.map(\.json)).serialized
    }

    @Test func utcTimeAtTheEndsOfInt64() {
        #expect(UTCTime.format(.min) == "-292277022657-01-27 08:29:52Z")
        #expect(UTCTime.format(.min + 86399) == "-292277022657-01-28 08:29:51Z")
        #expect(UTCTime.format(.max) == "292277026596-12-04 15:30:07Z")
        #expect(UTCTime.format(0) == "1970-01-01 00:00:00Z")
        #expect(UTCTime.format(-1) == "1969-12-31 23:59:59Z")
        #expect(UTCTime.format(-86400) == "1969-12-31 00:00:00Z")
        #expect(UTCTime.format(-86401) == "1969-12-30 23:59:59Z")
    }

    /// A getblocktxn whose sixth differential index overflows 16 bits: the field tree's
    /// decode named the failing field `index[5]`, plain decoding `index`, so the two errors
    /// differed (found by the message target within seconds of getting the new decoders).
    @Test func getblocktxnOverflowSameErrorTracedOrNot() {
        let input = hex("""
            ffff fe00 557c 64fd e4cb bce6 6b08 08fe 50c3 0000 0808 0808 0808 0808 0808 0808 0808 0808 0808 \
            ffff fefd 0808 0808 0c08 0808 0808 0808
            """)
        let (_, traced) = Message.fields(command: "getblocktxn", payload: input[...])
        let plain = Result { () throws(WireError) in try Message.decode(command: "getblocktxn", payload: input[...]) }
        guard case let .failure(error) = plain else {
            Issue.record("decoded: \(plain)")
            return
        }
        #expect(traced == error)
    }
}
