import BitcoinWire
import PeerEngine
import Testing
@testable import ConsoleUI

@Suite struct ConsoleModelTests {
    @Test func focusStartsOnTheCommandLineAndTabCycles() {
        var m = Fixtures.handshake()
        #expect(m.focus == .commandLine)
        _ = m.press(.tab)
        #expect(m.focus == .table)
        _ = m.press(.tab)
        #expect(m.focus == .log)
        _ = m.press(.tab)
        #expect(m.focus == .commandLine)
        _ = m.press(.tab, .tab, .char(":"))
        #expect(m.focus == .commandLine)
    }

    @Test func tabCompletesWhenTheLineIsNotEmpty() {
        var m = Fixtures.handshake()
        _ = m.type("res", enter: false)
        _ = m.press(.tab)
        #expect(m.editor.text == "resend ")
        #expect(m.focus == .commandLine)
    }

    @Test func completionCandidatesLeaveWithTheNextKey() {
        var m = Fixtures.handshake()
        _ = m.type("resend 1 p", enter: false)
        _ = m.press(.tab)
        #expect(m.status?.text == "ping  pong")
        _ = m.press(.char("i"))
        #expect(m.status == nil, "the candidates belonged to the line before")
    }

    @Test func aTallerPaneShowsOlderFramesRatherThanEmptyRows() {
        var m = Fixtures.handshake(width: 80, height: 24)
        for i in 0..<60 { m.handle(.frame(Fixtures.frame(.ping(nonce: UInt64(i)), time: Double(i)))) }
        _ = m.press(.tab, .tab, .up, .up, .up)
        #expect(!m.following)
        m.resize(width: 160, height: 60)
        let (top, _) = m.logViewport()
        #expect(top + m.layout.logRows <= m.log.count, "no empty rows under the last frame")
        #expect(top + m.layout.logRows >= m.log.count - 3, "the selection stays near the bottom")
    }

    @Test func injectedFramesStandOutEvenUncorrupted() {
        var m = Fixtures.handshake(width: 120, height: 40)
        var frame = Fixtures.frame(.getaddr, time: 3)
        frame.origin = .injected
        m.handle(.frame(frame))
        let screen = m.render()
        guard let row = screen.lines.firstIndex(where: { $0.contains("!injected getaddr") }) else {
            Issue.record("no !injected row:\n\(screen.text)")
            return
        }
        let col = screen.lines[row].distance(from: screen.lines[row].startIndex, to: screen.lines[row].range(of: "getaddr")!.lowerBound)
        #expect(screen[row, col].style.role == .corrupt)
    }

    @Test func quitKeys() {
        var m = Fixtures.handshake()
        _ = m.type("q", enter: false)
        #expect(m.editor.text == "q")
        #expect(m.press(.ctrl("c")) == [])
        #expect(m.editor.text == "")
        #expect(m.press(.ctrl("c")) == [.quit])
        _ = m.press(.tab)
        #expect(m.press(.char("q")) == [.quit])
        _ = m.press(.tab)
        #expect(m.press(.ctrl("c")) == [.quit])
        #expect(m.type("quit") == [.quit])
    }

    @Test func commandsBecomeEngineActions() {
        var m = Fixtures.handshake()
        #expect(m.type("resend 1 ping --corrupt checksum") == [.engine(.resend(1, "ping", .checksum))])
        #expect(m.type("send 1 getaddr") == [.engine(.send(1, .getaddr, nil))])
        #expect(m.type("connect 10.0.0.1") == [.engine(.connect("10.0.0.1"))])
        #expect(m.type("drop all") == [.engine(.dropAll)])
        #expect(m.editor.history.last == "drop all")
    }

