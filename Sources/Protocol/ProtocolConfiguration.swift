import Foundation
import Hashing
import Reconciliation
import SecurityBounds

/// The parameters both parties agree on before a run: the finite-size parameters, the number
/// of rounds and the reconciliation frame length.
public struct ProtocolConfiguration: Sendable, Hashable {
    /// The number of rounds, in ``roundsRange``.
    public var rounds: Int
    /// Mode, test fraction, security parameters and verification length (the reconciliation
    /// efficiency there is unused: the protocol's codes decide it).
    public var finiteSize: FiniteSizeParameters
    /// Bits per reconciliation frame, in ``frameBitsRange``.
    public var frameBits: Int

    /// At most 2^34 rounds: a run holds a few bits per round in memory.
    public static let roundsRange = 1...(1 << 34)
    /// From 4,096 bits to 2^30. Frames of a few thousand bits hold so few errors that their
    /// count fluctuates far beyond what the margins measured on 2^16-bit frames
    /// (``ReconciliationMargin``) allow for: at the default device model, frames of 1,024 to
    /// 1,536 bits failed about one in 500 after two retries, so every run aborted (`simulate
    /// --seed S --frame-bits F`, seeds 1–3); 2,048-bit frames decoded; from 4,096 on, 24 runs
    /// of frames of 4,096 to 5,000 bits (seeds 4–11) all gave keys.
    public static let frameBitsRange = 4096...(1 << 30)

    public init(rounds: Int, finiteSize: FiniteSizeParameters, frameBits: Int = ReconciliationMargin.defaultFrameBits) {
        self.rounds = rounds
        self.finiteSize = finiteSize
        self.frameBits = frameBits
    }

    public init(rounds: Int, mode: ProtocolMode = .spotCheck, testFraction: Double = 0.1, epsilonPE: Double = 5e-10,
                epsilonPA: Double = 5e-10, verificationBits: Int = 64, frameBits: Int = ReconciliationMargin.defaultFrameBits) {
        self.init(rounds: rounds,
                  finiteSize: FiniteSizeParameters(mode: mode, testFraction: testFraction, epsilonPE: epsilonPE,
                                                   epsilonPA: epsilonPA, verificationBits: verificationBits),
                  frameBits: frameBits)
    }

    public var mode: ProtocolMode { finiteSize.mode }
    /// The fraction of rounds tested (`gamma` in spot-check mode).
    public var testFraction: Double { finiteSize.testFraction }
    public var epsilonPE: Double { finiteSize.epsilonPE }
    public var epsilonPA: Double { finiteSize.epsilonPA }
    /// `t`: verification hash length; `eps_cor = 2^-t`.
    public var verificationBits: Int { finiteSize.verificationBits }

    /// The rounds whose inputs the protocol draws uniformly: every round in paper mode, the
    /// test rounds in spot-check mode.
    public func uniformRounds(test: BitVector) -> BitVector {
        mode == .paper ? ~BitVector(count: test.count) : test
    }

    public typealias InvalidParameter = SecurityBounds.InvalidParameter

    /// Checks every range before any work is done.
    public func validate() throws(InvalidParameter) {
        guard Self.roundsRange.contains(rounds) else {
            throw InvalidParameter(flag: "--rounds", "must be between 1 and 2^34 = 17,179,869,184", rounds)
        }
        try finiteSize.validate()
        guard Self.frameBitsRange.contains(frameBits) else {
            throw InvalidParameter(flag: "--frame-bits", "must be between 4096 and 2^30 (shorter frames do not decode with the measured margins)", frameBits)
        }
    }
}

