import BIP324
import BitcoinWire
import PeerEngine

/// The message detail's field tree as rows one can move through, built once when the
/// detail opens from the event's own bytes (the frame is not parsed again per redraw), with
/// the selected row and which half has the focus. Moving through the tree highlights the
/// selected field's bytes in the hex dump, as Wireshark does.
public struct MessageDetailState: Equatable, Sendable {
    /// One line of the tree.
    public struct Row: Equatable, Sendable {
        public var depth: Int
        /// The field's name, or a heading (`header`, `payload 8 bytes`, `error: …`).
        public var name: String
        /// The value as shown; empty for groups and headings.
        public var value: String
        /// The bytes of the field in the frame's raw bytes (the dump), when it has some.
        public var bytes: Range<Int>?
        /// The field's own range as the decoder gave it (payload offsets for v2).
        public var fieldRange: Range<Int>?
        /// Children decoded only on request (a block's transactions).
        public var deferred: DeferredFields?
        public var expanded = false

        /// The row as text: indentation, name, value, byte range, and `▸`/`▾` for a part
        /// decoded on request.
        public var text: String {
            let pad = String(repeating: "  ", count: depth)
            let marker = deferred == nil ? "" : (expanded ? "▾ " : "▸ ")
            let range = fieldRange.map { " [\($0.lowerBound)..<\($0.upperBound)]" } ?? ""
            return pad + marker + name + (value.isEmpty ? "" : " = " + value) + range
        }
    }

    public var seq: Int
    public private(set) var rows: [Row]
    /// The selected row (meaningful while the tree has the focus).
    public private(set) var selected = 0
    /// Tab gives the focus to the tree (↑/↓ select fields) and back to the dump (↑/↓ scroll).
    public var treeHasFocus = false
    /// Columns the tree is scrolled sideways (← →), for values wider than the pane.
    public private(set) var sideways = 0
    /// Where the payload's offset 0 lies in the raw bytes (24 for v1; for v2, the
    /// contents are encrypted in place, so a payload byte sits at a fixed place in the packet).
    let payloadBase: Int

    /// The tree of `frame`; `rebuiltHeader`: its v1 header was made by verack (Core's
    /// captures keep none), and the tree says so.
    public init(seq: Int, frame: FrameEvent, rebuiltHeader: Bool = false) {
        self.seq = seq
        var rows: [Row] = []
        switch frame.kind {
        case .gap:
            payloadBase = 0
            rows = [
                Row(depth: 0, name: "gap: \(frame.size) bytes of the TCP stream were not captured", value: ""),
                Row(depth: 1, name: frame.summary, value: ""),
            ]
        case .message where frame.transport == .v1:
            payloadBase = MessageHeader.size
            let header = frame.headerFields
            if header.isEmpty {
                rows = [Row(depth: 0, name: "(fewer than 24 bytes: no header)", value: "")]
            } else {
                rows.append(Row(depth: 0, name: rebuiltHeader ? "header (rebuilt)" : "header", value: "", bytes: 0..<MessageHeader.size))
                if rebuiltHeader { rows.append(Row(depth: 1, name: "(Core's capture keeps no magic or checksum)", value: "")) }
                rows += Self.rows(header, depth: 1, base: 0)
                let payload = frame.payload
                rows.append(Row(depth: 0, name: "payload \(payload.count) bytes", value: "",
                                bytes: payload.isEmpty ? nil : MessageHeader.size..<(MessageHeader.size + payload.count)))
                let fields = frame.fields
                rows += fields.isEmpty ? [Row(depth: 1, name: "(empty)", value: "")] : Self.rows(fields, depth: 1, base: 0)
            }
        default:
            // v2: the packet's parts, then the decrypted message's fields. Offsets in the
            // fields count from the payload, which the cipher keeps in place: payload byte i
            // is packet byte (length 3 + header 1 + message type) + i.
            let overhead = V2PacketCipher.packetOverhead
            let typeBytes = max(0, frame.raw.count - overhead - frame.payload.count)
            payloadBase = V2PacketCipher.lengthFieldSize + 1 + typeBytes
            switch frame.kind {
            case .v2Key: rows = [Row(depth: 0, name: "ElligatorSwift public key, \(frame.raw.count) bytes", value: ""),
                                 Row(depth: 1, name: "(indistinguishable from random)", value: "")]
            case .v2Garbage: rows = [Row(depth: 0, name: "garbage, \(frame.size) bytes", value: ""),
                                     Row(depth: 1, name: "(random; authenticated as the AAD of the first packet after the terminator)", value: "")]
            case .v2Terminator: rows = [Row(depth: 0, name: "garbage terminator, \(frame.raw.count) bytes", value: "")]
            default:
                rows.append(Row(depth: 0, name: "v2 packet \(frame.raw.count) bytes (encrypted)", value: ""))
                for part in frame.layout.parts {
                    rows.append(Row(depth: 1, name: part.region.rawValue, value: "", bytes: part.range, fieldRange: part.range))
                }
                rows.append(Row(depth: 0, name: "decrypted contents \(max(0, frame.raw.count - overhead)) bytes", value: ""))
                switch frame.kind {
                case .v2Decoy: rows.append(Row(depth: 1, name: "decoy (ignore bit set): skipped", value: ""))
                case .v2Version: rows.append(Row(depth: 1, name: "version packet (transport features: none)", value: ""))
                case .v2UnknownID: rows.append(Row(depth: 1, name: "\(frame.label): unknown message type id, skipped as Core does", value: ""))
                default:
                    rows.append(Row(depth: 1, name: "message type \(frame.label) (\(typeBytes == 1 ? "short id" : "long form"), \(typeBytes) bytes)", value: ""))
                    rows.append(Row(depth: 1, name: "payload \(frame.payload.count) bytes", value: ""))
                    let fields = frame.fields
                    rows += fields.isEmpty ? [Row(depth: 2, name: "(empty)", value: "")] : Self.rows(fields, depth: 2, base: payloadBase)
                }
            }
        }
        if case let .failure(error)? = frame.message { rows.append(Row(depth: 0, name: "error: \(error)", value: "")) }
        self.rows = rows
        // Start on the first field with bytes, so the first ↓ is not lost on a heading.
        selected = rows.firstIndex { $0.bytes != nil && $0.depth > 0 } ?? 0
    }

