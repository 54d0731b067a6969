import Testing
@testable import BitcoinWire

@Suite("verack decode reports")
struct FrameReportTests {
    let verack = hex("f9beb4d976657261636b000000000000000000005df6e0e2")

    @Test func validFrame() throws {
        let report = FrameStreamReport(bytes: verack, network: nil)
        #expect(report.autodetected)
        #expect(report.network == .mainnet)
        #expect(report.isValid)
        #expect(report.lines == [
            "network mainnet (auto-detected from the first frame's magic)",
            "",
            "frame 1 at offset 0 (24 bytes)",
            "  magic     f9beb4d9 (mainnet)",
            "  command   verack",
            "  length    0",
            "  checksum  5df6e0e2",
            "  checksum ok",
            "  summary   verack",
            "fields:",
            "  magic = f9beb4d9 [0..<4]",
            "  command = \"verack\" [4..<16]",
            "  length = 0 [16..<20]",
            "  checksum = 5df6e0e2 [20..<24]",
            "hex:",
            "  0000  f9 be b4 d9 76 65 72 61  63 6b 00 00 00 00 00 00  |....verack......|  magic 0-3, command 4-15",
            "  0010  00 00 00 00 5d f6 e0 e2                           |....]...|          length 16-19, checksum 20-23, payload 24-",
        ])
        #expect(report.jsonLines == [
            #"{"frame":1,"offset":0,"magic":"f9beb4d9","network":"mainnet","command":"verack","size":0,"checksum":"5df6e0e2","payload_checksum":"5df6e0e2","checksum_ok":true,"valid":true,"summary":"verack","fields":[{"name":"magic","value":"f9beb4d9","offset":0,"length":4},{"name":"command","value":"verack","offset":4,"length":12},{"name":"length","value":0,"offset":16,"length":4},{"name":"checksum","value":"5df6e0e2","offset":20,"length":4}],"hex":"f9beb4d976657261636b000000000000000000005df6e0e2"}"#,
        ])
    }

    @Test func severalFramesAndAutodetectedRegtest() {
        let frames = [Message.version(sampleVersion), .verack, .ping(nonce: 5)].map { FrameEncoder.encode($0, magic: Network.regtest.magic) }
        let report = FrameStreamReport(bytes: frames.flatMap { $0 }, network: nil)
        #expect(report.network == .regtest)
        #expect(report.autodetected)
        #expect(report.isValid)
        #expect(report.frames.map(\.streamOffset) == [0, frames[0].count, frames[0].count + 24])
        #expect(report.frames.map(\.summary) == ["version 70016 /verack:0.1.0/ h=871234", "verack", "ping nonce=5"])
        #expect(report.frames[0].lines.contains("  magic     fabfb5da (regtest)"))
        #expect(report.frames[0].lines.contains("  version = 70016 [24..<28]"))
    }

    @Test func badChecksumIsInvalidButShowsFields() {
        let bad = (try? Corruption.checksum.apply(to: FrameEncoder.encode(.ping(nonce: 1), magic: Network.mainnet.magic))) ?? []
        let report = FrameStreamReport(bytes: bad + verack, network: .mainnet)
        #expect(!report.autodetected)
        #expect(!report.isValid)
        #expect(report.frames.count == 2)
        #expect(report.frames[1].isValid)
        let lines = report.frames[0].lines
        let good = Checksum(of: bad[24...])
        #expect(lines.contains("  checksum MISMATCH: header says \(Checksum(value: ~good.value)), payload hashes to \(good)"))
        #expect(lines.contains("  nonce = 1 [24..<32]"))
        let json = report.frames[0].json
        #expect(json["checksum_ok"] == .bool(false))
        #expect(json["valid"] == .bool(false))
        #expect(json["error"] == .string("checksum mismatch in frame at offset 0: header says \(Checksum(value: ~good.value)), payload hashes to \(good)"))
        #expect(json["fields"].map { if case let .array(a) = $0 { a.count } else { 0 } } == 5)
    }

    @Test func trailingBytesAreTruncated() {
        let report = FrameStreamReport(bytes: verack + verack.prefix(10), network: nil)
        #expect(report.frames.count == 2)
        #expect(!report.isValid)
        #expect(report.frames[1].errorText == "truncated at offset 24: header needs 24 bytes, 10 left")
        #expect(report.frames[1].lines.contains("  error: truncated at offset 24: header needs 24 bytes, 10 left"))
        #expect(report.frames[1].json["magic"] == .null)
        #expect(report.frames[1].json["error"] == .string("truncated at offset 24: header needs 24 bytes, 10 left"))
    }

    @Test func truncatedPayload() {
        let ping = FrameEncoder.encode(.ping(nonce: 1), magic: Network.mainnet.magic)
        let report = FrameStreamReport(bytes: Array(ping.prefix(28)), network: nil)
        #expect(report.frames.count == 1)
        #expect(report.frames[0].errorText == "truncated at offset 24: payload needs 8 bytes, 4 left")
        #expect(report.frames[0].checksumVerdict == "checksum not checked: the payload is incomplete")
    }

    @Test func wrongMagicStops() {
        let testnet = FrameEncoder.encode(.verack, magic: Network.testnet3.magic)
        let report = FrameStreamReport(bytes: verack + testnet + verack, network: nil)
        #expect(report.frames.count == 2)
        #expect(report.frames[1].errors == [.badMagic(expected: Network.mainnet.magic, actual: Network.testnet3.magic, offset: 0)])
        #expect(report.frames[1].lines.contains("  magic     0b110907 (testnet3)"))
        // The BSV regtest magic is not a known network: mainnet is assumed, and it is wrong.
        let bsv = FrameEncoder.encode(.verack, magic: Vectors.bsvRegtest)
        let unknown = FrameStreamReport(bytes: bsv, network: nil)
        #expect(!unknown.autodetected)
        #expect(!unknown.isValid)
        #expect(unknown.frames[0].lines.contains("  magic     dab5bffa (unknown network)"))
        let given = FrameStreamReport(bytes: bsv, network: .custom(magic: Vectors.bsvRegtest))
        #expect(given.isValid)
        #expect(given.lines.first == "network custom-dab5bffa (magic dab5bffa)")
    }

    @Test func oversizedLengthStops() {
        var big = verack
        big[16..<20] = [0x01, 0x09, 0x3d, 0x00]
        let report = FrameStreamReport(bytes: big + verack, network: nil)
        #expect(report.frames.count == 1)
        #expect(report.frames[0].raw.count == 24)
        #expect(report.frames[0].errors == [.payloadTooLarge(length: 4_000_001, limit: 4_000_000, offset: 16)])
    }

    @Test func invalidCommandContinues() {
        var bad = verack
        bad[4] = 0x01
        let report = FrameStreamReport(bytes: bad + verack, network: nil)
        #expect(report.frames.count == 2)
        #expect(!report.frames[0].isValid)
        #expect(report.frames[1].isValid)
    }

    @Test func empty() {
        let report = FrameStreamReport(bytes: [], network: nil)
        #expect(!report.isValid)
        #expect(report.lines.last == "error: no bytes to decode")
        #expect(report.jsonLines == [#"{"error":"no bytes to decode"}"#])
    }

    @Test(arguments: Vectors.captured)
    func capturedFramesDecodeWithTheirMagic(_ v: FrameVector) {
        let report = FrameStreamReport(bytes: v.bytes, network: .custom(magic: Vectors.bsvRegtest))
        #expect(report.isValid, "\(report.frames.first?.errorText ?? "")")
    }
}
