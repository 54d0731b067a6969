import BitcoinWire
import PeerEngine
import Testing
@testable import ConsoleUI

@Suite struct CommandParserTests {
    @Test(arguments: [
        ("connect 127.0.0.1:18444", UserCommand.engine(.connect("127.0.0.1:18444"))),
        ("connect [::1]:8333", .engine(.connect("[::1]:8333"))),
        ("connect seeds", .engine(.connectSeeds)),
        ("connect --v2 127.0.0.1:18444", .engine(.connect("127.0.0.1:18444", .v2))),
        ("connect 10.0.0.1 --V1", .engine(.connect("10.0.0.1", .v1))),
        ("resend 1 ping --corrupt tag", .engine(.resend(1, "ping", .tag))),
        ("drop 3", .engine(.drop(3))),
        ("drop all", .engine(.dropAll)),
        ("resend 1 ping", .engine(.resend(1, "ping", nil))),
        ("resend 1 ping --corrupt checksum", .engine(.resend(1, "ping", .checksum))),
        ("resend 2 version --corrupt=length-oversized", .engine(.resend(2, "version", .lengthOversized))),
        ("resend --corrupt truncate 2 version", .engine(.resend(2, "version", .truncate))),
        ("send 1 getheaders", .engine(.send(1, .getheaders(BlockLocator(hashes: [Network.mainnet.genesisHash])), nil))),
        ("  send   1   getaddr  ", .engine(.send(1, .getaddr, nil))),
        ("filter peer 2", .filter(.peer(2))),
        ("filter command inv", .filter(.command("inv"))),
        ("filter off", .filter(nil)),
        ("filter peer 1,2 command ping,pong dir in corrupt",
         .filter(LogFilter(peers: [1, 2], commands: ["ping", "pong"], direction: .received, corruptOnly: true))),
        ("filter dir out", .filter(LogFilter(direction: .sent))),
        ("/version 70016", .search("version 70016")),
        ("save --pcap /tmp/a.pcap", .save(SaveRequest(path: "/tmp/a.pcap", pcap: true, force: false))),
        ("save --force x.pcap --pcap", .save(SaveRequest(path: "x.pcap", pcap: true, force: true))),
        ("save session.jsonl", .save(SaveRequest(path: "session.jsonl", pcap: false, force: false))),
        ("record --force r.jsonl", .record(SaveRequest(path: "r.jsonl", pcap: false, force: true))),
        ("record off", .record(nil)),
        ("  /", .search(nil)),
        ("help", .help),
        ("quit", .quit),
        ("QUIT", .quit),
    ])
    func parses(_ line: String, _ expected: UserCommand) {
        #expect(CommandParser.parse(line) == .success(expected))
    }

    @Test(arguments: [
        ("", "empty command: type help"),
        ("frobnicate", "unknown command 'frobnicate': try connect, drop, resend, send, filter, save, record, addresses, crawl, probe, relay, intercept, forward, inject, help or quit"),
        ("connect", "usage: connect [--v1|--v2] ADDRESS|seeds"),
        ("connect --v1 --v2 1.2.3.4", "connect: give --v1 or --v2, not both"),
        ("connect --v3 1.2.3.4", "connect: unknown option '--v3': use --v1 or --v2"),
        ("connect --v2 seeds", "connect seeds: the transport follows --transport"),
        ("drop x", "bad peer id 'x': a number from the table's id column"),
        ("drop 0", "bad peer id '0': a number from the table's id column"),
        ("drop 1 2", "usage: drop ID|all|hN"),
        ("resend 1 ping --corrupt wrong", "resend: unknown corruption 'wrong': use checksum, magic, length, length-short, length-oversized, truncate, tag"),
        ("resend 1 ping --corrupt", "usage: resend ID COMMAND [--corrupt checksum|magic|length|length-short|length-oversized|truncate|tag]"),
        ("resend 1 ping --loud", "resend: unknown option '--loud'"),
        ("resend 1 averyveryverylongcommand", "resend: 'averyveryverylongcommand' is not a command name (ASCII, at most 12 characters)"),
        ("send 1 pong", "send: pong: argument 1: NONCE is missing (usage: pong NONCE)"),
        ("send 1 getdata tx:12", "send: getdata: argument 1 'tx:12': a hash is 64 hex digits"),
        ("send 1 frobnicate", "send: frobnicate: unknown command (commands: inv getdata notfound getheaders getblocks ping pong feefilter sendcmpct sendtxrcncl tx block headers getblocktxn filterload filteradd getcfilters getcfheaders getcfcheckpt feature verack sendheaders wtxidrelay sendaddrv2 getaddr mempool filterclear raw; raw COMMAND HEX sends any other)"),
        ("send 1 ping --corrupt bogus", "send: unknown corruption 'bogus': use checksum, magic, length, length-short, length-oversized, truncate, tag"),
        ("filter", "usage: filter off | filter [peer ID,…] [command NAME,…] [dir in|out] [corrupt]"),
        ("filter peer", "filter: peer needs a value: filter off | filter [peer ID,…] [command NAME,…] [dir in|out] [corrupt]"),
        ("filter peer 1,,2", "filter: empty item in '1,,2'"),
        ("filter peer 1 peer 2", "filter: 'peer' given twice"),
        ("filter dir sideways", "filter: dir is in or out, not 'sideways'"),
        ("filter colour red", "filter: unknown term 'colour': use peer, command, dir or corrupt"),
        ("filter off peer 1", "filter: 'off' stands alone"),
        ("help me", "usage: help"),
        ("save", "usage: save [--pcap] [--force] FILE"),
        ("save --pcap a b", "usage: save [--pcap] [--force] FILE"),
        ("save --json x", "save: unknown option '--json'"),
        ("record", "usage: record [--force] FILE | record off"),
        ("record --pcap x", "record: unknown option '--pcap'"),
    ])
    func rejects(_ line: String, _ message: String) {
        #expect(CommandParser.parse(line) == .failure(CommandError(message)))
    }
}

