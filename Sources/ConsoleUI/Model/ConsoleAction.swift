import BitcoinWire
import PeerEngine

/// A request to the engine, made by a command typed in the console.
public enum EngineCommand: Equatable, Sendable {
    /// An address, and the transport forced by `--v1`/`--v2` (nil: the engine's policy).
    case connect(String, TransportKind? = nil)
    case connectSeeds
    case drop(PeerID)
    case dropAll
    case resend(PeerID, Command, Corruption?)
    /// A message made by `send` (the composer), optionally broken.
    case send(PeerID, Message, Corruption?)
    /// `relay LISTEN TARGET [--in X] [--out Y]`: relay each connection on LISTEN to TARGET.
    case relay(listen: String, target: String, RelayOptions)
    /// `relay stop`: close the relay listeners and their pairs.
    case relayStop
    /// `intercept COMMAND[,…] [dir A>B|B>A]`, or `intercept off` (nil).
    case intercept(InterceptRule?)
    /// `forward hN [--corrupt KIND]`, or `forward all` (nil): send held messages on.
    case forward(Int?, Corruption?)
    /// `drop hN`: lose a held message.
    case dropHeld(Int)
    /// `inject PAIR A>B|B>A COMMAND ARGS… [--corrupt KIND]`: send into a pair as if from a side.
    case inject(pair: Int, from: RelaySide, Message, Corruption?)
}

/// What the model asks its host to do after a key press.
public enum ConsoleAction: Equatable, Sendable {
    case engine(EngineCommand)
    /// Write the frames the log holds to a file (the host does the writing).
    case save(SaveRequest)
    /// Start recording every event to a file, or stop (nil).
    case record(SaveRequest?)
    /// The Addresses view opened: refresh the copy of the address book now.
    case refreshAddresses
    /// Start a crawl (its seeds filled in: those typed, or the connected peers'; empty
    /// leaves the choice to the host: the DNS seeds, unless the console runs without).
    /// `from` names the seeds for the view's title.
    case crawl(CrawlRequest, from: String)
    /// End the running crawl.
    case crawlStop
    /// Start a probe of `target` (`HOST:PORT`) with these cases (names from ``ProbeCatalog``).
    case probe(target: String, cases: [String])
    /// Start no more cases of the running probe.
    case probeStop
    case quit
}
