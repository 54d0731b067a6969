// libFuzzer entry point for the BitcoinWire codec.
//
// SwiftPM links its own `main`, so libFuzzer's is not used: this file hands the command
// line to `LLVMFuzzerRunDriver`, which parses the usual libFuzzer flags and calls
// `fuzzOne` once per input. Build with `-Xswiftc -sanitize=fuzzer,address` (one flag: see
// scripts/fuzz, which builds and runs it).
//
// Besides "no crash, no hang, no huge allocation", the callback checks properties:
// a FrameDecoder yields the same frames (and the same failure) whatever the chunking; the
// field tree and plain decoding agree on the error; a message that decoded re-encodes to
// bytes that decode to the same message.
import BitcoinWire
import Foundation

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// Commands with a decoder, plus ones that decode as `.unknown`.
let commands = Message.knownCommands + ["tx", "block", "?", ""]

/// SplitMix64 seeded from the input, so chunk sizes follow the input deterministically.
struct ChunkSizes {
    var state: UInt64
    init(_ bytes: [UInt8], salt: UInt64) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ salt  // FNV-1a
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        state = h
    }
    mutating func next(max: Int) -> Int {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        // Mostly small chunks (byte-at-a-time edges), sometimes large ones.
        let limit = z & 3 == 0 ? max : Swift.min(max, 32)
        return 1 + Int((z >> 2) % UInt64(limit))
    }
}

/// What a decoder produced from a stream: frames (as raw bytes and offsets) and the error
/// that ended it, if any.
struct Outcome: Equatable {
    var frames: [[UInt8]] = []
    var offsets: [Int] = []
    var failure: String?
}

/// The error as chunked and whole decoding must agree on it. A wrong magic is judged on
/// its first bytes as they arrive, so `actual` only holds those: compare the offset.
func normalized(_ error: WireError) -> String {
    if case let .badMagic(expected, _, offset) = error { return "badMagic(\(expected), \(offset))" }
    return "\(error)"
}

/// Feeds `bytes` to a decoder for `magic`, in one piece or in chunks, draining `next()`
/// after every chunk, and exercises every frame that comes out.
func decodeStream(_ bytes: [UInt8], magic: Magic, chunked salt: UInt64?) -> Outcome {
    var decoder = FrameDecoder(magic: magic)
    var outcome = Outcome()
    var sizes = salt.map { ChunkSizes(bytes, salt: $0) }
    var position = 0
    while position < bytes.count {
        let size = sizes?.next(max: bytes.count - position) ?? bytes.count
        decoder.feed(bytes[position..<(position + size)])
        position += size
        do {
            while let frame = try decoder.next() {
                outcome.frames.append(frame.raw)
                outcome.offsets.append(frame.streamOffset)
                if salt == nil { exercise(frame, magic: magic) }
            }
        } catch {
            outcome.failure = normalized(error)
            break
        }
    }
    // A failed stream keeps failing, with the same error.
    if let failure = outcome.failure {
        do {
            _ = try decoder.next()
            fatalError("next() after a failure returned instead of throwing")
        } catch {
            precondition(normalized(error) == failure, "a failed decoder threw a different error")
        }
    }
    precondition(decoder.bufferedByteCount >= 0)
    return outcome
}

/// Everything a user can ask of one frame.
func exercise(_ frame: Frame, magic: Magic) {
    _ = frame.fields
    _ = frame.headerFields
    _ = frame.summary
    _ = frame.checksumOK
    _ = frame.checksumError
    if case let .success(message) = frame.message {
        checkRoundTrip(message)
    }
    // The report renders fields, a hex dump and JSON: cheap for the sizes libFuzzer makes.
    if frame.raw.count <= 1 << 14 {
        let report = FrameReport(index: 1, streamOffset: frame.streamOffset, raw: frame.raw, network: .custom(magic: magic))
        _ = report.lines
        _ = report.json.serialized
        _ = report.summary
    }
    for corruption in Corruption.allCases {
        if let broken = try? corruption.apply(to: frame.raw), let inspected = Frame.inspect(broken, expectedMagic: magic) {
            _ = inspected.fields
            _ = inspected.summary
        }
    }
}

/// decode(encode(m)) == m for a message that decoded. Strings are decoded lossily (bytes
/// that are not UTF-8 become U+FFFD, three bytes each), so a message holding a replacement
/// character may not fit its length limit again: those are left out.
func checkRoundTrip(_ message: Message) {
    let texts: [String]
    switch message {
    case let .version(v): texts = [v.userAgent]
    case let .reject(r): texts = [r.message, r.reason]
    default: texts = []
    }
    if texts.contains(where: { $0.unicodeScalars.contains("\u{FFFD}") }) { return }
    let payload = message.encodePayload()
    let again: Message
    do {
        again = try Message.decode(command: message.command, payload: payload[...])
    } catch {
        fatalError("\(message.command): re-encoded payload \(Hex.encode(payload)) does not decode: \(error)")
    }
    precondition(again == message, "\(message.command): round trip changed the message")
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []

    // Stream decoding: against regtest, and against the input's own first 4 bytes so most
    // inputs get past the magic. Chunked and whole decoding must agree.
    var magics = [Network.regtest.magic]
    if bytes.count >= 4 {
        let own = Magic(bytes[0], bytes[1], bytes[2], bytes[3])
        if own != Network.regtest.magic { magics.append(own) }
    }
    for (i, magic) in magics.enumerated() {
        let whole = decodeStream(bytes, magic: magic, chunked: nil)
        let chunked = decodeStream(bytes, magic: magic, chunked: UInt64(i + 1))
        precondition(whole == chunked, "chunked decoding differs from whole decoding")
    }

    // Every payload decoder on the raw input, and on the input after a 24-byte header.
    for payload in [bytes[...], bytes.dropFirst(MessageHeader.size)] {
        for command in commands {
            let (fields, error) = Message.fields(command: command, payload: payload)
            let decoded = Result { () throws(WireError) in try Message.decode(command: command, payload: payload) }
            // The field tree and plain decoding are one piece of code: same verdict.
            switch decoded {
            case let .success(message):
                precondition(error == nil, "\(command): fields failed where decode succeeded")
                checkRoundTrip(message)
                _ = message.summary
            case let .failure(e):
                precondition(error == e, "\(command): fields and decode disagree on the error")
            }
            _ = Field.render(fields)
            _ = JSONValue.array(fields.map(\.json)).serialized
        }
    }

    // Bytes that may be a broken frame, as `verack decode` and the console show them.
    if let frame = Frame.inspect(bytes, expectedMagic: Network.regtest.magic) {
        _ = frame.fields
        _ = frame.summary
        _ = frame.checksumError
    }
    if bytes.count <= 1 << 14 {
        let stream = FrameStreamReport(bytes: bytes, network: nil)
        _ = stream.lines
        _ = stream.jsonLines
    }

    // The input as hex text (what `verack decode` reads from the command line).
    let text = String(decoding: bytes, as: UTF8.self)
    if let decoded = try? Hex.decode(text) {
        precondition(Hex.encode(decoded).count == decoded.count * 2)
    }
    _ = try? Magic(hex: text)
    _ = DisplayText.sanitize(text)
    return 0
}

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
