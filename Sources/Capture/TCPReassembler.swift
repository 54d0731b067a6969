/// Puts one direction of a TCP connection back in order, from the segments a capture saw.
///
/// The SYN sets the initial sequence number; without one the first segment seen starts the
/// stream. Segments in order are delivered at once, without copying; segments ahead of the
/// stream wait (at most ``maxPendingBytes``); retransmitted and overlapping bytes are
/// delivered once. A hole that is never filled becomes a ``Output/gap(_:)``: when the
/// waiting bytes pass their limit, at a RST, at the end of the capture, or at once for the
/// bytes a snaplen cut off. A FIN ends the direction once the bytes before it are in.
///
/// Sequence numbers wrap at 2³²; stream offsets here are 64-bit counts from the start.
public struct TCPReassembler {
    /// What comes out, in stream order.
    public enum Output {
        /// The next bytes of the stream (valid only during the call).
        case data(UnsafeRawBufferPointer)
        /// This many bytes of the stream were never seen.
        case gap(Int)
    }

    /// The most bytes held out of order in one direction; past it, holes become gaps.
    public static let defaultMaxPendingBytes = 8 << 20

    public let maxPendingBytes: Int
    /// The sequence number of stream offset 0.
    private var initialSequence: UInt32 = 0
    /// The stream offset of the next byte to deliver; nil before the first segment.
    public private(set) var next: Int64?
    /// Where a FIN put the end of the stream.
    private var finOffset: Int64?
    /// Segments ahead of `next`, by stream offset, in order.
    private var pending: [(offset: Int64, bytes: [UInt8])] = []
    /// Bytes held in `pending`.
    public private(set) var pendingBytes = 0
    /// The direction is over (FIN reached, or RST).
    public private(set) var isFinished = false
    /// Segments (or parts) that repeated bytes already delivered.
    public private(set) var retransmissions = 0

    public init(maxPendingBytes: Int = Self.defaultMaxPendingBytes) {
        self.maxPendingBytes = maxPendingBytes
    }

    /// Takes one segment of this direction; `output` gets what can be delivered now.
    public mutating func add(
        sequence: UInt32, flags: TCPFlags, payload: UnsafeRawBufferPointer, length: Int,
        _ output: (Output) -> Void
    ) {
        guard !isFinished else { return }
        var sequence = sequence
        if flags.contains(.syn) {
            sequence &+= 1  // the SYN takes one sequence number; data (if any) follows it
            if next == nil || next == 0 {
                initialSequence = sequence
                next = 0
            }
        }
        if next == nil {
            initialSequence = sequence
            next = 0
        }
        guard let expected = next else { return }
        let offset = expected + Int64(Int32(bitPattern: sequence &- (initialSequence &+ UInt32(truncatingIfNeeded: expected))))
        if flags.contains(.fin) { finOffset = offset + Int64(length) }
        let length = max(length, payload.count)
        if length > 0 {
            if offset + Int64(length) <= expected {
                retransmissions += 1
            } else if offset <= expected {
                if offset < expected { retransmissions += 1 }
                deliver(payload, at: offset, length: length, output)
                drain(output)
            } else {
                hold(payload, at: offset, length: length, output)
            }
        }
        if flags.contains(.rst) {
            flush(output)
            isFinished = true
        } else if let end = finOffset, let now = next, now >= end {
            isFinished = true
        }
    }

    /// Delivers everything still waiting, with a gap before each hole (end of capture).
    public mutating func flush(_ output: (Output) -> Void) {
        while let first = pending.first, let expected = next {
            if first.offset > expected {
                output(.gap(Int(first.offset - expected)))
                next = first.offset
            }
            drain(output)
        }
    }

    /// Delivers the part of a segment at `offset` (at or before `next`) that is new. Bytes a
    /// snaplen cut off (`length` beyond `payload`) are a gap.
    private mutating func deliver(_ payload: UnsafeRawBufferPointer, at offset: Int64, length: Int, _ output: (Output) -> Void) {
        guard let expected = next else { return }
        let skip = Int(expected - offset)
        if skip < payload.count {
            output(.data(UnsafeRawBufferPointer(rebasing: payload[skip...])))
        }
        let missing = length - max(skip, payload.count)
        if missing > 0 { output(.gap(missing)) }
        next = offset + Int64(length)
    }

    /// Delivers waiting segments that now start at or before `next`.
    private mutating func drain(_ output: (Output) -> Void) {
        while let first = pending.first, let expected = next, first.offset <= expected {
            pending.removeFirst()
            pendingBytes -= first.bytes.count
            if first.offset + Int64(first.bytes.count) <= expected {
                retransmissions += 1
                continue
            }
            first.bytes.withUnsafeBytes { deliver($0, at: first.offset, length: first.bytes.count, output) }
        }
    }

    /// Keeps a segment that starts beyond `next`; bytes a snaplen cut off are left to be a
    /// hole. Past the limit, the oldest holes become gaps.
    private mutating func hold(_ payload: UnsafeRawBufferPointer, at offset: Int64, length: Int, _ output: (Output) -> Void) {
        guard !payload.isEmpty else { return }
        if let same = pending.firstIndex(where: { $0.offset == offset }), pending[same].bytes.count >= payload.count {
            retransmissions += 1
            return
        }
        while pendingBytes + payload.count > maxPendingBytes, let first = pending.first, let expected = next {
            output(.gap(Int(first.offset - expected)))
            next = first.offset
            drain(output)
        }
        if let expected = next, offset <= expected {
            // The gaps just declared reached this segment.
            deliver(payload, at: offset, length: length, output)
            drain(output)
            return
        }
        let index = pending.lastIndex { $0.offset <= offset }.map { $0 + 1 } ?? 0
        pending.insert((offset, Array(payload)), at: index)
        pendingBytes += payload.count
    }
}
