import Foundation
import NodeHarness
import Testing

/// Where the `verack` executable of this build is: beside the test bundle.
enum Products {
    static var verack: String? {
        var dirs: [URL] = []
        if let first = CommandLine.arguments.first { dirs.append(URL(fileURLWithPath: first).deletingLastPathComponent()) }
        dirs.append(Bundle.main.bundleURL.deletingLastPathComponent())
        dirs.append(Bundle.main.bundleURL)
        for dir in dirs {
            // The test binary may sit inside `X.xctest/` or beside it.
            for candidate in [dir.appendingPathComponent("verack"), dir.deletingLastPathComponent().appendingPathComponent("verack")] {
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            }
        }
        return nil
    }
}

/// An end-to-end test that cannot run here: skipped outside CI, a failure in CI (where
/// `scripts/test` installs everything the tests need).
func unavailable(_ reason: String) throws {
    if RealNode.isRequired {
        Issue.record("end-to-end test cannot run in CI: \(reason)")
        return
    }
    try Test.cancel("skipped: \(reason)")
}
