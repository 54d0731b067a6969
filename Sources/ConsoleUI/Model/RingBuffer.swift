/// The most recent `capacity` elements, addressed by a sequence number that keeps growing:
/// element `seq` lives while `seq >= firstSeq`.
public struct RingBuffer<Element> {
    public let capacity: Int
    private var storage: [Element] = []
    /// The sequence number the next appended element gets.
    public private(set) var nextSeq = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(min(self.capacity, 4096))
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }
    /// The sequence number of the oldest element kept.
    public var firstSeq: Int { nextSeq - storage.count }

    /// Appends and returns the element's sequence number; the oldest element is evicted when
    /// full.
    @discardableResult
    public mutating func append(_ element: Element) -> Int {
        let seq = nextSeq
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[seq % capacity] = element
        }
        nextSeq += 1
        return seq
    }

    /// The element that the next append evicts, if the ring is full.
    public var nextEvicted: Element? { storage.count < capacity ? nil : storage[nextSeq % capacity] }

    public subscript(seq: Int) -> Element? {
        get {
            guard seq >= firstSeq && seq < nextSeq else { return nil }
            return storage[seq % capacity]
        }
        set {
            guard let newValue, seq >= firstSeq && seq < nextSeq else { return }
            storage[seq % capacity] = newValue
        }
    }
}
