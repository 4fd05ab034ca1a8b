import Protocol
import Reconciliation

/// The bounds a reconciliation plan read from the network must meet, so that Bob can build
/// every code it describes without tripping a precondition or overflowing the 32-bit indices
/// of `LDPCCode`.
public enum PlanLimits {
    /// The most `(degree, fraction)` entries of a profile.
    public static let maximumProfileEntries = 64
    /// Column weights accepted in a profile (1 is the smallest `DegreeProfile` takes; the
    /// protocol's profiles stay below 50).
    public static let degreeRange = 1...1000
    /// How far the fractions may sum from 1 (a normalised profile's sum is 1 to within a few
    /// rounding errors).
    public static let fractionSumTolerance = 1e-6
    /// Lifts of quasi-cyclic codes: multiples of 16 (the decoder's vector width) in this range.
    public static let liftRange = 16...65_536
    /// The most edges of one frame's code: half the range of the code's `Int32` edge indices,
    /// leaving room for the extra checks a retry stacks onto the code.
    public static let maximumEdges = 1 << 30
    /// The most entries of a quasi-cyclic base matrix (`blocks * layers`), which the
    /// construction allocates densely: 2^26 entries (256 MiB of shifts).
    public static let maximumBaseEntries = 1 << 26
}

extension SyndromeReconciliation.Plan {
    /// Payload layout (docs/wire.md, "Plan"): raw-key bits u64, frame bits u64, frame count u32,
    /// syndrome bits u32 per frame, design error rate f64, profile entry count u32, per entry
    /// degree u32 and fraction f64, staircase u8, code seed u64, lift u32 (0: none).
    func encode(into writer: inout ByteWriter) {
        writer.u64(rawKeyBits)
        writer.u64(frameBits)
        writer.u32(frames)
        for bits in syndromeBits { writer.u32(bits) }
        writer.f64(designErrorRate)
        writer.u32(profile.degrees.count)
        for (degree, fraction) in zip(profile.degrees, profile.fractions) {
            writer.u32(degree)
            writer.f64(fraction)
        }
        writer.u8(profile.staircase ? 1 : 0)
        writer.u64(codeSeed)
        writer.u32(lift ?? 0)
    }

    /// Reads and validates a plan: every check `LDPCCode`'s initialisers and Bob's use of the
    /// plan rely on is made here and reported as ``WireError/Code/invalidValue``.
    static func decode(from reader: inout ByteReader, limits: WireLimits) throws(WireError) -> Self {
        let rawKeyBits = try reader.int("plan raw-key bits", in: 1...max(1, limits.maximumVectorBits))
        let frameBits = try reader.int("plan frame bits", in: 1...ProtocolConfiguration.frameBitsRange.upperBound)
        let frames = Int(try reader.u32("plan frame count"))
        guard frames <= limits.maximumFrames else {
            throw reader.error(.tooLong, "plan: \(frames) frames exceed the limit of \(limits.maximumFrames)")
        }
        guard frames >= 1, frames <= rawKeyBits else {
            throw reader.error(.invalidValue, "plan: \(frames) frames for \(rawKeyBits) raw-key bits (need 1 to one per bit)")
        }
        // Frame boundaries are k * rawKeyBits / frames (Plan.frameRange): keep the product in range.
        guard !rawKeyBits.multipliedReportingOverflow(by: frames).overflow else {
            throw reader.error(.invalidValue, "plan: \(frames) frames of \(rawKeyBits) raw-key bits overflow the frame boundaries")
        }
        try reader.require(4 * frames, for: "plan syndrome bits")
        var syndromeBits: [Int] = []
        syndromeBits.reserveCapacity(frames)
        for k in 0..<frames {
            let length = Self.frameLength(k, frames: frames, rawKeyBits: rawKeyBits)
            syndromeBits.append(try reader.int32("plan syndrome bits of frame \(k)", in: 1...length))
        }
        let p = try reader.f64("plan design error rate")
        guard p.isFinite, p > 0, p < 0.5 else {
            throw reader.error(.invalidValue, "plan design error rate \(p) is not strictly between 0 and 0.5")
        }
        let profile = try Self.decodeProfile(from: &reader)
        let codeSeed = try reader.u64("plan code seed")
        let liftValue = Int(try reader.u32("plan lift"))
        guard liftValue == 0 || PlanLimits.liftRange.contains(liftValue) && liftValue % 16 == 0 else {
            throw reader.error(.invalidValue, "plan lift \(liftValue) is neither 0 nor a multiple of 16 from 16 to 65536")
        }
        let lift = liftValue == 0 ? nil : liftValue
        // Frames differ in length by at most one bit; check the longest with the most checks.
        let longest = (rawKeyBits + frames - 1) / frames
        let checks = syndromeBits.max()!
        let heaviest = max(2, min(profile.degrees.max()!, checks))
        guard longest <= PlanLimits.maximumEdges / heaviest else {
            throw reader.error(.invalidValue, "plan: frames of \(longest) bits with column weight \(heaviest) exceed "
                               + "\(PlanLimits.maximumEdges) edges")
        }
        if let lift {
            let blocks = (longest + lift - 1) / lift, layers = (checks + lift - 1) / lift
            guard blocks <= PlanLimits.maximumBaseEntries / layers else {
                throw reader.error(.invalidValue, "plan: a base matrix of \(layers) x \(blocks) exceeds "
                                   + "\(PlanLimits.maximumBaseEntries) entries")
            }
        }
        return Self(rawKeyBits: rawKeyBits, frameBits: frameBits, syndromeBits: syndromeBits, designErrorRate: p,
                    profile: profile, codeSeed: codeSeed, lift: lift)
    }

    /// The length of frame `k` (the plan's own rule: `frames` nearly equal frames).
    static func frameLength(_ k: Int, frames: Int, rawKeyBits n: Int) -> Int {
        (k + 1) * n / frames - k * n / frames
    }

    private static func decodeProfile(from reader: inout ByteReader) throws(WireError) -> DegreeProfile {
        let entries = Int(try reader.u32("profile entry count"))
        guard (1...PlanLimits.maximumProfileEntries).contains(entries) else {
            throw reader.error(.invalidValue, "profile has \(entries) entries (need 1 to \(PlanLimits.maximumProfileEntries))")
        }
        var degrees: [Int] = [], fractions: [Double] = []
        for i in 0..<entries {
            degrees.append(try reader.int32("profile degree \(i)", in: PlanLimits.degreeRange))
            let fraction = try reader.f64("profile fraction \(i)")
            // The sign bit is checked too: -0.0 would be a second encoding of 0.
            guard fraction.isFinite, fraction.sign == .plus, fraction <= 1 else {
                throw reader.error(.invalidValue, "profile fraction \(i) (\(fraction)) is not in [0, 1]")
            }
            fractions.append(fraction)
        }
        let sum = fractions.reduce(0, +)
        guard abs(sum - 1) <= PlanLimits.fractionSumTolerance else {
            throw reader.error(.invalidValue, "profile fractions sum to \(sum), not 1")
        }
        let staircase = try reader.u8("profile staircase")
        guard staircase <= 1 else { throw reader.error(.invalidValue, "profile staircase \(staircase) is neither 0 nor 1") }
        return DegreeProfile(degrees: degrees, fractions: fractions, staircase: staircase == 1)
    }
}
