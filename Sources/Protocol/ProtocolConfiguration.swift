import Foundation
import Reconciliation
import SecurityBounds

/// The parameters both parties agree on before a run.
public struct ProtocolConfiguration: Sendable, Hashable {
    public var rounds: Int
    public var mode: ProtocolMode
    /// The fraction of rounds tested (`gamma` in spot-check mode).
    public var testFraction: Double
    public var epsilonPE: Double
    public var epsilonPA: Double
    /// `t`: verification hash length; `eps_cor = 2^-t`.
    public var verificationBits: Int
    /// Bits per reconciliation frame.
    public var frameBits: Int

    public init(rounds: Int, mode: ProtocolMode = .spotCheck, testFraction: Double = 0.1, epsilonPE: Double = 5e-10,
                epsilonPA: Double = 5e-10, verificationBits: Int = 64, frameBits: Int = 1 << 16) {
        self.rounds = rounds
        self.mode = mode
        self.testFraction = testFraction
        self.epsilonPE = epsilonPE
        self.epsilonPA = epsilonPA
        self.verificationBits = verificationBits
        self.frameBits = frameBits
    }

    /// The same parameters as SecurityBounds' planner takes them.
    public func finiteSizeParameters(reconciliationEfficiency: Double) -> FiniteSizeParameters {
        FiniteSizeParameters(mode: mode, testFraction: testFraction, epsilonPE: epsilonPE, epsilonPA: epsilonPA,
                             verificationBits: verificationBits, reconciliationEfficiency: reconciliationEfficiency)
    }

    /// A parameter outside its range, named as the command line names it.
    public struct InvalidParameter: Error, Sendable, CustomStringConvertible {
        public let flag: String
        public let description: String
    }

    /// Checks every range before any work is done.
    public func validate() throws(InvalidParameter) {
        guard rounds >= 1 else { throw InvalidParameter(flag: "--rounds", description: "--rounds must be positive (got \(rounds))") }
        guard rounds <= 1 << 34 else {
            throw InvalidParameter(flag: "--rounds", description: "--rounds must be at most 2^34 for an in-memory run (got \(rounds))")
        }
        guard testFraction.isFinite, testFraction > 0, testFraction < 1 else {
            throw InvalidParameter(flag: "--test-fraction", description: "--test-fraction must be strictly between 0 and 1 (got \(testFraction))")
        }
        guard epsilonPE > 0, epsilonPE < 1 else {
            throw InvalidParameter(flag: "--epsilon-pe", description: "--epsilon-pe must be strictly between 0 and 1 (got \(epsilonPE))")
        }
        guard epsilonPA > 0, epsilonPA < 1 else {
            throw InvalidParameter(flag: "--epsilon-pa", description: "--epsilon-pa must be strictly between 0 and 1 (got \(epsilonPA))")
        }
        guard (1...1024).contains(verificationBits) else {
            throw InvalidParameter(flag: "--verification-bits", description: "--verification-bits must be between 1 and 1024 (got \(verificationBits))")
        }
        guard frameBits >= 1024 else {
            throw InvalidParameter(flag: "--frame-bits", description: "--frame-bits must be at least 1024 (got \(frameBits))")
        }
    }
}

/// The codes the protocol uses, and the reconciliation efficiency they need.
///
/// Codes: extended irregular repeat-accumulate LDPC (a staircase of weight-2 columns, the
/// other columns placed at random with the profile below), layered sum-product decoding on
/// 2^16-bit frames. Two column-weight profiles, chosen by the design error rate: 60% weight 3
/// and 40% weight 12 below 0.8% (very high rates), 65% weight 3 and 35% weight 10 above —
/// picked with `diqkd bench reconcile --profile` from ten candidates. The table is the
/// efficiency at which 150 to 300 frames of 65,536 bits on the binary symmetric channel decoded
/// with at most one failure, plus 0.01 to 0.06 (a frame that still fails gets extra syndrome
/// bits, which costs more than the margin). At 0.5% (the default simulation): 1.40 decoded
/// 300 of 300 frames at p = 0.0054 and 150 of 150 at 0.005; 1.35 lost one in 150.
/// Measured here; interpolated in `log p`.
public enum ReconciliationMargin {
    /// The profile for very high rates (design error rate below ``profileSwitch``).
    public static let highRateProfile = DegreeProfile([(3, 0.6), (12, 0.4)], staircase: true)
    /// The profile from ``profileSwitch`` on.
    public static let profile = DegreeProfile([(3, 0.65), (10, 0.35)], staircase: true)
    public static let profileSwitch = 0.008

    /// The column-weight profile for codes sized for `errorRate`.
    public static func profile(errorRate p: Double) -> DegreeProfile {
        p < profileSwitch ? highRateProfile : profile
    }

    static let table: [(p: Double, f: Double)] = [
        (0.001, 2.1), (0.002, 1.75), (0.005, 1.41), (0.008, 1.39), (0.01, 1.36), (0.02, 1.24), (0.03, 1.22),
        (0.05, 1.22), (0.1, 1.2),
    ]

    public static func efficiency(errorRate p: Double) -> Double {
        if p <= table.first!.p { return table.first!.f }
        if p >= table.last!.p { return table.last!.f }
        let k = table.firstIndex { $0.p >= p }!
        let (p0, f0) = table[k - 1], (p1, f1) = table[k]
        let t = (log(p) - log(p0)) / (log(p1) - log(p0))
        return f0 + t * (f1 - f0)
    }

    /// The error rate to size codes for: the test-round estimate plus three standard deviations
    /// and one count, so that an unlucky estimate rarely undersizes the code.
    public static func designErrorRate(errors: Int, samples: Int) -> Double {
        guard samples > 0 else { return 0.5 }
        let estimate = Double(errors) / Double(samples)
        return min(0.5, estimate + 3 * (estimate * (1 - estimate) / Double(samples)).squareRoot() + 1 / Double(samples))
    }
}