    @Test func aWrongCommandShowsAnErrorAndChangesNothing() {
        var m = Fixtures.handshake()
        let before = m.render()
        #expect(m.type("drop 9") == [])
        #expect(m.status == StatusMessage(text: "no peer 9: peers are 1", isError: true))
        #expect(m.editor.text == "drop 9")
        #expect(m.type("", enter: true) == [])
        _ = m.press(.ctrl("u"))
        #expect(m.type("resend 1 ping --corrupt sideways") == [])
        #expect(m.status?.isError == true)
        var after = m.render()
        #expect(after.lines[..<22] == before.lines[..<22])
        after = m.render()
        #expect(after.lines[23].hasPrefix("error: resend: unknown corruption 'sideways'"))
    }

    @Test func engineErrorsGoToTheStatusBar() {
        var m = Fixtures.handshake()
        m.handle(.error(peer: 1, message: "not connected"))
        #expect(m.render().lines[23] == "error: peer 1: not connected")
        m.showError("connect: bad address")
        #expect(m.render().lines[23] == "error: connect: bad address")
    }

    @Test func scrollingUpPausesAndEndFollows() {
        var m = Fixtures.handshake()
        _ = m.press(.tab, .tab)
        #expect(m.following)
        _ = m.press(.up)
        #expect(!m.following)
        m.handle(.frame(Fixtures.frame(.ping(nonce: 1), time: 1)))
        // Paused: the selection stays where it was.
        #expect(m.logSelection == 4)
        #expect(m.render().lines[6].contains("paused — End/F to follow"))
        _ = m.press(.char("F"))
        #expect(m.following)
        _ = m.press(.home, .end)
        #expect(m.following)
    }

    @Test func detailOpensAndEscCloses() {
        var m = Fixtures.handshake()
        _ = m.press(.tab, .enter)
        #expect(m.detail == .ladder(peer: 1))
        m.handle(.frame(Fixtures.frame(.ping(nonce: 1), time: 1)))
        m.handle(.frame(Fixtures.frame(.ping(nonce: 2), peer: 2, time: 1)))
        #expect(m.ladderIndex.count == 7)
        _ = m.press(.esc)
        #expect(m.detail == nil)
        _ = m.press(.tab, .enter)
        #expect(m.detail == .message(seq: 7))
        _ = m.press(.esc, .char("?"))
        #expect(m.showHelp)
        _ = m.press(.char("x"))
        #expect(!m.showHelp)
    }

    /// A peer reached through a SOCKS5 proxy says so in its ladder.
    @Test func theLadderNamesThePeersProxy() {
        var m = Fixtures.handshake(width: 120, height: 30)
        var info = Fixtures.peer(1, address: "abcdefghijklmnop.onion:8333")
        info.transport = .v1
        info.proxy = "127.0.0.1:9050"
        m.handle(.peerUpdated(info))
        _ = m.press(.tab, .enter)
        #expect(m.detail == .ladder(peer: 1))
        #expect(m.render().text.contains("transport v1 · via SOCKS5 proxy 127.0.0.1:9050"))
    }

    @Test func filterCommandFiltersTheLog() {
        var m = Fixtures.handshake()
        _ = m.type("filter command ping")
        #expect(m.log.count == 1)
        #expect(m.render().lines[6].contains("Messages 1 · filter: command ping"))
        _ = m.type("filter off")
        #expect(m.log.count == 6)
        _ = m.type("filter peer 9")
        #expect(m.status?.isError == true)
        #expect(m.status?.text == "no peer 9: peers are 1")
        #expect(m.log.filter == nil, "a bad filter changes nothing")
    }

    @Test func saveAsksTheHostOnlyWhenThereIsSomethingToSave() {
        var m = ConsoleModel(networkName: "x", width: 80, height: 24)
        #expect(m.type("save --pcap a.pcap").isEmpty)
        #expect(m.status?.text == "save: the log is empty")
        var full = Fixtures.handshake()
        #expect(full.type("save --pcap a.pcap") == [.save(SaveRequest(path: "a.pcap", pcap: true, force: false))])
        #expect(full.endpoints[1]?.remote == "127.0.0.1:18444")
    }

