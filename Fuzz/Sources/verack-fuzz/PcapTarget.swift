import BitcoinWire
import Capture

/// `pcap`: the capture reader and the TCP reassembler.
///
/// First the input as a whole capture file, through libpcap, the link-layer, IP and TCP
/// parsers, reassembly and frame search: any error is a one-line ``CaptureError`` or an
/// event, never a crash or a hang. Then the input as one direction's byte stream, cut into
/// segments of input-chosen sizes, sent out of order with retransmissions and overlaps:
/// the reassembler gives back exactly the stream, with no gap.
enum PcapTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        readCapture(Array(input))
        if input.count >= 4 {
            // Also as a classic pcap of Ethernet, so the fuzzer's bytes reach the parsers
            // behind libpcap without having to find a file header first.
            var file: [UInt8] = []
            // Every record is 16 bytes of header and at least one byte of the input.
            file.reserveCapacity(24 + 17 * input.count)
            file += [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]
            var chunks = ChunkSizes(input, salt: 3)
            var at = 0
            while at < input.count {
                let n = min(chunks.next(max: 1600), input.count - at)
                file.append(contentsOf: repeatElement(0, count: 8))
                appendLE32(n, to: &file)
                appendLE32(n, to: &file)
                file.append(contentsOf: input[at..<(at + n)])
                at += n
            }
            readCapture(file)
        }
        // The reassembly property for one input in two, chosen by a hash of the input (its
        // allocations per held segment cost as much as both capture reads together).
        var pick = ChunkSizes(input, salt: 5)
        if pick.next64() & 1 == 0 { reassemble(input) }
    }

    static func appendLE32(_ v: Int, to bytes: inout [UInt8]) {
        bytes.append(UInt8(v & 0xff))
        bytes.append(UInt8(v >> 8 & 0xff))
        bytes.append(UInt8(v >> 16 & 0xff))
        bytes.append(UInt8(v >> 24 & 0xff))
    }

    static func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24 & 0xff)] }

    static func readCapture(_ bytes: [UInt8]) {
        guard let file = try? PcapFile(bytes: bytes, name: "fuzz"), let importer = try? PcapImporter(file: file, magic: nil) else { return }
        var frames = 0
        importer.run { event in
            if case .frame = event.kind { frames += 1 }
        }
        check(frames <= bytes.count / MessageHeader.size, "\(frames) frames from \(bytes.count) bytes")
    }

    static func reassemble(_ input: UnsafeRawBufferPointer) {
        let stream = Array(input)
        var sizes = ChunkSizes(input, salt: 4)
        var segments: [(offset: Int, length: Int)] = []
        var at = 0
        while at < stream.count {
            let n = min(sizes.next(max: 300), stream.count - at)
            segments.append((at, n))
            at += n
        }
        // Shuffle, then add retransmissions: exact copies and spans across neighbours.
        for i in segments.indices.reversed() where i > 0 {
            segments.swapAt(i, Int(sizes.next64() % UInt64(i + 1)))
        }
        for _ in 0..<(segments.count / 3) {
            let a = Int(sizes.next64() % UInt64(stream.count + 1)), n = Int(sizes.next64() % 200)
            segments.insert((a, min(n, stream.count - a)), at: Int(sizes.next64() % UInt64(segments.count + 1)))
        }
        let initial = UInt32(truncatingIfNeeded: sizes.next64())
        var reassembler = TCPReassembler()
        var out: [UInt8] = []
        out.reserveCapacity(stream.count)
        var gaps = 0
        stream.withUnsafeBytes { all in
            reassembler.add(sequence: initial, flags: .syn, payload: UnsafeRawBufferPointer(start: nil, count: 0), length: 0) { _ in }
            for s in segments where s.length > 0 {
                let payload = UnsafeRawBufferPointer(rebasing: all[s.offset..<(s.offset + s.length)])
                reassembler.add(sequence: initial &+ 1 &+ UInt32(s.offset), flags: .ack, payload: payload, length: s.length) { o in
                    switch o {
                    case let .data(d): out += d
                    case .gap: gaps += 1
                    }
                }
            }
            reassembler.flush { o in
                switch o {
                case let .data(d): out += d
                case .gap: gaps += 1
                }
            }
        }
        check(gaps == 0, "\(gaps) gaps though every byte was sent")
        check(out == stream, "reassembled \(out.count) bytes differ from the \(stream.count) sent")
    }

    /// A classic pcap of `stream` sent in 500-byte Ethernet/IPv4/TCP segments after a SYN.
    static func seedCapture(_ stream: [UInt8]) -> [UInt8] {
        var file: [UInt8] = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0] + [UInt8](repeating: 0, count: 8) + [0, 0, 4, 0, 1, 0, 0, 0]
        func packet(_ seq: Int, _ flags: UInt8, _ payload: ArraySlice<UInt8>) {
            let total = 40 + payload.count
            let s = UInt32(truncatingIfNeeded: seq)
            var p: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]
            p += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
            p += [0x9c, 0x40, 0x20, 0x8d, UInt8(s >> 24), UInt8(s >> 16 & 0xff), UInt8(s >> 8 & 0xff), UInt8(s & 0xff)]
            p += [0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0] + payload
            file += [0, 0, 0, 0, 0, 0, 0, 0] + le32(p.count) + le32(p.count) + p
        }
        packet(99, 0x02, [])
        for at in stride(from: 0, to: stream.count, by: 500) { packet(100 + at, 0x18, stream[at..<min(at + 500, stream.count)]) }
        return file
    }
}
