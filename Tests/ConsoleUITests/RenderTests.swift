import Testing
@testable import ConsoleUI

/// Whole screens, compared as text (trailing spaces trimmed). Regenerate for review with
/// `VERACK_DUMP=1 swift test --filter dumpScreens`.
@Suite struct RenderTests {
    @Test func established() {
        let expected = """
         verack · custom-dab5bffa · peers 1 (1 established) · frames 6           ? help
        ┌─ Peers 1 ────────────────────────────────────────────────────────────────────┐
        │ id address               tr  phase       user agent      ping    in/out heard│
        │  1 127.0.0.1:18444       v1  established /Bitcoin SV:…  0.4ms  1.2k/150    2s│
        │                                                                              │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Messages 6 ─────────────────────────────────────────────────────────────────┐
        │00:00.010   1 → version          100 ✓ version 70016 /verac… 80 11 01 00 05 00│
        │00:00.012   1 ← version          105 ✓ version 70016 /Bitco… 80 11 01 00 05 00│
        │00:00.013   1 ← verack             0 ✓ verack                                 │
        │00:00.014   1 → verack             0 ✓ verack                                 │
        │00:00.020   1 ← ping               8 ✓ ping nonce=abc        bc 0a 00 00 00 00│
        │00:00.021   1 → pong               8 ✓ pong nonce=abc        bc 0a 00 00 00 00│
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        └──────────────────────────────────────────────────────────────────────────────┘
        >
        Enter run · Tab complete/focus · ↑↓ history · Ctrl-C clear/quit · F1 help
        """
        #expect(RenderScenarios.established().text == expected)
    }

    @Test func silent() {
        let expected = """
         verack · custom-dab5bffa · peers 1 (1 established) · frames 7           ? help
        ┌─ Peers 1 ────────────────────────────────────────────────────────────────────┐
        │ id address               tr  phase       user agent      ping    in/out heard│
        │  1 127.0.0.1:18444       v1  silent 7s   /Bitcoin SV:…  0.4ms  1.2k/150    8s│
        │                                                                              │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Messages 7 ─────────────────────────────────────────────────────────────────┐
        │00:00.010   1 → version          100 ✓ version 70016 /verac… 80 11 01 00 05 00│
        │00:00.012   1 ← version          105 ✓ version 70016 /Bitco… 80 11 01 00 05 00│
        │00:00.013   1 ← verack             0 ✓ verack                                 │
        │00:00.014   1 → verack             0 ✓ verack                                 │
        │00:00.020   1 ← ping               8 ✓ ping nonce=abc        bc 0a 00 00 00 00│
        │00:00.021   1 → pong               8 ✓ pong nonce=abc        bc 0a 00 00 00 00│
        │00:02.500   1 → ping               8 ✗ !corrupt:checksum pi… 07 00 00 00 00 00│
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        └──────────────────────────────────────────────────────────────────────────────┘
        >
        ran: resend 1 ping --corrupt checksum
        """
        #expect(RenderScenarios.silent().text == expected)
    }

    @Test func pausedLog() {
        let expected = """
         verack · custom-dab5bffa · peers 1 (1 established) · frames 7           ? help
        ┌─ Peers 1 ────────────────────────────────────────────────────────────────────┐
        │ id address               tr  phase       user agent      ping    in/out heard│
        │  1 127.0.0.1:18444       v1  silent 7s   /Bitcoin SV:…  0.4ms  1.2k/150    8s│
        │                                                                              │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Messages 7 · paused — End/F to follow ──────────────────────────────────────┐
        │00:00.010   1 → version          100 ✓ version 70016 /verac… 80 11 01 00 05 00│
        │00:00.012   1 ← version          105 ✓ version 70016 /Bitco… 80 11 01 00 05 00│
        │00:00.013   1 ← verack             0 ✓ verack                                 │
        │00:00.014   1 → verack             0 ✓ verack                                 │
        │00:00.020   1 ← ping               8 ✓ ping nonce=abc        bc 0a 00 00 00 00│
        │00:00.021   1 → pong               8 ✓ pong nonce=abc        bc 0a 00 00 00 00│
        │00:02.500   1 → ping               8 ✗ !corrupt:checksum pi… 07 00 00 00 00 00│
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        └──────────────────────────────────────────────────────────────────────────────┘
        > : to type a command
        ran: resend 1 ping --corrupt checksum
        """
        #expect(RenderScenarios.pausedLog().text == expected)
    }

