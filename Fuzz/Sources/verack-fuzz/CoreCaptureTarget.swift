import BitcoinWire
import Capture
import PeerEngine

/// `core-capture`: Bitcoin Core's `-capturemessages` reader.
///
/// The input as one `msgs_*.dat` file: every record that comes out lies within the input,
/// in order, with at most Core's 4,000,000 payload bytes; a file that stops short says
/// why. Then the input cut in two (at a place its first two bytes choose) as one peer's
/// `msgs_sent.dat` and `msgs_recv.dat`, merged by the importer: frames come out in time
/// order of the records' clocks, no more frames than records, each with a rebuilt header
/// whose checksum holds.
enum CoreCaptureTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        let bytes = Array(input)
        let file = CoreCaptureFile(bytes: bytes, name: "fuzz")
        var records = 0
        var end: Int64 = 0
        while let record = file.next() {
            records += 1
            check(record.offset == end, "record at \(record.offset), the last ended at \(end)")
            check(record.payload.count <= MessageHeader.maxPayloadLength, "payload of \(record.payload.count)")
            end = record.offset + Int64(record.encoded.count)
            check(record.encoded[...] == bytes[Int(record.offset)..<Int(end)], "record at \(record.offset) does not re-encode to its bytes")
        }
        check(end <= bytes.count, "records run to \(end) of \(bytes.count) bytes")
        check((file.problem == nil) == (end == bytes.count), "stopped at \(end) of \(bytes.count), problem: \(file.problem ?? "none")")

        let cut = bytes.count < 2 ? 0 : min(bytes.count, Int(bytes[0]) | Int(bytes[1]) << 8)
        let importer = CoreCaptureImporter(
            memory: [(folder: "127.0.0.1_8333", sent: Array(bytes[..<cut]), received: Array(bytes[cut...]))], network: .mainnet)
        var frames = 0
        var last = 0.0
        importer.run { event in
            guard case let .frame(f) = event.kind else { return }
            frames += 1
            check(f.time >= last, "frame at \(f.time) after one at \(last)")
            last = f.time
            check(f.checksumOK, "a rebuilt header's checksum failed")
            check(f.raw.prefix(4).elementsEqual(Network.mainnet.magic.bytes), "a rebuilt header without the magic")
        }
        check(frames == importer.records, "\(frames) frames from \(importer.records) records")
        check(frames <= bytes.count / CoreCaptureRecord.headerSize, "\(frames) frames from \(bytes.count) bytes")
    }

    /// A peer's handshake and pings, as Core writes them.
    static func seeds(_ frames: [[UInt8]]) -> [[UInt8]] {
        var file: [UInt8] = []
        var time: Int64 = 1_700_000_000_000_000
        for frame in frames where frame.count >= MessageHeader.size {
            time += 1000
            file += CoreCaptureRecord(time: time, type: Array(frame[4..<16]), payload: Array(frame[MessageHeader.size...])).encoded
        }
        let half = file.count / 2
        return [file, [UInt8(half & 0xff), UInt8(half >> 8 & 0xff)] + file]
    }
}
