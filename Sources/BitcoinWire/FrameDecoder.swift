import Crypto

/// Turns a byte stream into frames, in any chunking.
///
/// The check order follows Bitcoin Core: magic (as soon as its 4 bytes arrive), command,
/// length limit (before anything is buffered for the payload), then, once the payload is
/// in, checksum and message decoding. A wrong checksum or an undecodable payload is a
/// property of that one ``Frame``, and decoding goes on after it. A wrong magic or an
/// oversized length ends the stream: every later ``next()`` throws the same error.
public struct FrameDecoder {
    private enum State {
        case waitingForHeader
        case waitingForPayload(header: MessageHeader, total: Int)
        case failed(WireError)
    }

    public let magic: Magic
    public let maxPayloadLength: Int

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var state = State.waitingForHeader
    /// Stream offset of `buffer[readIndex]`.
    public private(set) var streamOffset = 0

    public init(magic: Magic, maxPayloadLength: Int = MessageHeader.maxPayloadLength) {
        self.magic = magic
        self.maxPayloadLength = maxPayloadLength
    }

    /// Bytes received but not yet part of a returned frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// The error that ended the stream, if one did.
    public var failure: WireError? {
        if case let .failed(error) = state { return error }
        return nil
    }

    /// Appends received bytes. Ignored once the stream has failed.
    ///
    /// While a big payload is awaited, the bytes of it that arrive are hashed here, before
    /// they are copied into the buffer: the copy then reads them from the cache, and the
    /// checksum needs no second pass over the payload once it is complete.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        if case .failed = state { return }
        compact()
        if case let .waitingForPayload(header, _) = state, payloadHasher != nil {
            let count = min(bytes.count, Int(header.length) - hashedPayloadCount)
            payloadHasher?.update(bufferPointer: UnsafeRawBufferPointer(rebasing: bytes[..<count]))
            hashedPayloadCount += count
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if case .failed = state { return }
        let fed: Void? = bytes.withContiguousStorageIfAvailable { feed(UnsafeRawBufferPointer($0)) }
        if fed == nil { Array(bytes).withUnsafeBytes { feed($0) } }
    }

    /// Payloads at least this long are hashed as they arrive (see ``feed(_:)``).
    static let incrementalHashThreshold = 1 << 16
    /// The running SHA-256 of the awaited payload's bytes so far, when it is big.
    private var payloadHasher: SHA256?
    /// How many payload bytes `payloadHasher` has taken: all those in the buffer.
    private var hashedPayloadCount = 0

    /// Drops consumed bytes; at most once per returned frame, so never quadratic.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
        } else {
            buffer.removeSubrange(0..<readIndex)
        }
        readIndex = 0
    }

    /// The next complete frame, nil when more bytes are needed.
    public mutating func next() throws(WireError) -> Frame? {
        switch state {
        case let .failed(error):
            throw error
        case .waitingForHeader:
            let available = buffer.count - readIndex
            // The magic is judged as soon as its 4 bytes are in, before the rest of the
            // header: garbage fails at once, and the error shows the bytes really received.
            guard available >= 4 else { return nil }
            let start = readIndex
            let received = buffer.withUnsafeBytes { Magic(value: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: start, as: UInt32.self))) }
            if received != magic {
                return try fail(.badMagic(expected: magic, actual: received, offset: streamOffset))
            }
            guard available >= MessageHeader.size else { return nil }
            let header: MessageHeader
            do {
                let parsed = try MessageHeader.parseKeepingBadCommand(
                    buffer[readIndex..<(readIndex + MessageHeader.size)], streamOffset: streamOffset)
                header = parsed.header
                // Core reads and drops a message with a bad command: skip it whole (by its
                // length, which passes the same limit as any other), reporting the error.
                pendingError = parsed.commandError
            } catch {
                return try fail(error)
            }
            guard Int(header.length) <= maxPayloadLength else {
                return try fail(.payloadTooLarge(length: header.length, limit: maxPayloadLength, offset: streamOffset + 16))
            }
            let total = MessageHeader.size + Int(header.length)
            guard available >= total else {
                state = .waitingForPayload(header: header, total: total)
                if buffer.capacity < readIndex + total { buffer.reserveCapacity(readIndex + total) }
                if Int(header.length) >= Self.incrementalHashThreshold {
                    // Hash the part of the payload already here; `feed` hashes the rest.
                    var hasher = SHA256()
                    let start = readIndex + MessageHeader.size
                    buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[start...])) }
                    payloadHasher = hasher
                    hashedPayloadCount = buffer.count - start
                }
                return nil
            }
            return emit(header: header, total: total)
        case let .waitingForPayload(header, total):
            guard buffer.count - readIndex >= total else {
                if buffer.capacity < readIndex + total { buffer.reserveCapacity(readIndex + total) }
                return nil
            }
            state = .waitingForHeader
            return emit(header: header, total: total)
        }
    }

    /// Takes the complete frame of `total` bytes at the front and decodes it.
    private mutating func emit(header: MessageHeader, total: Int) -> Frame {
        let raw = takeFrameBytes(total)
        let offset = streamOffset
        streamOffset += total
        let payload = raw[MessageHeader.size...]
        let checksum: Checksum
        if let hasher = payloadHasher, hashedPayloadCount == payload.count {
            checksum = Checksum(firstDigest: hasher.finalize())
        } else {
            checksum = Checksum(of: payload)
        }
        payloadHasher = nil
        hashedPayloadCount = 0
        let result: Result<Message, WireError>
        if let error = pendingError {
            pendingError = nil
            result = .failure(error)
        } else {
            do {
                result = .success(try Message.decode(command: header.command, payload: payload))
            } catch {
                result = .failure(error)
            }
        }
        return Frame(raw: raw, header: header, streamOffset: offset, payloadChecksum: checksum, message: result)
    }

    private var pendingError: WireError?

    private mutating func fail(_ error: WireError) throws(WireError) -> Frame? {
        state = .failed(error)
        buffer = []
        readIndex = 0
        payloadHasher = nil
        throw error
    }

    /// Removes the next `count` bytes. A large frame alone at the front of the buffer is
    /// handed over without copying it.
    private mutating func takeFrameBytes(_ count: Int) -> [UInt8] {
        if readIndex == 0 && count >= 1 << 16 {
            var raw = buffer
            buffer = Array(buffer[count...])
            raw.removeSubrange(count...)
            return raw
        }
        let raw = Array(buffer[readIndex..<(readIndex + count)])
        readIndex += count
        return raw
    }
}
