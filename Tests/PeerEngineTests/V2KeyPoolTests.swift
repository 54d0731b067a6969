import BIP324
import BitcoinWire
import Testing
@testable import PeerEngine

/// The pool of v2 keys made ahead: every key is handed out once, and each one works.
struct V2KeyPoolTests {
    @Test func everyKeyIsHandedOutOnceAndWorks() throws {
        let pool = V2KeyPool(capacity: 4)
        var seen = Set<[UInt8]>()
        var keys: [V2EphemeralKey] = []
        // More takes than the pool holds: some ready, some made on the spot.
        for _ in 0..<40 {
            let key = try pool.take()
            #expect(seen.insert(key.ellswift).inserted, "a key was handed out twice")
            keys.append(key)
        }
        #expect(pool.readyCount <= pool.capacity)
        // Two keys from the pool agree on a session, as keys made directly do.
        let magic = Network.regtest.magic.bytes
        for (a, b) in zip(keys.prefix(6), keys.suffix(6)) {
            let initiator = try V2SessionSecrets(ours: a, theirs: b.ellswift, initiating: true, magic: magic)
            let responder = try V2SessionSecrets(ours: b, theirs: a.ellswift, initiating: false, magic: magic)
            #expect(initiator.sessionID == responder.sessionID)
            #expect(initiator.sendGarbageTerminator == responder.receiveGarbageTerminator)
        }
    }
}
