import Foundation

/// The binary entropy `h(p) = -p log2 p - (1 - p) log2(1 - p)`, with `h(0) = h(1) = 0`.
public func binaryEntropy(_ p: Double) -> Double {
    precondition((0...1).contains(p), "binary entropy needs a probability, got \(p)")
    if p == 0 || p == 1 { return 0 }
    return -p * log2(p) - (1 - p) * log2(1 - p)
}
