import PeerEngine

/// The frames the console keeps: a ring of the most recent `limit` frames plus, when a filter
/// is set, an incrementally maintained index of the matching ones. Positions (0 = oldest
/// shown) address the filtered view; sequence numbers address frames for good.
public struct MessageLog {
    public private(set) var ring: RingBuffer<FrameEvent>
    public private(set) var filter: LogFilter?
    private var index = FilteredIndex()

    /// Bytes (raw and decoded, see ``cost(_:)``) the log keeps before it trims the oldest
    /// big frames.
    public let byteBudget: Int
    /// Frames longer than this are trimmed to it when the budget is spent.
    public static let trimmedLength = 512
    /// What the frames kept cost, by ``cost(_:)``.
    public private(set) var keptBytes = 0
    /// Sequence numbers of untrimmed frames longer than `trimmedLength`, oldest first.
    private var bigFrames: [Int] = []
    private var bigFramesHead = 0

    /// A log of the newest `limit` frames costing at most about `byteBudget` bytes:
    /// past that, the oldest big frames keep only their first 512 bytes and their summary.
    /// So a peer sending 4 MB frames cannot exhaust memory: the bound is `byteBudget` plus
    /// `limit` × 512 bytes.
    public init(limit: Int, byteBudget: Int = 256 << 20) {
        ring = RingBuffer(capacity: limit)
        self.byteBudget = byteBudget
    }

    public var limit: Int { ring.capacity }
    /// Every frame ever logged, evicted or not.
    public var totalLogged: Int { ring.nextSeq }

    /// Logs `frame` as a new row and returns its sequence number; the forwarded copy of a
    /// relayed message whose received copy is still kept attaches to that row instead
    /// (see ``record(_:)``, which says which happened).
    @discardableResult
    public mutating func append(_ frame: FrameEvent) -> Int {
        record(frame).seq
    }

    /// Logs `frame`: a new row, or (the forwarded copy of a relayed message) an attachment
    /// to the row of its received copy. Returns the row's sequence number and whether the
    /// frame made a new row.
    public mutating func record(_ frame: FrameEvent) -> (seq: Int, isNewRow: Bool) {
        if let mark = frame.relay, mark.sequence > 0, mark.leg != mark.from,
           let seq = relayRows[RelayKey(pair: mark.pair, sequence: mark.sequence)], ring[seq] != nil,
           relayEntries[seq]?.forwarded == nil {
            attach(frame, to: seq)
            return (seq, false)
        }
        if let evicted = ring.nextEvicted {
            keptBytes -= Self.cost(evicted)
            forgetRelay(seq: ring.firstSeq, frame: evicted)
        }
        let seq = ring.append(frame)
        keptBytes += Self.cost(frame)
        if frame.raw.count > Self.trimmedLength { bigFrames.append(seq) }
        if let mark = frame.relay, mark.sequence > 0 {
            relayRows[RelayKey(pair: mark.pair, sequence: mark.sequence)] = seq
            if let held = mark.held, mark.leg == mark.from { relayEntries[seq] = RelayEntry(outcome: .held(held)) }
        }
        trimToBudget()
        if let filter {
            if filter.matches(frame) { index.append(seq) }
            index.evict(below: ring.firstSeq)
        }
        return (seq, true)
    }

    // MARK: Relayed messages

    /// A relayed message within its pair.
    struct RelayKey: Hashable {
        var pair: Int
        var sequence: Int
    }

    /// Row of each relayed message kept, by pair and sequence.
    private var relayRows: [RelayKey: Int] = [:]
    /// What a relayed row has beyond its own frame, by sequence number.
    private var relayEntries: [Int: RelayEntry] = [:]

    /// The forwarded copy of the relayed message in row `seq`, once sent on.
    public func forwarded(_ seq: Int) -> FrameEvent? { relayEntries[seq]?.forwarded }

    /// What intercept did with the relayed message in row `seq` (nil: it was never held).
    public func outcome(_ seq: Int) -> RelayOutcome? { relayEntries[seq]?.outcome }

    /// The row of relayed message `sequence` of `pair`, if kept.
    public func relayRow(pair: Int, sequence: Int) -> Int? {
        relayRows[RelayKey(pair: pair, sequence: sequence)].flatMap { ring[$0] == nil ? nil : $0 }
    }

    /// A held message was released: forwarded on, or dropped.
    public mutating func released(held: Int, pair: Int, sequence: Int, forwarded: Bool, note: String) {
        guard let seq = relayRow(pair: pair, sequence: sequence) else { return }
        relayEntries[seq, default: RelayEntry()].outcome = forwarded ? .forwarded(held: held, note: note) : .dropped(held: held, note: note)
    }

    private mutating func attach(_ frame: FrameEvent, to seq: Int) {
        var frame = frame
        // A row trimmed already (a message held while the budget ran out) gets its copy
        // trimmed at once; else a big copy is trimmed with its row (trimToBudget trims both).
        if ring[seq]?.trimmed != nil {
            frame.trim(keeping: Self.trimmedLength)
        } else if frame.raw.count > Self.trimmedLength, (ring[seq]?.raw.count ?? 0) <= Self.trimmedLength {
            bigFrames.append(seq)
        }
        relayEntries[seq, default: RelayEntry()].forwarded = frame
        keptBytes += Self.cost(frame)
        trimToBudget()
    }

