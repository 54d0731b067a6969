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

    @discardableResult
    public mutating func append(_ frame: FrameEvent) -> Int {
        if let evicted = ring.nextEvicted { keptBytes -= Self.cost(evicted) }
        let seq = ring.append(frame)
        keptBytes += Self.cost(frame)
        if frame.raw.count > Self.trimmedLength { bigFrames.append(seq) }
        trimToBudget()
        if let filter {
            if filter.matches(frame) { index.append(seq) }
            index.evict(below: ring.firstSeq)
        }
        return seq
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
