import Foundation
import Testing
@testable import BitcoinWire

@Suite("The command table")
struct CommandTableTests {
    /// Bitcoin Core's `ALL_NET_MESSAGE_TYPES` (src/protocol.h, Core 31), from PROTOCOL.md.
    static let coreVocabulary = """
        version verack addr addrv2 sendaddrv2 inv getdata merkleblock getblocks getheaders tx headers block getaddr \
        mempool ping pong notfound filterload filteradd filterclear sendheaders feefilter sendcmpct cmpctblock \
        getblocktxn blocktxn getcfilters cfilter getcfheaders cfheaders getcfcheckpt cfcheckpt wtxidrelay sendtxrcncl
        """.split(separator: " ").map(String.init)

    @Test func coversCoreVocabulary() {
        let names = Set(Command.all.map(\.name))
        for name in Self.coreVocabulary { #expect(names.contains(name), "\(name) is not in the table") }
        #expect(Command.all.count == Set(Command.all).count, "a command is in the table twice")
    }

    /// BIP324's table of short ids, as its text lists them.
    @Test func v2ShortIDs() {
        let bip324 = """
            addr block blocktxn cmpctblock feefilter filteradd filterclear filterload getblocks getblocktxn getdata \
            getheaders headers inv mempool merkleblock notfound ping pong sendcmpct tx getcfilters cfilter getcfheaders \
            cfheaders getcfcheckpt cfcheckpt addrv2
            """.split(separator: " ").map(String.init)
        for (i, name) in bip324.enumerated() {
            #expect(Command.command(v2ShortID: UInt8(i + 1))?.name == name)
        }
        #expect(Command.command(v2ShortID: 0) == nil)
        #expect(Command.command(v2ShortID: 29) == nil)
        #expect(Command.command(v2ShortID: 255) == nil)
    }

    /// Every command the table marks as decoded decodes into its own case, not `.unknown`
    /// (checked with the samples of the round-trip tests).
    @Test func decodedCommandsHaveCases() {
        let sampled = Set(sampleMessages.map(\.command))
        for command in Command.decodedCommands {
            #expect(sampled.contains(command), "no sample decodes as \(command)")
        }
        for message in sampleMessages {
            if case .unknown = message { continue }
            #expect(message.command.isDecoded, "\(message.command) decodes but the table says it does not")
        }
    }

    @Test func validation() throws {
        // Through a String: `Command("…")` with a literal is the tests' literal conversion.
        func make(_ text: String) throws(WireError) -> Command { try Command(text) }
        #expect(try make("ping") == .ping)
        #expect(try make("123456789012").name.count == 12)
        #expect(throws: WireError.self) { try make("1234567890123") }
        #expect(throws: WireError.self) { try make("tab\there") }
        #expect(throws: WireError.self) { try make("é") }
        #expect(Command.ping.wireBytes == Array("ping".utf8) + [UInt8](repeating: 0, count: 8))
    }

    /// Outside the table there are no command names as string literals in Sources. The
    /// exceptions, each a different thing that shares a command's spelling: field names the
    /// decoders give their fields (`version`, `addr`), JSON member names, inventory type
    /// names (`tx:HASH`), a column title, the program's own name, and doc comments.
    @Test func noCommandLiteralsInSources() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sources = root.appendingPathComponent("Sources")
        let names = Command.all.map(\.name)
        let exceptions = [
            #"(read\w*|record|beginGroup|Field\(name:|field:)\(?\s*""#,  // field names
            #"\("\w+", (\.(string|int|uint|bool|object|array|null)|opt\()"#,  // JSON members
            #"\("\w+", InventoryItem\."#,  // inventory type names
            #"Column\(title:"#,  // the peer table's ping column
            #"commandName: "verack""#, #"\?\? "verack""#,  // the program
            #""transaction" : "block""#,  // English
            #"^\s*///"#,
        ].map { try! NSRegularExpression(pattern: $0) }
        var found: [String] = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let url = files?.nextObject() as? URL {
            guard url.pathExtension == "swift", url.lastPathComponent != "Command.swift" else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let l = String(line)
                guard names.contains(where: { l.contains("\"\($0)\"") }) else { continue }
                let range = NSRange(l.startIndex..., in: l)
                if exceptions.contains(where: { $0.firstMatch(in: l, range: range) != nil }) { continue }
                found.append("\(url.lastPathComponent):\(n + 1): \(l.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(found.isEmpty, "command names as literals outside the table:\n\(found.joined(separator: "\n"))")
    }
}
