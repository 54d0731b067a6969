/// The sizes of the BIP324 handshake before the first packet.
public enum V2Handshake {
    /// An ElligatorSwift-encoded public key.
    public static let keyLength = 64
    /// The most garbage a side may send after its key.
    public static let maxGarbageLength = 4095
    /// The garbage terminator.
    public static let terminatorLength = 16
    /// The sizes garbage may have.
    public static let garbageLengths = 0...maxGarbageLength
}
