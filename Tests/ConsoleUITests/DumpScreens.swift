#if canImport(Glibc)
import Glibc
#endif
import Testing
import PeerEngine
@testable import ConsoleUI

/// Prints the screens RenderTests expects (for reviewing a change): `VERACK_DUMP=1`.
@Test(.enabled(if: Environment.dump)) func dumpScreens() {
    for (name, screen) in RenderScenarios.all {
        print("=== \(name)")
        print(screen().lines.joined(separator: "\n"))
    }
}

enum Environment {
    static var dump: Bool {
        #if canImport(Glibc)
        return getenv("VERACK_DUMP") != nil
        #else
        return false
        #endif
    }
}

/// Prints the relay's screens: `VERACK_DUMP=1`.
@Test(.enabled(if: Environment.dump)) func dumpRelayScreens() {
    for (name, screen) in RelayScenarios.all {
        print("=== \(name)")
        print(screen().lines.joined(separator: "\n"))
    }
}
