import BitcoinWire
import Foundation
import Testing
@testable import PeerEngine

/// `releasesEstablished` (`verack handshake`): a peer is closed as soon as it is established,
/// without an event of its own, and only after our side of the handshake went out.
struct ReleaseTests {
    @Test(arguments: [TransportKind.v1, .v2])
    func anEstablishedPeerIsClosedAfterOurVerackWentOut(transport: TransportKind) throws {
        let pair = try V2TransportTests.Pair(client: {
            $0.transport = transport == .v2 ? .v2 : .v1
            $0.releasesEstablished = true
            $0.pingsOnEstablish = false
        })
        defer { pair.shutdown() }
        let id = try pair.clientEngine.connect(pair.address).get()
        #expect(pair.established(pair.client, id))
        // The server got our verack (it was established too), then saw us hang up: cleanly,
        // or with a reset when its ping had reached our socket unread before our close (as a
        // slow run under TSan showed once).
        let end = pair.ended(pair.server, 1)
        #expect(end == .closed(reason: "peer closed the connection") || end == .closed(reason: "connection reset by peer"), "\(String(describing: end))")
        let serverPhases = pair.server.snapshot.compactMap { if case let .phaseChanged(info, _) = $0.kind, info.id == 1 { return info.phase } else { return nil } }
        #expect(serverPhases.contains(.established), "\(serverPhases)")
        let received = EventCollector.frames(of: 1, .received, in: pair.server.snapshot).compactMap(\.command)
        #expect(received.contains(.verack), "\(received)")
        // Our side: established is the last word of the peer, and it is gone from the engine.
        let ours = pair.client.snapshot.filter {
            switch $0.kind {
            case let .phaseChanged(info, _): return info.id == id
            case let .peerRemoved(removed): return removed == id
            default: return false
            }
        }
        #expect(ours.count >= 1 && EventCollector.phase(of: id, in: pair.client.snapshot) == .established, "\(ours)")
        #expect(!pair.client.snapshot.contains { if case .peerRemoved(id) = $0.kind { return true } else { return false } })
        #expect(pair.clientEngine.livePeerCount == 0)
    }
}