/// The codes the protocol uses, and the reconciliation efficiency they need.
///
/// Codes: extended irregular repeat-accumulate LDPC (a staircase of weight-2 columns, the
/// other columns following the profile below), layered sum-product decoding. Frames of 2^21
/// bits by default; from 2^20 bits on the codes are quasi-cyclic with lift 1024
/// (`LDPCCode(quasiCyclicVariables:...)`, ``quasiCyclicLongTable`` from 2^21,
/// ``quasiCyclicTable`` below); shorter frames (a short raw key or `--frame-bits`) use codes
/// drawn edge by edge (``longFrameTable`` from 2^18 bits, ``table`` below).
///
/// The rate is chosen per frame: each plan builds its codes for exactly the syndrome length
/// `ceil(f n h(p))` from a public seed, rather than puncturing and shortening one mother code
/// (building a code costs less than decoding a frame; only the few padding bits of a
/// quasi-cyclic code are shortened).
///
/// Profiles (the same at block level for quasi-cyclic codes), found by a random search over column-weight mixtures scored by
/// density evolution (`scripts/density-evolution.py`, population dynamics): below a design
/// error rate of 1.2%, 58.7% weight 3, 30.2% weight 8 and 11.1% weight 40 (threshold f = 1.059
/// at 0.5%, against 1.14 for the earlier 3:0.6,12:0.4); from 1.2% on, 55% weight 3, 22.2%
/// weight 5 and 22.8% weight 20 (threshold 1.079 at 2%, against 1.106 for 3:0.65,10:0.35).
/// Quasi-cyclic codes use, from 1.2% on, 60% weight 3, 28% weight 8 and 12% weight 26
/// (``quasiCyclicProfile``), found by timing the decoder over mixtures near both profiles
/// (`bench reconcile --profile`, 2%, f = 1.10, 2^20-bit frames): it converges in 28 iterations
/// instead of 35 with 2% fewer edges per bit, 1.25 times the throughput; its density-evolution
/// threshold is lower too (1.050 against 1.081 at 2%, 1.047 against 1.069 at 3%, 1.041 against
/// 1.053 at 5%; the same runs of the script, whose population of 40,000 makes each good to
/// about 0.01). Edge-by-edge codes keep the profiles their tables were measured with.
public enum ReconciliationMargin {
    /// The profile for very high rates (design error rate below ``profileSwitch``).
    public static let highRateProfile = DegreeProfile([(3, 0.587), (8, 0.302), (40, 0.111)], staircase: true)
    /// The profile from ``profileSwitch`` on.
    public static let profile = DegreeProfile([(3, 0.55), (5, 0.222), (20, 0.228)], staircase: true)
    public static let profileSwitch = 0.012
    /// The profile of quasi-cyclic codes (frames from ``quasiCyclicFrameBits``) from
    /// ``profileSwitch`` on (what ``quasiCyclicTable`` and ``quasiCyclicLongTable`` hold there).
    public static let quasiCyclicProfile = DegreeProfile([(3, 0.6), (8, 0.28), (26, 0.12)], staircase: true)
    /// The profiles of frames shorter than ``longFrameBits`` (what ``table`` was measured with).
    public static let shortFrameHighRateProfile = DegreeProfile([(3, 0.6), (12, 0.4)], staircase: true)
    public static let shortFrameProfile = DegreeProfile([(3, 0.65), (10, 0.35)], staircase: true)
    public static let shortFrameProfileSwitch = 0.008

    /// The column-weight profile for codes sized for `errorRate`, on frames of `frameBits`.
    public static func profile(errorRate p: Double, frameBits: Int = defaultFrameBits) -> DegreeProfile {
        if frameBits >= quasiCyclicFrameBits { return p < profileSwitch ? highRateProfile : quasiCyclicProfile }
        if frameBits >= longFrameBits { return p < profileSwitch ? highRateProfile : profile }
        return p < shortFrameProfileSwitch ? shortFrameHighRateProfile : shortFrameProfile
    }

    /// The profile for a raw key of `n` bits cut into frames of about `frameBits`.
    public static func profile(errorRate p: Double, rawKeyBits n: Int, frameBits: Int) -> DegreeProfile {
        profile(errorRate: p, frameBits: SyndromeReconciliation.shortestFrame(rawKeyBits: n, frameBits: frameBits))
    }

    /// Frames of at least this many bits use ``longFrameTable``.
    public static let longFrameBits = 1 << 18

    /// The shortest frame coded with quasi-cyclic codes (``quasiCyclicTable``).
    public static let quasiCyclicFrameBits = 1 << 20

    /// The protocol's default frame (``quasiCyclicLongTable``): long frames average the
    /// channel's fluctuations out, which matters most at low error rates (at δ = 0.5%, 2^20-bit
    /// frames need f = 1.20, 2^21-bit frames 1.17).
    public static let defaultFrameBits = 1 << 21

    /// The lift of the codes for frames of `frameBits` bits: quasi-cyclic codes
    /// (`LDPCCode.defaultLift`) from ``quasiCyclicFrameBits`` on, `nil` (codes drawn edge by
    /// edge) below — each table was measured with its construction.
    public static func lift(frameBits: Int) -> Int? {
        frameBits >= quasiCyclicFrameBits ? LDPCCode.defaultLift : nil
    }

    /// The lift for a raw key of `n` bits cut into frames of about `frameBits`.
    public static func lift(rawKeyBits n: Int, frameBits: Int) -> Int? {
        lift(frameBits: SyndromeReconciliation.shortestFrame(rawKeyBits: n, frameBits: frameBits))
    }

    /// Measured on frames of 2^16 bits with the short-frame profiles: the efficiency at which
    /// 150 to 300 frames of 65,536 bits on the binary symmetric channel decoded with at most one
    /// failure, plus 0.01 to 0.06. At 0.5%: 1.40 decoded 300 of 300 frames at p = 0.0054 and
    /// 150 of 150 at 0.005; 1.35 lost one in 150.
    static let table: [(p: Double, f: Double)] = [
        (0.001, 2.1), (0.002, 1.75), (0.005, 1.41), (0.008, 1.39), (0.01, 1.36), (0.02, 1.24), (0.03, 1.22),
        (0.05, 1.22), (0.1, 1.2),
    ]

