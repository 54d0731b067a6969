import Testing
@testable import ConsoleUI

/// Inputs that the command-line fuzz target (scripts/fuzz command-line) found breaking a
/// property; each input is also a seed in Fuzz/seeds/command-line/.
@Suite("Command-line fuzzer regressions")
struct CommandLineFuzzRegressionTests {
    /// Keystrokes `filt…` Enter `/¥{` Enter (seed search-trailing-blanks): the search kept the
    /// blanks after its text, so "  /¥{ \t" searched for "¥{ \t" and "/¥{" for "¥{".
    @Test(arguments: ["/¥{", "  /¥{ \t", "/¥{  ", "\t/¥{\t"])
    func searchIgnoresBlanksAroundTheLine(_ line: String) {
        #expect(CommandParser.parse(line) == .success(.search("¥{")))
    }

    @Test func searchOfOnlyBlanksIsNoSearch() {
        #expect(CommandParser.parse("/ \t ") == .success(.search(nil)))
        #expect(CommandParser.parse("/a b ") == .success(.search("a b")))
    }
}
