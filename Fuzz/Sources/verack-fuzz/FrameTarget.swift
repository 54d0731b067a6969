import BitcoinWire

/// `frame`: the v1 ``FrameDecoder`` over a stream, fed whole and in input-chosen chunks.
///
/// Properties: both feedings give the same frames, offsets and failure; frames tile the
/// stream (each starts where the last ended, with the magic); without a failure every byte
/// is in a frame or still buffered; a failed decoder keeps throwing the same error; a frame
/// whose message decoded re-encodes to a payload that decodes to the same message.
///
/// The magic is the input's own first four bytes, so the first frame always gets past it.
enum FrameTarget {
    struct Outcome: Equatable {
        var frames: [[UInt8]] = []
        var offsets: [Int] = []
        var failure: WireError?
        var buffered = 0
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        let magic = input.count >= 4 ? Magic(input[0], input[1], input[2], input[3]) : Network.regtest.magic
        let whole = decode(input, magic: magic, chunks: nil)
        let chunked = decode(input, magic: magic, chunks: ChunkSizes(input, salt: 1))
        check(whole == chunked, "chunked decoding differs from whole decoding")

        var offset = 0
        for (frame, at) in zip(whole.frames, whole.offsets) {
            check(at == offset, "frame at \(at), expected \(offset)")
            check(frame.count >= MessageHeader.size && frame.starts(with: magic.bytes), "a frame without header or magic")
            offset += frame.count
        }
        if whole.failure == nil {
            check(offset + whole.buffered == input.count, "bytes lost: \(offset) in frames, \(whole.buffered) buffered, \(input.count) fed")
        }

        // The input as one frame, as `verack decode` inspects it: header fields, checksum,
        // and, when it is a valid frame (as the frames `resend --corrupt` breaks are), each v1
        // corruption applied to it.
        let bytes = Array(input)
        if let frame = Frame.inspect(bytes, expectedMagic: magic) {
            _ = frame.headerFields
            guard frame.checksumError == nil else { return }
            for corruption in Corruption.v1Kinds {
                if let broken = try? corruption.apply(to: frame.raw) {
                    _ = Frame.inspect(broken, expectedMagic: magic)?.checksumError
                }
            }
        }
    }

    /// A wrong magic is judged on its first bytes as they arrive, so `actual` depends on the
    /// chunking: compare the rest.
    static func normalized(_ error: WireError) -> WireError {
        if case let .badMagic(expected, _, offset) = error { return .badMagic(expected: expected, actual: expected, offset: offset) }
        return error
    }

    static func decode(_ input: UnsafeRawBufferPointer, magic: Magic, chunks: ChunkSizes?) -> Outcome {
        var decoder = FrameDecoder(magic: magic)
        var outcome = Outcome()
        var sizes = chunks
        var position = 0
        feeding: while position < input.count {
            let size = sizes?.next(max: input.count - position) ?? input.count
            decoder.feed(UnsafeRawBufferPointer(rebasing: input[position..<(position + size)]))
            position += size
            do {
                while let frame = try decoder.next() {
                    outcome.frames.append(frame.raw)
                    outcome.offsets.append(frame.streamOffset)
                    if chunks == nil { exercise(frame) }
                }
            } catch {
                outcome.failure = normalized(error)
                break feeding
            }
        }
        if let failure = outcome.failure {
            do {
                _ = try decoder.next()
                violated("next() after a failure returned instead of throwing")
            } catch {
                check(normalized(error) == failure, "a failed decoder threw a different error")
            }
            check(decoder.failure.map(normalized) == failure, "failure differs from the error thrown")
        }
        outcome.buffered = decoder.bufferedByteCount
        return outcome
    }

    static func exercise(_ frame: Frame) {
        _ = frame.checksumOK
        if case let .success(message) = frame.message {
            check(message.command == frame.header.command, "command changed in decoding")
            MessageTarget.checkRoundTrip(message)
        }
    }
}