@Suite struct LineEditorTests {
    @Test func editingKeys() {
        var e = LineEditor()
        e.insert("drop 12")
        e.left()
        e.left()
        e.insert("3")
        #expect(e.text == "drop 312")
        #expect(e.cursor == 6)
        e.home()
        e.deleteForward()
        #expect(e.text == "rop 312")
        e.end()
        e.backspace()
        #expect(e.text == "rop 31")
        e.killWord()
        #expect(e.text == "rop ")
        e.insert("x y")
        e.left()
        e.killToStart()
        #expect(e.text == "y")
        #expect(e.cursor == 0)
    }

    @Test func historyKeepsTheDraft() {
        var e = LineEditor()
        e.insert("send 1 ping")
        _ = e.submit()
        e.insert("drop 1")
        _ = e.submit()
        e.insert("dr")
        e.historyUp()
        #expect(e.text == "drop 1")
        e.historyUp()
        #expect(e.text == "send 1 ping")
        e.historyUp()
        #expect(e.text == "send 1 ping")
        e.historyDown()
        e.historyDown()
        #expect(e.text == "dr")
        #expect(e.history == ["send 1 ping", "drop 1"])
    }
}

@Suite struct CompletionTests {
    @Test(arguments: [
        ("res", "resend ", [String]()),
        ("re", "re", ["resend", "record", "relay"]),
        ("d", "drop ", []),
        ("drop ", "drop ", ["1", "12", "all"]),
        ("drop 1", "drop 1", ["1", "12"]),
        ("drop a", "drop all ", []),
        ("send 12 getb", "send 12 getblock", ["getblocks", "getblocktxn"]),
        ("send 1 getdata wb", "send 1 getdata wblock:", []),
        ("resend 1 ver", "resend 1 ver", ["version", "verack"]),
        ("resend 1 ping --c", "resend 1 ping --corrupt ", []),
        ("resend 1 ping --corrupt ch", "resend 1 ping --corrupt checksum ", []),
        ("filter c", "filter co", ["command", "corrupt"]),
        ("filter peer 1 d", "filter peer 1 dir ", []),
        ("filter dir ", "filter dir ", ["in", "out"]),
        ("zzz", "zzz", []),
    ])
    func completes(_ line: String, _ completed: String, _ candidates: [String]) {
        let result = Completion.complete(line, peers: [1, 12])
        #expect(result.line == completed)
        #expect(result.candidates == candidates)
    }

    /// ASCII lines are split on bytes, others on characters; both must give the words the
    /// character split gives.
    @Test(arguments: ["send 1 ping", "  drop\t\t2  ", "a\r\nb c", "\t", "", "connect [::1]:18444 --v2", "x \u{301}y", "日本 語", "e\u{301} \u{3000}z"])
    func splitsWordsAsCharactersDo(_ line: String) {
        let expected = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        #expect(CommandParser.words(line) == expected)
    }

    @Test func namesAreShortAndAnyCaseDoes() {
        #expect(CommandParser.names.allSatisfy { $0.utf8.count <= 9 })
        #expect(CommandParser.parse("ADDRESSES") == .success(.addresses))
        #expect(CommandParser.parse("  Quit ") == .success(.quit))
        let long = "addressesx " + String(repeating: "é", count: 40)
        #expect(CommandParser.parse(long) == .failure(CommandError(
            "unknown command 'addressesx': try connect, drop, resend, send, filter, save, record, addresses, crawl, probe, relay, intercept, forward, inject, help or quit")))
    }

    @Test func wordsOfAnAsciiLine() {
        #expect(CommandParser.words("  drop\t\t2  ") == ["drop", "2"])
        #expect(CommandParser.words("a\r\nb c") == ["a\r\nb", "c"])
        #expect(CommandParser.words(" \t ").isEmpty)
    }
}