    /// Measured on frames of 2^18 bits with the profiles above, sixteen frames per code and
    /// decoded as a batch, as the protocol does (`diqkd bench reconcile --efficiency F
    /// --frames 64`): each entry is the efficiency at which 48 to 64 frames decoded without a
    /// failure, plus 0.01 — at 0.5%, where 1.21 lost 1 in 96 later, the 1.23 that decoded 96 of
    /// 96. Below the entries: 0.2%: 1.35 lost 1 in 48; 0.8%: 1.18 lost 1 in 48; 2%: 1.12 lost 1
    /// in 64; 3%: 1.10 lost 2 in 48. Interpolated in `log p`.
    static let longFrameTable: [(p: Double, f: Double)] = [
        (0.001, 1.56), (0.002, 1.41), (0.005, 1.23), (0.008, 1.21), (0.01, 1.17), (0.02, 1.15), (0.03, 1.14),
        (0.05, 1.13), (0.1, 1.13),
    ]

    /// Measured on frames of 2^20 bits with quasi-cyclic codes (lift 1024, the profiles above;
    /// `diqkd bench reconcile --frame 1048576 --efficiency F --frames N`): each entry is an
    /// efficiency at which 128 to 256 frames decoded without a failure, plus 0.02 (a failure
    /// costs the whole frame, 1/h(p) times its share). Measured: 0.1% 1.45, 0.5% 1.18 (1.15
    /// lost 4 in 128), 0.8% 1.16, 1% 1.15 (1.13 lost 1 in 128); with ``quasiCyclicProfile``,
    /// 2% and 3% 1.08, 5% 1.06 (128 frames each), 10% 1.08 (64); at 0.2%, 1.32 lost 2 in 128,
    /// so 1.38. (With the earlier 3:0.55,5:0.222,20:0.228, 2% and 3% needed 1.10: 1.08 lost
    /// 73% and 33%.)
    static let quasiCyclicTable: [(p: Double, f: Double)] = [
        (0.001, 1.47), (0.002, 1.38), (0.005, 1.20), (0.008, 1.18), (0.01, 1.17), (0.02, 1.10), (0.03, 1.10),
        (0.05, 1.08), (0.1, 1.10),
    ]

    /// Measured on frames of 2^21 bits, the default, with the same codes (64 to 128 frames per
    /// point, plus 0.02): 0.1% 1.43, 0.2% 1.28 (1.26 lost 1 in 64), 0.5% 1.15 (1.13 lost 10 in
    /// 64), 0.8% 1.14, 1% 1.12; with ``quasiCyclicProfile``, 2% 1.10, 3% and 5% 1.08, 10% 1.10
    /// (64 frames each; the earlier profile needed 1.12 at 2%, 1.10 lost 1 in 64).
    static let quasiCyclicLongTable: [(p: Double, f: Double)] = [
        (0.001, 1.45), (0.002, 1.30), (0.005, 1.17), (0.008, 1.16), (0.01, 1.14), (0.02, 1.12), (0.03, 1.10),
        (0.05, 1.10), (0.1, 1.12),
    ]

    /// The efficiency to size a frame of `frameBits` bits with at error rate `p`: from the
    /// long-frame table for frames of at least ``longFrameBits``, else from the 2^16-bit table.
    public static func efficiency(errorRate p: Double, frameBits: Int = defaultFrameBits) -> Double {
        let points = frameBits >= defaultFrameBits ? quasiCyclicLongTable
            : frameBits >= quasiCyclicFrameBits ? quasiCyclicTable : frameBits >= longFrameBits ? longFrameTable : table
        if p <= points.first!.p { return points.first!.f }
        if p >= points.last!.p { return points.last!.f }
        let k = points.firstIndex { $0.p >= p }!
        let (p0, f0) = points[k - 1], (p1, f1) = points[k]
        let t = (log(p) - log(p0)) / (log(p1) - log(p0))
        return f0 + t * (f1 - f0)
    }

    /// The efficiency for a raw key of `n` bits cut into frames of about `frameBits` (sized for
    /// the plan's shortest frame).
    public static func efficiency(errorRate p: Double, rawKeyBits n: Int, frameBits: Int) -> Double {
        efficiency(errorRate: p, frameBits: SyndromeReconciliation.shortestFrame(rawKeyBits: n, frameBits: frameBits))
    }

    /// The error rate to size codes for: the test-round estimate plus three standard deviations
    /// and one count, so that an unlucky estimate rarely undersizes the code.
    public static func designErrorRate(errors: Int, samples: Int) -> Double {
        guard samples > 0 else { return 0.5 }
        let estimate = Double(errors) / Double(samples)
        return min(0.5, estimate + 3 * (estimate * (1 - estimate) / Double(samples)).squareRoot() + 1 / Double(samples))
    }
}
