/// The field tree of a part of a payload decoded only when asked for. A block's field
/// tree holds one `tx[i]` field per transaction carrying one of these, not every field
/// of 10,000 transactions; ``expand()`` decodes that one transaction with tracing.
public struct DeferredFields: Hashable, Sendable {
    /// What the bytes hold.
    public enum Kind: String, Hashable, Sendable {
        case transaction
    }

    public var kind: Kind
    /// The part's bytes, sharing the payload's storage.
    public var bytes: ArraySlice<UInt8>
    /// The offset of the first byte in the frame, so expanded ranges point into the frame.
    public var offset: Int

    public init(kind: Kind, bytes: ArraySlice<UInt8>, offset: Int) {
        self.kind = kind
        self.bytes = bytes
        self.offset = offset
    }

    /// The part's fields; a part that does not decode ends with an `error` field.
    public func expand() -> [Field] {
        let (fields, error) = FieldTrace.run(bytes, offset: offset) { (r: inout WireReader) throws(WireError) in
            switch kind {
            case .transaction: _ = try Transaction.decode(&r)
            }
            try r.expectEnd()
        }
        guard let error else { return fields }
        return fields + [Field(name: "error", value: .text(error.description), range: offset..<(offset + bytes.count))]
    }
}

/// Runs a decoder with tracing and returns the field tree, as far as it decodes.
enum FieldTrace {
    static func run(
        _ bytes: ArraySlice<UInt8>, offset: Int, _ decode: (inout WireReader) throws(WireError) -> Void
    ) -> (fields: [Field], error: WireError?) {
        let tracer = FieldTracer()
        var r = WireReader(bytes, offset: offset, tracer: tracer)
        do {
            try decode(&r)
            return (tracer.fields, nil)
        } catch {
            while tracer.depth > 1 { tracer.end(at: r.offset) }
            return (tracer.fields, error)
        }
    }
}