    /// Rows of `fields` at `depth`; `base` is added to a field's range to find its bytes in
    /// the dump (0 for v1, whose ranges count from the frame).
    static func rows(_ fields: [Field], depth: Int, base: Int) -> [Row] {
        var out: [Row] = []
        for f in fields {
            let value = f.value == .group ? "" : f.value.display
            var row = Row(depth: depth, name: f.name, value: value, bytes: shifted(f.range, by: base), fieldRange: f.range)
            if f.children.isEmpty, let deferred = f.deferred {
                row.deferred = deferred
                out.append(row)
            } else {
                out.append(row)
                out += rows(f.children, depth: depth + 1, base: base)
            }
        }
        return out
    }

    static func shifted(_ r: Range<Int>, by base: Int) -> Range<Int>? {
        r.isEmpty ? nil : (r.lowerBound + base)..<(r.upperBound + base)
    }

    /// The selected row's bytes in the dump, when the tree has the focus.
    public var highlighted: Range<Int>? {
        treeHasFocus && rows.indices.contains(selected) ? rows[selected].bytes : nil
    }

    public mutating func select(_ index: Int) {
        selected = min(max(0, index), max(0, rows.count - 1))
    }

    public mutating func scrollSideways(by columns: Int) {
        sideways = min(max(0, sideways + columns), 4096)
    }

    /// Decodes the selected row's deferred part and shows it under the row, or hides it
    /// again. Returns false when the row has nothing to expand.
    @discardableResult
    public mutating func toggleSelected() -> Bool {
        guard rows.indices.contains(selected), let deferred = rows[selected].deferred else { return false }
        let depth = rows[selected].depth
        if rows[selected].expanded {
            var end = selected + 1
            while end < rows.count && rows[end].depth > depth { end += 1 }
            rows.removeSubrange((selected + 1)..<end)
            rows[selected].expanded = false
        } else {
            let base = rows[selected].bytes.map { $0.lowerBound - (rows[selected].fieldRange?.lowerBound ?? 0) } ?? 0
            rows.insert(contentsOf: Self.rows(deferred.expand(), depth: depth + 1, base: base), at: selected + 1)
            rows[selected].expanded = true
        }
        return true
    }
}
