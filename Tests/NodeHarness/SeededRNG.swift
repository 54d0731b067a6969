import PeerEngine

/// The engine's SplitMix64, so "random" tests and benchmarks repeat exactly.
public typealias SeededRNG = SplitMix64

extension SplitMix64 {
    public mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
}
