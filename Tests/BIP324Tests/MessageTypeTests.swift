import Testing
import BIP324
import BitcoinWire
import NodeHarness

@Suite("v2 message types")
struct MessageTypeTests {
    /// BIP324's table, checked against its text: ids 1...28.
    @Test func table() {
        #expect(V2MessageID.commands.count == 29)
        #expect(V2MessageID.id(for: "addr") == 1)
        #expect(V2MessageID.id(for: "ping") == 18)
        #expect(V2MessageID.id(for: "pong") == 19)
        #expect(V2MessageID.id(for: "tx") == 21)
        #expect(V2MessageID.id(for: "addrv2") == 28)
        #expect(V2MessageID.id(for: "version") == nil)
        #expect(V2MessageID.command(for: 0) == nil)
        #expect(V2MessageID.command(for: 29) == nil)
        #expect(V2MessageID.command(for: 255) == nil)
    }

    @Test(arguments: 1...28)
    func shortIDRoundTrip(_ id: Int) throws {
        let command = try #require(V2MessageID.command(for: UInt8(id)))
        #expect(V2MessageID.id(for: command) == UInt8(id))
        let contents = try V2MessageType.contents(command: command, payload: [9, 9])
        #expect(contents == [UInt8(id), 9, 9])
        #expect(V2MessageType.decode(contents) == .known(command: command, payloadOffset: 1))
        // The long form means the same command.
        let long = [0] + command.wireBytes
        #expect(V2MessageType.decode(long) == .known(command: command, payloadOffset: 13))
    }

    @Test(arguments: ["version", "verack", "sendaddrv2", "wtxidrelay", "getaddr", "a", "twelve_chars"])
    func longFormRoundTrip(_ name: String) throws {
        let command = try Command(name)
        let contents = try V2MessageType.contents(command: command, payload: [1, 2, 3])
        #expect(contents.count == 13 + 3)
        #expect(contents[0] == 0)
        #expect(V2MessageType.decode(contents) == .known(command: command, payloadOffset: 13))
        #expect(V2MessageType.decode(contents[...]) == .known(command: command, payloadOffset: 13))
    }

    @Test func badCommandsDoNotEncode() {
        // A Command is checked when it is made: these never become one.
        for name in ["thirteen_char", "tab\there", "é"] { #expect(Command(validating: name) == nil) }
        let empty: Command = ""
        #expect(throws: BIP324Error.invalidCommand("")) { try V2MessageType.encode(command: empty) }
    }

    @Test func malformedContents() {
        #expect(V2MessageType.decode([UInt8]()) == .malformed(.empty))
        #expect(V2MessageType.decode([0] + Array("version".utf8)) == .malformed(.truncatedLongForm(8)))
        #expect(V2MessageType.decode([UInt8](repeating: 0, count: 13)) == .malformed(.emptyCommand))
        #expect(V2MessageType.decode([0, 0x76, 0x01] + [UInt8](repeating: 0, count: 10)) == .malformed(.nonPrintableCommand(1)))
        #expect(V2MessageType.decode([0, 0x76, 0, 0x76] + [UInt8](repeating: 0, count: 9)) == .malformed(.badPadding))
        #expect(V2MessageType.decode([29, 1, 2]) == .unknownID(29))
        #expect(V2MessageType.decode([255]) == .unknownID(255))
    }

    /// The reasons read as the cases are written (the transport's notes show them).
    @Test func malformedReasonsDescribeTheCase() {
        let reasons: [V2MessageTypeError] = [.empty, .truncatedLongForm(8), .emptyCommand, .nonPrintableCommand(1), .badPadding]
        #expect(reasons.map { "\($0)" } == ["empty", "truncatedLongForm(8)", "emptyCommand", "nonPrintableCommand(1)", "badPadding"])
    }
}
