import BIP324
import BitcoinWire

/// The receiving side of the real ``V2Transport``, keyed with a session made elsewhere, for
/// the fuzz target (Fuzz/, `scripts/fuzz v2`). Not API: release builds cannot use
/// `@testable import`, so it is exposed as SPI (`@_spi(Fuzzing) import PeerEngine`).
///
/// It starts where the key exchange has just finished: the next bytes are the peer's
/// garbage, its terminator, then packets (decoys, the version packet, messages).
@_spi(Fuzzing) public struct V2ReceiveProbe {
    /// What the transport asked for after some bytes, as plain values.
    public enum Output {
        case received(WireUnit, delivered: Message?)
        case sent(WireUnit)
        case ready
        case sessionID([UInt8])
        case failed(String)
    }

    private var transport: V2Transport

    /// `cipher` is our side's (``V2PacketCipher/init(secrets:)`` with our role); `ourGarbage`
    /// is what we are taken to have sent (the AAD of our first packet).
    public init(initiating: Bool, magic: Magic, cipher: V2PacketCipher, ourGarbage: [UInt8] = []) {
        transport = V2Transport(
            initiating: initiating, magic: magic, settings: V2Transport.Settings(), keyedWith: cipher, ourGarbage: ourGarbage)
    }

    /// Received bytes not yet part of a returned unit.
    public var bufferedByteCount: Int { transport.bufferedByteCount }

    /// Feeds received bytes, as the connection does after each read.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer) -> [Output] {
        transport.receive(bytes).map { output in
            switch output {
            case let .send(unit, _): return .sent(unit)
            case let .received(unit, deliver): return .received(unit, delivered: deliver)
            case .ready: return .ready
            case let .sessionID(id): return .sessionID(id)
            case let .failed(reason): return .failed(reason)
            }
        }
    }
}
