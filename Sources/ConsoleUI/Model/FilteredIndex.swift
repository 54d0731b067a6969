/// Sequence numbers of the log entries that pass a filter, in order, kept up to date one
/// entry at a time: appending is O(1) and eviction of old entries amortised O(1), so a
/// filter never costs a scan of the whole log per frame.
public struct FilteredIndex: Sendable {
    private var seqs: [Int] = []
    private var head = 0

    public init() {}

    public var count: Int { seqs.count - head }

    public mutating func append(_ seq: Int) { seqs.append(seq) }

    /// Forgets sequence numbers below `firstSeq` (evicted from the ring).
    public mutating func evict(below firstSeq: Int) {
        while head < seqs.count && seqs[head] < firstSeq { head += 1 }
        if head > 1024 && head * 2 > seqs.count {
            seqs.removeFirst(head)
            head = 0
        }
    }

    /// The sequence number at `position` (0 is the oldest kept).
    public func seq(at position: Int) -> Int? {
        guard position >= 0 && position < count else { return nil }
        return seqs[head + position]
    }

    /// The position of the first sequence number `>= seq` (binary search).
    public func position(atOrAfter seq: Int) -> Int {
        var lo = head, hi = seqs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if seqs[mid] < seq { lo = mid + 1 } else { hi = mid }
        }
        return lo - head
    }
}
