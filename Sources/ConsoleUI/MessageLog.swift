import PeerEngine

/// The frames the console keeps: a ring of the most recent `limit` frames plus, when a filter
/// is set, an incrementally maintained index of the matching ones. Positions (0 = oldest
/// shown) address the filtered view; sequence numbers address frames for good.
public struct MessageLog {
    public private(set) var ring: RingBuffer<FrameEvent>
    public private(set) var filter: LogFilter?
    private var index = FilteredIndex()

    public init(limit: Int) {
        ring = RingBuffer(capacity: limit)
    }

    public var limit: Int { ring.capacity }
    /// Every frame ever logged, evicted or not.
    public var totalLogged: Int { ring.nextSeq }

    @discardableResult
    public mutating func append(_ frame: FrameEvent) -> Int {
        let seq = ring.append(frame)
        if let filter {
            if filter.matches(frame) { index.append(seq) }
            index.evict(below: ring.firstSeq)
        }
        return seq
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