    /// A gap in an opened capture is a row of its own, with a detail that says what is missing.
    @Test func aGapIsARowAndADetail() {
        var m = Fixtures.handshake(width: 120, height: 40)
        let gap = FrameEvent(peer: 1, direction: .received, time: 1, unit: .gap(20, note: "received stream: gap: 20 bytes missing at byte 130 of the stream; looking for the next frame"))
        m.handle(.frame(gap))
        let screen = m.render()
        let row = screen.lines.first { $0.contains("← gap") } ?? ""
        #expect(row.contains("20 !") && row.contains("received stream: gap: 20 bytes missing"), "\(screen.text)")
        for _ in 0..<3 where m.focus != .log { _ = m.press(.tab) }
        _ = m.press(.end, .enter)
        #expect(m.render().text.contains("gap: 20 bytes of the TCP stream were not captured"), "\(m.render().text)")
    }

    @Test func combinedFilterTermsMustAllMatch() {
        var m = Fixtures.handshake()
        m.handle(.frame(Fixtures.frame(.ping(nonce: 3), time: 1, corruption: .checksum)))
        _ = m.type("filter peer 1 command ping,pong dir out")
        #expect(m.log.count == 2, "our pong and our corrupted ping")
        _ = m.type("filter command ping,pong corrupt")
        #expect(m.log.count == 1)
        #expect(m.log.frame(at: 0)?.corruption == .checksum)
        #expect(m.render().lines[6].contains("filter: command ping,pong corrupt"))
    }

