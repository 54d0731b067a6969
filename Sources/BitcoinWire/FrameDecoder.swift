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

    /// Received bytes; those from `readIndex` on are not yet part of a returned frame.
    /// While a big frame is received into `frameStorage`, these are the bytes after it.
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var state = State.waitingForHeader
    /// Stream offset of the next frame's first byte.
    public private(set) var streamOffset = 0
    /// When set, only frames of these commands have their payloads decoded; the others are
    /// ``Message/unknown(command:payload:)`` (for a reader that only passes them on).
    public var decodeOnly: Set<Command>?

    public init(magic: Magic, maxPayloadLength: Int = MessageHeader.maxPayloadLength) {
        self.magic = magic
        self.maxPayloadLength = maxPayloadLength
    }

    /// Bytes received but not yet part of a returned frame.
    public var bufferedByteCount: Int { frameFilled + buffer.count - readIndex }

    /// The error that ended the stream, if one did.
    public var failure: WireError? {
        if case let .failed(error) = state { return error }
        return nil
    }

    /// Appends received bytes. Ignored once the stream has failed.
    ///
    /// While a big payload is awaited, the bytes of it that arrive are hashed here, before
    /// they are copied into the frame's storage: the copy then reads them from the cache,
    /// and the checksum needs no second pass over the payload once it is complete.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        if case .failed = state { return }
        var rest = bytes
        let room = frameStorage.count - frameFilled
        if room > 0 {
            let part = UnsafeRawBufferPointer(rebasing: rest[..<min(rest.count, room)])
            payloadHasher?.update(bufferPointer: part)
            let start = frameFilled
            frameStorage.withUnsafeMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[start...]).copyMemory(from: part) }
            frameFilled += part.count
            rest = UnsafeRawBufferPointer(rebasing: rest[part.count...])
        }
        guard !rest.isEmpty else { return }
        compact()
        buffer.append(contentsOf: rest)
    }

    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if case .failed = state { return }
        let fed: Void? = bytes.withContiguousStorageIfAvailable { feed(UnsafeRawBufferPointer($0)) }
        if fed == nil { Array(bytes).withUnsafeBytes { feed($0) } }
    }

    /// Receives bytes without an intermediate copy where that matters: `fill` writes at
    /// most `maxBytes` bytes into the space it is given and returns how many it wrote (a
    /// `read(2)` from a socket, say). Returns that count.
    ///
    /// While a big frame is awaited, the space is the frame's own storage (at most up to the
    /// frame's end), so its bytes are copied once, by `fill`, and the frame hands the same
    /// storage over as ``Frame/raw``. Otherwise (headers, small frames) `fill` writes into a
    /// temporary buffer on the stack and the bytes are fed from there: no decoder holds
    /// `maxBytes` of memory while it waits for a frame to begin.
    @discardableResult
    public mutating func receive(upTo maxBytes: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        let room = frameStorage.count - frameFilled
        if room > 0, maxBytes > 0 {
            let start = frameFilled
            let space = min(maxBytes, room)
            let n = frameStorage.withUnsafeMutableBytes { all in
                max(0, min(space, fill(UnsafeMutableRawBufferPointer(rebasing: all[start..<(start + space)]))))
            }
            // Hashed right after the copy, while the bytes are still in the cache.
            if var hasher = payloadHasher {
                payloadHasher = nil
                frameStorage.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[start..<(start + n)])) }
                payloadHasher = hasher
            }
            frameFilled += n
            return n
        }
        return withUnsafeTemporaryAllocation(byteCount: max(1, maxBytes), alignment: 16) { space in
            let n = max(0, min(maxBytes, fill(UnsafeMutableRawBufferPointer(rebasing: space[..<maxBytes]))))
            if n > 0 { feed(UnsafeRawBufferPointer(rebasing: space[..<n])) }
            return n
        }
    }

    /// Payloads at least this long are hashed as they arrive (see ``feed(_:)``).
    static let incrementalHashThreshold = 1 << 16
    /// The running SHA-256 of the awaited big payload's bytes so far (all those in
    /// `frameStorage`).
    private var payloadHasher: SHA256?
    /// The big frame being received: exactly its size, header included, of which the
    /// first `frameFilled` bytes have arrived (empty when no big frame is awaited). It
    /// becomes the frame's ``Frame/raw`` as it is: the bytes are never moved.
    private var frameStorage: [UInt8] = []
    private var frameFilled = 0

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
                if Int(header.length) >= Self.incrementalHashThreshold {
                    startLargeFrame(total: total)
                } else if buffer.capacity < readIndex + total {
                    buffer.reserveCapacity(readIndex + total)
                }
                return nil
            }
            return emit(header: header, total: total)
        case let .waitingForPayload(header, total):
            if !frameStorage.isEmpty {
                guard frameFilled == total else { return nil }
                state = .waitingForHeader
                return emit(header: header, total: total)
            }
            guard buffer.count - readIndex >= total else {
                if buffer.capacity < readIndex + total { buffer.reserveCapacity(readIndex + total) }
                return nil
            }
            state = .waitingForHeader
            return emit(header: header, total: total)
        }
    }

    /// Moves the start of a big frame (all the buffered bytes, fewer than `total`) into
    /// storage of its exact size and hashes the payload part of it; ``feed(_:)`` and
    /// ``receive(upTo:_:)`` add the rest there.
    private mutating func startLargeFrame(total: Int) {
        let have = buffer.count - readIndex
        let start = readIndex
        // UInt8 is a trivial type: the bytes past `have` are written by `feed` or `receive`
        // before anything reads them (`frameFilled` bounds every read), so they are left
        // as they are instead of being zeroed first (a pass over the whole frame).
        frameStorage = [UInt8](unsafeUninitializedCapacity: total) { storage, count in
            buffer.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(storage).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + have)]))
            }
            count = total
        }
        frameFilled = have
        readIndex = buffer.count
        compact()
        var hasher = SHA256()
        frameStorage.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[MessageHeader.size..<have])) }
        payloadHasher = hasher
    }

    /// Takes the complete frame of `total` bytes at the front and decodes it.
    private mutating func emit(header: MessageHeader, total: Int) -> Frame {
        let raw: [UInt8]
        let checksum: Checksum
        if let hasher = payloadHasher, frameFilled == total {
            raw = frameStorage
            checksum = Checksum(firstDigest: hasher.finalize())
            frameStorage = []
            frameFilled = 0
            payloadHasher = nil
        } else {
            raw = takeFrameBytes(total)
            checksum = Checksum(of: raw[MessageHeader.size...])
        }
        let offset = streamOffset
        streamOffset += total
        let payload = raw[MessageHeader.size...]
        let result: Result<Message, WireError>
        if let error = pendingError {
            pendingError = nil
            result = .failure(error)
        } else {
            if let decodeOnly, !decodeOnly.contains(header.command) {
                result = .success(.unknown(command: header.command, payload: payload))
            } else {
                do {
                    result = .success(try Message.decode(command: header.command, payload: payload))
                } catch {
                    result = .failure(error)
                }
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
        frameStorage = []
        frameFilled = 0
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