    /// Row `seq` leaves the ring: its attachment goes with it.
    private mutating func forgetRelay(seq: Int, frame: FrameEvent) {
        if let entry = relayEntries.removeValue(forKey: seq), let copy = entry.forwarded { keptBytes -= Self.cost(copy) }
        if let mark = frame.relay, mark.sequence > 0 {
            let key = RelayKey(pair: mark.pair, sequence: mark.sequence)
            if relayRows[key] == seq { relayRows[key] = nil }
        }
    }

    /// Every frame kept, oldest row first, each followed by its attached forwarded copy
    /// (what `save` writes: both legs' frames, as a recording has them).
    public func forEachKept(_ body: (FrameEvent) throws -> Void) rethrows {
        for seq in ring.firstSeq..<ring.nextSeq {
            guard let frame = ring[seq] else { continue }
            try body(frame)
            if let copy = relayEntries[seq]?.forwarded { try body(copy) }
        }
    }

    /// What the frames kept cost, counted again from scratch (for tests of the accounting).
    var recountedBytes: Int {
        var total = 0
        for seq in ring.firstSeq..<ring.nextSeq {
            if let f = ring[seq] { total += Self.cost(f) }
            if let copy = relayEntries[seq]?.forwarded { total += Self.cost(copy) }
        }
        return total
    }

    /// The memory a kept frame costs, roughly: its raw bytes, the decrypted copy of a v2
    /// payload, and the heap its decoded message holds (a decoded block's transactions
    /// take several times the block's bytes: ``Message/approximateHeapBytes``).
    static func cost(_ frame: FrameEvent) -> Int {
        var bytes = frame.raw.count + (frame.plaintext?.count ?? 0)
        if frame.trimmed == nil, case let .success(message)? = frame.message { bytes += message.approximateHeapBytes }
        return bytes
    }

    private mutating func trimToBudget() {
        // Frames the ring has already dropped need no trimming.
        while bigFramesHead < bigFrames.count && bigFrames[bigFramesHead] < ring.firstSeq { bigFramesHead += 1 }
        while keptBytes > byteBudget, bigFramesHead < bigFrames.count {
            let seq = bigFrames[bigFramesHead]
            bigFramesHead += 1
            guard var frame = ring[seq] else { continue }
            keptBytes -= Self.cost(frame)
            frame.trim(keeping: Self.trimmedLength)
            keptBytes += Self.cost(frame)
            ring[seq] = frame
            if var copy = relayEntries[seq]?.forwarded {
                keptBytes -= Self.cost(copy)
                copy.trim(keeping: Self.trimmedLength)
                keptBytes += Self.cost(copy)
                relayEntries[seq]?.forwarded = copy
            }
        }
        if bigFramesHead > 4096 && bigFramesHead * 2 > bigFrames.count {
            bigFrames.removeFirst(bigFramesHead)
            bigFramesHead = 0
        }
    }

    /// Sets the filter; builds the index once (one pass over the kept frames).
    public mutating func setFilter(_ filter: LogFilter?) {
        self.filter = filter
        index = FilteredIndex()
        guard let filter else { return }
        for seq in ring.firstSeq..<ring.nextSeq {
            if let f = ring[seq], filter.matches(f) { index.append(seq) }
        }
    }

    /// Number of frames in the filtered view.
    public var count: Int { filter == nil ? ring.count : index.count }

    public func seq(at position: Int) -> Int? {
        if filter == nil {
            guard position >= 0 && position < ring.count else { return nil }
            return ring.firstSeq + position
        }
        return index.seq(at: position)
    }

    /// The position of `seq` in the view, or of the next frame after it that is shown.
    public func position(atOrAfter seq: Int) -> Int {
        if filter == nil { return min(max(0, seq - ring.firstSeq), ring.count) }
        return index.position(atOrAfter: seq)
    }

    public subscript(seq: Int) -> FrameEvent? { ring[seq] }

    public func frame(at position: Int) -> FrameEvent? { seq(at: position).flatMap { ring[$0] } }
}

/// What the log keeps of a relayed message beyond its received copy.
struct RelayEntry: Sendable {
    /// The copy sent on the other leg (for v2, other ciphertext; for v1 → v1 the same frame).
    var forwarded: FrameEvent?
    var outcome: RelayOutcome?
}

/// What intercept did with a relayed message.
public enum RelayOutcome: Equatable, Sendable {
    /// Held, waiting for `forward hN` or `drop hN`.
    case held(Int)
    /// Released and sent on (`note` says how, e.g. with a corrupted checksum).
    case forwarded(held: Int, note: String)
    /// Dropped: it never reached the other side (`note` says why).
    case dropped(held: Int, note: String)

    /// The held id.
    public var held: Int {
        switch self {
        case let .held(id), let .forwarded(id, _), let .dropped(id, _): return id
        }
    }

    /// The tag a log row shows: `held h3`, `dropped h3`, `h3 forwarded`.
    public var tag: String {
        switch self {
        case let .held(id): return "held h\(id)"
        case let .forwarded(id, _): return "h\(id) forwarded"
        case let .dropped(id, _): return "dropped h\(id)"
        }
    }
}
