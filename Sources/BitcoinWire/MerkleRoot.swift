/// The merkle root of a block's txids (or of its wtxids, for the witness commitment):
/// pairs hashed with double SHA-256, the last hash of an odd level paired with itself.
public enum MerkleRoot {
    /// The root of `hashes` (zero for none). Works level by level in one buffer.
    public static func compute(_ hashes: [Hash256]) -> Hash256 {
        guard !hashes.isEmpty else { return .zero }
        var level = hashes
        var count = level.count
        while count > 1 {
            var next = 0
            var i = 0
            while i < count {
                let left = level[i]
                let right = i + 1 < count ? level[i + 1] : left
                level[next] = Hash256.combine(left, right)
                next += 1
                i += 2
            }
            count = next
        }
        return level[0]
    }
}
