import BitcoinWire

/// The frames in one direction of a reassembled TCP stream.
///
/// It first looks for the magic of a network (the one given, or any known one) where a
/// plausible header starts, so a capture that begins in the middle of a frame still finds
/// the next one. Then a ``FrameDecoder`` takes the bytes. After a gap, or when the decoder
/// meets a bad magic or an absurd length, it looks for the next header again.
public struct FrameStream {
    /// What a stream reports.
    public enum Output {
        case frame(Frame)
        /// Something the reader should see: a gap, bytes skipped, a stream that ended badly.
        /// `isError` marks what makes `decode --pcap` fail.
        case problem(String, isError: Bool)
        /// `count` bytes of the stream were never captured; the text says what was lost.
        case gap(Int, String)
    }

    private enum State {
        /// Looking for a header; `tail` holds the last bytes that may begin one.
        case searching(tail: [UInt8])
        case decoding(FrameDecoder)
    }

    /// The magics looked for.
    let candidates: [Magic]
    /// The magic found, once one was.
    public private(set) var magic: Magic?
    private var state = State.searching(tail: [])
    /// Bytes of the stream so far, gaps included.
    public private(set) var offset: Int64 = 0
    /// The stream offset where the current decoder began.
    private var decoderStart: Int64 = 0
    /// Bytes passed over while searching since the last frame or gap.
    private var skipped = 0
    /// The search follows a gap or a broken frame (not the start of the stream).
    private var resyncing = false
    public private(set) var frames = 0

    /// The first wire bytes of the candidates, as a 256-bit set: the scan tests each byte
    /// against it before it reads a whole magic (most bytes of a stream begin none).
    private let leads: (UInt64, UInt64, UInt64, UInt64)

    /// `magic`: the one network to look for; nil looks for every known network's.
    public init(magic: Magic?) {
        candidates = magic.map { [$0] } ?? Self.knownMagics
        var bits: [UInt64] = [0, 0, 0, 0]
        for m in candidates {
            let first = Int(m.value & 0xff)
            bits[first >> 6] |= 1 << UInt64(first & 63)
        }
        leads = (bits[0], bits[1], bits[2], bits[3])
    }

    private func leads(_ byte: UInt8) -> Bool {
        let word: UInt64
        switch byte >> 6 {
        case 0: word = leads.0
        case 1: word = leads.1
        case 2: word = leads.2
        default: word = leads.3
        }
        return word >> UInt64(byte & 63) & 1 == 1
    }

    private static let knownMagics = Network.all.map(\.magic)

