extension Message {
    /// About how many bytes of heap the decoded message holds beyond the frame's own bytes
    /// (which its byte strings share), measured on this machine's allocator (see
    /// BlockMemoryTests): a block of 10,000 two-in two-out segwit transactions holds about
    /// a kilobyte per transaction in arrays of inputs, outputs and witness items. The message
    /// log charges this, so that its memory budget holds for decoded blocks too.
    public var approximateHeapBytes: Int {
        switch self {
        case let .tx(t): return Self.footprint(t)
        case let .block(b): return b.transactions.reduce(64) { $0 + Self.footprint($1) }
        case let .blocktxn(b): return b.transactions.reduce(64) { $0 + Self.footprint($1) }
        case let .cmpctblock(c): return 64 + c.shortIDs.count * 8 + c.prefilled.reduce(0) { $0 + Self.footprint($1.transaction) }
        case let .headers(h): return 64 + h.count * 176
        case let .inv(items), let .getdata(items), let .notfound(items): return 64 + items.count * 64
        case let .addr(entries): return 64 + entries.count * 96
        case let .addrv2(entries): return 64 + entries.count * 128
        default: return 0
        }
    }

    static func footprint(_ t: Transaction) -> Int {
        let witnessItems = t.inputs.reduce(0) { $0 + $1.witness.count }
        return 200 + t.inputs.count * 160 + t.outputs.count * 100 + witnessItems * 64
    }
}
