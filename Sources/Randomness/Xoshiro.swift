#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// xoshiro256** (Blackman and Vigna): a fast, seedable generator for simulation and for
/// repeatable runs with `--seed`. Not cryptographic; real runs use ``SystemRandom``.
///
/// The state and `next()` are visible to other modules (`@inlinable`), so that hot loops in
/// the simulation and the code construction inline the generator instead of calling it.
@frozen
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// Seeds the four state words from `seed` with SplitMix64, as the authors recommend.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// A generator for one named purpose, derived from a run seed, so that the parties and the
    /// simulated source never share a stream.
    public init(seed: UInt64, stream: String) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a over the stream name
        for byte in stream.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        self.init(seed: seed ^ h.rotated(by: 17))
    }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotated(by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3.rotated(by: 45)
        return result
    }
}

extension UInt64 {
    @inlinable @inline(__always)
    func rotated(by k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}

/// The operating system's cryptographic generator, read 4 KiB at a time (from `/dev/urandom`
/// where it exists, else through the standard library's system generator): inputs, test
/// selection and hash seeds of real runs come from here.
public struct SystemRandom: RandomNumberGenerator, @unchecked Sendable {
    private final class Buffer {
        var words = [UInt64](repeating: 0, count: 512)
        var next = 512
        let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)

        func refill() {
            let complete: Bool = words.withUnsafeMutableBytes { bytes in
                guard device >= 0 else { return false }
                var filled = 0
                while filled < bytes.count {
                    let got = read(device, bytes.baseAddress! + filled, bytes.count - filled)
                    if got > 0 { filled += got } else if got < 0 && errno == EINTR { continue } else { return false }
                }
                return true
            }
            if !complete {
                var system = SystemRandomNumberGenerator()
                for i in words.indices { words[i] = system.next() }
            }
            next = 0
        }

        deinit {
            words.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = 0 } }
            if device >= 0 { close(device) }
        }
    }

    private let buffer = Buffer()

    public init() {}

    public mutating func next() -> UInt64 {
        if buffer.next == buffer.words.count { buffer.refill() }
        defer { buffer.next += 1 }
        return buffer.words[buffer.next]
    }
}

/// A party's source of randomness: cryptographic for real runs, seeded for reproducible
/// simulations (whose keys are then not secret).
public enum PartyRandomness: RandomNumberGenerator, Sendable {
    case system(SystemRandom)
    case seeded(Xoshiro256)

    /// Seeded when `seed` is given (derived per `stream`), else the system generator.
    public init(seed: UInt64?, stream: String) {
        if let seed { self = .seeded(Xoshiro256(seed: seed, stream: stream)) } else { self = .system(SystemRandom()) }
    }

    public mutating func next() -> UInt64 {
        switch self {
        case .system(var g):
            let value = g.next()
            self = .system(g)
            return value
        case .seeded(var g):
            let value = g.next()
            self = .seeded(g)
            return value
        }
    }
}