    /// Takes the next bytes of the stream.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ output: (Output) -> Void) {
        let start = offset
        offset += Int64(bytes.count)
        switch state {
        case let .searching(tail):
            state = .searching(tail: [])  // drop the reference, so `tail` is not copied
            search(tail, bytes, endingAt: offset, output)
        case var .decoding(decoder):
            state = .searching(tail: [])
            decoder.feed(bytes)
            if let failedAt = decode(&decoder, output) {
                let from = Int(max(0, failedAt + 1 - start))
                if from < bytes.count {
                    search([], UnsafeRawBufferPointer(rebasing: bytes[from...]), endingAt: offset, output)
                }
            } else {
                state = .decoding(decoder)
            }
        }
    }

    /// This many bytes of the stream were never captured.
    public mutating func gap(_ count: Int, _ output: (Output) -> Void) {
        var lost = ""
        if case let .decoding(decoder) = state, decoder.bufferedByteCount > 0 {
            lost = "; the \(decoder.bufferedByteCount) bytes of a frame before it are lost"
        } else if case let .searching(tail) = state {
            skipped += tail.count
        }
        output(.gap(count, "gap: \(count) bytes missing at byte \(offset) of the stream\(lost); looking for the next frame"))
        offset += Int64(count)
        state = .searching(tail: [])
        skipped = 0
        resyncing = true
    }

    /// The stream ended (FIN, RST or the end of the capture).
    public mutating func finish(_ output: (Output) -> Void) {
        switch state {
        case let .decoding(decoder):
            if decoder.bufferedByteCount > 0 {
                output(.problem("the stream ends inside a frame (\(decoder.bufferedByteCount) bytes of it)", isError: false))
            }
        case let .searching(tail):
            let total = skipped + tail.count
            if total > 0 {
                if frames == 0 && !resyncing {
                    output(.problem("\(total) bytes and no frame of \(networkWords): v2-encrypted, or not Bitcoin (give --magic for another network)", isError: true))
                } else {
                    output(.problem("\(total) bytes at the end and no further frame", isError: true))
                }
            }
        }
        state = .searching(tail: [])
        skipped = 0
    }

    private var networkWords: String { candidates.count == 1 ? "magic \(candidates[0])" : "a known network" }

    /// Runs the decoder; returns the stream offset of the header it failed at, if it did.
    private mutating func decode(_ decoder: inout FrameDecoder, _ output: (Output) -> Void) -> Int64? {
        while true {
            do {
                guard let frame = try decoder.next() else { return nil }
                frames += 1
                output(.frame(frame))
            } catch {
                let at = decoderStart + Int64(decoder.streamOffset)
                output(.problem("\(error); looking for the next frame", isError: true))
                skipped = 0
                resyncing = true
                return at
            }
        }
    }

    /// Looks for a header in `tail` + `bytes` (which end at stream offset `end`); from one
    /// found on, decodes. After a broken header it looks again from the byte after it.
    private mutating func search(_ tail: [UInt8], _ bytes: UnsafeRawBufferPointer, endingAt end: Int64, _ output: (Output) -> Void) {
        var window = tail
        window.append(contentsOf: bytes)
        let windowStart = end - Int64(window.count)
        var scanned = 0  // where the current scan began
        var i = 0
        while i + 4 <= window.count {
            guard leads(window[i]) else {
                i += 1
                continue
            }
            let m = Magic(window[i], window[i + 1], window[i + 2], window[i + 3])
            guard candidates.contains(m) else {
                i += 1
                continue
            }
            guard i + MessageHeader.size <= window.count else { break }  // judge it once the header is in
            guard Self.plausibleHeader(window, at: i) else {
                i += 1
                continue
            }
            skipped += i - scanned
            if skipped > 0 {
                let what = resyncing ? "found the next frame" : "the first frame starts"
                output(.problem("\(what) after \(skipped) bytes that are not one", isError: false))
            }
            skipped = 0
            magic = m
            var decoder = FrameDecoder(magic: m)
            decoderStart = windowStart + Int64(i)
            let from = i
            window.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[from...])) }
            guard let failedAt = decode(&decoder, output) else {
                state = .decoding(decoder)
                return
            }
            i = min(window.count, max(i + 1, Int(failedAt + 1 - windowStart)))
            scanned = i
        }
        let keep = min(window.count - scanned, max(window.count - i, MessageHeader.size - 1))
        skipped += window.count - scanned - keep
        state = .searching(tail: Array(window.suffix(keep)))
    }

    /// A header whose command is printable ASCII padded with NULs and whose length is within
    /// the limit: what a search accepts as the start of a frame.
    static func plausibleHeader(_ b: [UInt8], at i: Int) -> Bool {
        var ended = false
        for k in 0..<MessageHeader.commandLength {
            let c = b[i + 4 + k]
            if c == 0 {
                ended = true
            } else if ended || c < 0x20 || c > 0x7e {
                return false
            }
        }
        if b[i + 4] == 0 { return false }
        let length = UInt32(b[i + 16]) | UInt32(b[i + 17]) << 8 | UInt32(b[i + 18]) << 16 | UInt32(b[i + 19]) << 24
        return length <= UInt32(MessageHeader.maxPayloadLength)
    }
}
