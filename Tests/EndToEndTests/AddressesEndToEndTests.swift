import Foundation
import NodeHarness
import Testing

/// The console's Addresses view in tmux, against a simulated network on 127.1.0.x:
/// `send 1 getaddr` fills it as the answer arrives, and Enter connects to an address.
@Suite(.serialized) struct AddressesEndToEndTests {
    @Test(.timeLimit(.minutes(2))) func getaddrFillsTheViewAndEnterConnects() throws {
        guard let verack = Products.verack else { return try unavailable("no verack executable beside the test bundle") }
        guard let tmux = Shell.which("tmux") else { return try unavailable("tmux is not installed (apt-get install tmux)") }
        let net = try SimulatedNetwork(listening: 6, unreachable: 2, hostile: [], seed: 11)
        net.start()
        defer { net.stop() }
        let session = try simulatedNetworkConsole(connectedTo: net.entry, verack: verack, tmux: tmux)
        defer { session.kill() }

        try session.type("send 1 getaddr")
        var step = try session.wait(timeout: 20) { $0.contains("← addr") || $0.contains("← addrv2") }
        #expect(step.matched, "no addr answer:\n\(step.screen)")
        try session.type("addresses")
        step = try session.wait(timeout: 10) { $0.contains("Addresses ") && $0.contains(" known · ") && $0.contains("│ipv4 ") }
        #expect(step.matched, "the Addresses view did not fill:\n\(step.screen)")
        #expect(step.screen.split(separator: "\n")[0].contains("known,"), "the title bar counts addresses")

        // Enter on the first row (a dialable, untried address) connects to it.
        try session.press("Enter")
        step = try session.wait(timeout: 10) { $0.contains("connecting to ") }
        #expect(step.matched, "\(step.screen)")
        try session.press("Escape")
        step = try session.wait(timeout: 20) { $0.contains("│  2 ") }
        #expect(step.matched, "Enter did not add a peer:\n\(step.screen)")

        try session.press(":")
        try expectCleanQuit(session)
    }
}
