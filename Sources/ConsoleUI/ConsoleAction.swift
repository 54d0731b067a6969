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
    case quit
}
