import PeerEngine
/// SplitMix64 seeded from the input, so chunk sizes follow the input deterministically.
struct ChunkSizes {
    var rng: SplitMix64
    init(_ bytes: UnsafeRawBufferPointer, salt: UInt64) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ salt  // FNV-1a
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        rng = SplitMix64(seed: h)
    }
    mutating func next64() -> UInt64 { rng.next() }
    /// A chunk size in 1...max: mostly small chunks (byte-at-a-time edges), sometimes large.
    mutating func next(max: Int) -> Int {
        let z = next64()
        let limit = z & 3 == 0 ? max : Swift.min(max, 32)
        return 1 + Int((z >> 2) % UInt64(limit))
    }
}

/// Reads structure out of the fuzzer's bytes; past the end every read gives zeros or nothing.
struct InputReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }
    var remaining: Int { Swift.max(0, bytes.count - position) }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }
    mutating func uint16() -> Int { Int(byte()) | Int(byte()) << 8 }
    /// Up to `count` bytes (fewer at the end of the input).
    mutating func take(_ count: Int) -> UnsafeRawBufferPointer {
        let n = Swift.min(count, remaining)
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
    }
    mutating func rest() -> UnsafeRawBufferPointer { take(remaining) }
}

/// Stops the run with a message libFuzzer keeps next to the crash input. (`preconditionFailure`
/// would do too, but its message is lost in release builds.)
func violated(_ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("property violated: \(message())", file: file, line: line)
}

func check(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { violated(message(), file: file, line: line) }
}
