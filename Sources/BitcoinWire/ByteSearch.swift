extension ArraySlice where Element == UInt8 {
    /// Where `needle` first starts in these bytes (an index of the whole array), or nil.
    /// Plain scanning: needles here are short (a 16-byte terminator, a searched hex string).
    public func firstIndex(ofBytes needle: [UInt8]) -> Int? {
        guard let first = needle.first, count >= needle.count else { return nil }
        var i = startIndex
        let last = endIndex - needle.count
        while i <= last {
            if self[i] == first && self[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