    /// `/TEXT` selects the newest match and highlights every match; N goes to earlier
    /// matches, n to later ones; hex finds bytes; `/` alone clears it.
    @Test func searchFindsHighlightsAndSteps() {
        var m = Fixtures.handshake(width: 120, height: 40)
        _ = m.type("/version")
        #expect(m.focus == .log)
        #expect(m.status?.text == "/version: 2 matching frames · N earlier, n later")
        let newest = m.selectedLogPosition
        #expect(m.log.frame(at: newest)?.direction == .received)
        _ = m.press(.char("N"))
        #expect(m.selectedLogPosition == newest - 1)
        _ = m.press(.char("N"))
        #expect(m.status?.text == "/version: no earlier match")
        _ = m.press(.char("n"))
        #expect(m.selectedLogPosition == newest)
        let screen = m.render()
        #expect(screen.lines.contains { $0.contains("Messages 6 · /version · paused") })
        let rows = screen.lines.indices.filter { screen.lines[$0].contains(" version ") && screen.lines[$0].contains("│00:") }
        #expect(rows.count == 2)
        for row in rows { #expect(screen[row, 17].style.underline, "a match's command cell is highlighted") }
        // Hex: the ping's nonce bytes.
        _ = m.type(":", enter: false)
        _ = m.type("/bc0a")
        #expect(m.status?.text == "/bc0a: 2 matching frames · N earlier, n later")
        _ = m.type(":", enter: false)
        _ = m.type("/")
        #expect(m.search == nil)
        _ = m.type(":", enter: false)
        _ = m.type("/nothing-like-this")
        #expect(m.status?.isError == true)
    }

    @Test func aPeerThatFailedBeforeItsVersionShowsWhy() {
        var m = Fixtures.handshake(width: 120, height: 40)
        var p = Fixtures.peer(2, .connecting, address: "10.0.0.2:8333")
        m.handle(.peerAdded(p))
        p.phase = .failed(reason: "connection refused")
        m.handle(.phaseChanged(p, from: .connecting))
        let row = m.render().lines.first { $0.hasPrefix("│  2 10.0.0.2:8333") } ?? ""
        #expect(row.contains("failed") && row.contains("connection refused"), "\(row)")
        let established = m.render().lines.first { $0.hasPrefix("│  1 ") } ?? ""
        #expect(established.contains("/Bitcoin SV:1.0.13/"), "a peer with a version keeps its user agent")
    }

    @Test func endStatesAreRedAndSilenceYellow() {
        var m = Fixtures.handshake()
        var p = Fixtures.peer(1)
        p.silence = Silence(awaiting: "pong", since: 1)
        m.handle(.peerUpdated(p))
        var screen = m.render()
        var phase = screen.lines[3].range(of: "silent 2s").map { screen.lines[3].distance(from: screen.lines[3].startIndex, to: $0.lowerBound) }
        #expect(phase != nil)
        #expect(screen[3, 1 + (phase ?? 0)].style.role == .warn)
        m.handle(.phaseChanged(Fixtures.peer(1, .dropped(reason: "by command")), from: .established))
        screen = m.render()
        phase = screen.lines[3].range(of: "dropped").map { screen.lines[3].distance(from: screen.lines[3].startIndex, to: $0.lowerBound) }
        #expect(phase != nil)
        #expect(screen[3, phase ?? 0].style.role == .bad)
        #expect(m.status?.text == "peer 1 dropped: by command")
    }

    @Test func corruptFramesStandOut() {
        let screen = RenderScenarios.silent()
        let row = screen.lines.firstIndex { $0.contains("!corrupt:checksum") } ?? 0
        #expect(row > 0)
        #expect(screen[row, 1].style.role == .corrupt)
    }

    @Test func headerBytesAreMarkedInTheDump() {
        let screen = RenderScenarios.messageDetail()
        let row = screen.lines.firstIndex { $0.hasPrefix("│0000  ") } ?? 0
        #expect(screen[row, 7].style.role == .magic)
        #expect(screen[row, 7 + 12].style.role == .command)
        let next = row + 1
        #expect(screen[next, 7].style.role == .length)
        #expect(screen[next, 7 + 12].style.role == .checksum)
        #expect(screen[next, 7 + 25].style.role == .plain)
    }

    @Test func everySizeFromTheMinimumDrawsWithoutStrayCells() {
        var m = RenderScenarios.silentAfterCorruptPing()
        for (w, h) in [(80, 24), (81, 25), (100, 30), (120, 40), (200, 60)] {
            m.resize(width: w, height: h)
            let screen = m.render()
            #expect(screen.width == w && screen.height == h)
            #expect(screen.lines[0].hasPrefix(" verack"))
            #expect(screen.lines.allSatisfy { $0.count <= w })
        }
    }

    @Test func sanitizeKeepsOneCellPerCharacter() {
        #expect(Screen.sanitize("a") == "a")
        #expect(Screen.sanitize("─") == "─")
        #expect(Screen.sanitize("\u{7}") == "?")
        #expect(Screen.sanitize("漢") == "?")
        #expect(Screen.sanitize("e\u{301}") == "?")
        var s = Screen(width: 6, height: 1)
        s.put("a\tb漢cdef", row: 0, col: 0)
        #expect(s.lines == ["a?b?cd"])
        #expect(Screen.fit("abcdef", 4) == "abc…")
        #expect(Screen.fit("ab", 4, alignRight: true) == "  ab")
    }

    @Test func formats() {
        #expect(Format.clock(3.25) == "00:03.250")
        #expect(Format.clock(3725) == "1:02:05")
        #expect(Format.age(7.9) == "7s")
        #expect(Format.age(125) == "2m")
        #expect(Format.bytes(999) == "999")
        #expect(Format.bytes(1234) == "1.2k")
        #expect(Format.bytes(45_600) == "46k")
        #expect(Format.bytes(3_000_000) == "3.0M")
        #expect(Format.milliseconds(0.44) == "0.4")
        #expect(Format.milliseconds(123.4) == "123")
    }
}

@Suite struct PeerTableTests {
    @Test func endedPeersStayUntilNewerOnesPushThemOut() {
        var table = PeerTable()
        table.update(Fixtures.peer(1))
        table.remove(1)
        #expect(table.ids.isEmpty)
        for id in 2...(PeerTable.keptEnded + 3) {
            table.update(Fixtures.peer(id, .failed(reason: "refused")))
            table.remove(id)
        }
        #expect(table.count == PeerTable.keptEnded)
        #expect(table.ids.first == 4)
        table.update(Fixtures.peer(100, .connecting))
        #expect(table.ids.last == 100)
    }
}