    @Test func messageDetail() {
        let expected = """
         verack · custom-dab5bffa · peers 1 (1 established) · frames 6           ? help
        ┌─ Frame #4 · peer 1 ← received · ping · 32 bytes · Tab fields · Esc closes ───┐
        │00:00.020  checksum ✓  ping nonce=abc                                         │
        │magic  command  length  checksum  payload                                     │
        │0000  da b5 bf fa 70 69 6e 67  00 00 00 00 00 00 00 00  |....ping........|    │
        │0010  08 00 00 00 a6 08 7f 7a  bc 0a 00 00 00 00 00 00  |.......z........|    │
        │                                                                              │
        │header                                                                        │
        │  magic = dab5bffa [0..<4]                                                    │
        │  command = "ping" [4..<16]                                                   │
        │  length = 8 [16..<20]                                                        │
        │  checksum = a6087f7a [20..<24]                                               │
        │payload 8 bytes                                                               │
        │  nonce = 2748 [24..<32]                                                      │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        └──────────────────────────────────────────────────────────────────────────────┘
        > : to type a command
        ↑↓ PgUp PgDn scroll · Esc close · Tab focus · ? help
        """
        #expect(RenderScenarios.messageDetail().text == expected)
    }

    @Test func wideMessageDetail() {
        let expected = """
         verack · custom-dab5bffa · peers 1 (1 established) · frames 6                                                   ? help
        ┌─ Frame #0 · peer 1 → sent · version · 124 bytes · Tab fields · Esc closes ───────────────────────────────────────────┐
        │00:00.010  checksum ✓  version 70016 /verack:0.1.0/ h=0                                                               │
        │magic  command  length  checksum  payload                                                                             │
        │0000  da b5 bf fa 76 65 72 73  69 6f 6e 00 00 00 00 00  |....version.....| │ header                                   │
        │0010  64 00 00 00 1f 23 66 d1  80 11 01 00 05 00 00 00  |d....#f.........| │   magic = dab5bffa [0..<4]               │
        │0020  00 00 00 00 00 f1 53 65  00 00 00 00 00 00 00 00  |......Se........| │   command = "version" [4..<16]           │
        │0030  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................| │   length = 100 [16..<20]                 │
        │0040  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................| │   checksum = 1f2366d1 [20..<24]          │
        │0050  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................| │ payload 100 bytes                        │
        │0060  2a 00 00 00 00 00 00 00  0e 2f 76 65 72 61 63 6b  |*......../verack| │   version = 70016 [24..<28]              │
        │0070  3a 30 2e 31 2e 30 2f 00  00 00 00 01              |:0.1.0/.....|     │   services = 0x5 (NETWORK|BLOOM) [28..<36│
        │                                                                           │   timestamp = 1700000000 (2023-11-14 22:1│
        │                                                                           │   addr_recv [44..<70]                    │
        │                                                                           │     services = 0x0 [44..<52]             │
        │                                                                           │     ip = :: [52..<68]                    │
        │                                                                           │     port = 0 [68..<70]                   │
        │                                                                           │   addr_from [70..<96]                    │
        │                                                                           │     services = 0x0 [70..<78]             │
        │                                                                           │     ip = :: [78..<94]                    │
        │                                                                           │     port = 0 [94..<96]                   │
        │                                                                           │   nonce = 42 [96..<104]                  │
        │                                                                           │   user_agent = "/verack:0.1.0/" [104..<11│
        │                                                                           │   start_height = 0 [119..<123]           │
        │                                                                           │   relay = true [123..<124]               │
        │                                                                           │                                          │
        │                                                                           │                                          │
        └──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
        > : to type a command
        ↑↓ PgUp PgDn scroll · Esc close · Tab focus · ? help
        """
        #expect(RenderScenarios.wideMessageDetail().text == expected)
    }

    @Test func ladder() {
        let expected = """
         verack · custom-dab5bffa · peers 1 (1 established) · frames 7           ? help
        ┌─ Ladder · peer 1 127.0.0.1:18444 /Bitcoin SV:1.0.13/ · silent 7s (awaiting p─┐
        │transport v1                                                                  │
        │time       us                           peer 1 summary                        │
        │00:00.010  │─────────── version ────────────▶│ version 70016 /verack:0.1.0/ h=│
        │00:00.012  │◀─────────── version ────────────│ version 70016 /Bitcoin SV:1.0.1│
        │00:00.013  │◀──────────── verack ────────────│ verack                         │
        │00:00.014  │──────────── verack ────────────▶│ verack                         │
        │00:00.020  │◀───────────── ping ─────────────│ ping nonce=abc                 │
        │00:00.021  │───────────── pong ─────────────▶│ pong nonce=abc                 │
        │00:02.500  │───────────── ping ─────────────▶│ ✗ !corrupt:checksum ping nonce=│
        │           │                                 │                                │
        │           │                                 │                                │
        │           │                                 │                                │
        │           │                                 │                                │
        │           │                                 │                                │
        │           │                                 │                                │
        │           │                                 │                                │
        │           │                                 │                                │
        │           │                                 │                                │
        │           │                                 │                                │
        └──────────────────────────────────────────────────────────────────────────────┘
        > : to type a command
        ran: resend 1 ping --corrupt checksum
        """
        #expect(RenderScenarios.ladder().text == expected)
    }

    @Test func tooSmall() {
        let expected = """










                                   Terminal too small: 79×24
                                 verack needs at least 80×24.
                               Enlarge the window, or q to quit.
        """
        #expect(RenderScenarios.tooSmall().text == expected)
    }
}
