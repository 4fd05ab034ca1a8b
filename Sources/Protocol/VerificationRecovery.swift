import Hashing
import Reconciliation

/// Recovery from a failed verification: locating the frames in which Bob's corrected key
/// differs from Alice's raw key, so that only those frames are decoded again.
///
/// The LDPC decoder rarely settles on a wrong string that still has Alice's syndrome (the
/// codes have some low-weight codewords); the verification hash (SECURITY-MATH §4.4) then
/// differs. Instead of aborting, the parties run at most ``maximumRounds`` recovery rounds:
///
/// 1. Bob answers the verification with ``Message/verificationFailed``.
/// 2. Alice draws a fresh Toeplitz seed and sends ``Message/frameHashes(seed:hashes:)``: a
///    ``frameHashBits``-bit hash of each frame of her raw key.
/// 3. Bob compares them with his corrected frames and answers
///    ``Message/frameMismatch(frames:)`` with the frames that differ.
/// 4. Alice sends extra syndrome bits for those frames
///    (``SyndromeReconciliation/extraCode(plan:frame:attempt:)`` with a fresh attempt number,
///    so the new checks are new rows); Bob decodes them again from his *uncorrected* bits with
///    the stacked code, and reconciliation goes on as after any retry.
/// 5. Alice sends a fresh verification hash of the whole key.
///
/// Leakage. Every bit the recovery puts on the channel about the raw keys is counted, so
/// SECURITY-MATH §4.6 holds with `leak = syndromeBits + verificationBits` as reported:
/// - each failed verification's `t` hash bits and each frame hash's bits are linear functions
///   of Alice's raw key, counted in `verificationBits` (§5: fixed public rows keep every
///   combination with the privacy-amplification rows uniform);
/// - the extra syndromes are linear too, counted in `syndromeBits`, like any retry;
/// - Bob's verdict (one bit per failed verification) and the mismatch set (one bit per frame)
///   depend on his errors, and are counted in `syndromeBits` like the decoder's status bits.
///   A passed verification is not counted: a key implies it, as before.
///
/// Frames are decoded again rather than dropped: the raw key keeps its `n` bits, so the
/// bound `((1 + 4 eps_up)/2)^n` of Lemma 18 is unchanged and nothing depends on which frames
/// erred.
///
/// Correctness. Each verification accepts different keys with probability at most `2^-t` (a
/// fresh seed drawn after Bob's string is fixed); a run may verify up to `1 + maximumRounds`
/// times, so by the union bound `P(keys differ and no abort) <= (1 + maximumRounds) 2^-t`,
/// which the report gives as `epsilonCorrectness` (the union bound, because an adversary
/// controlling the devices may make a wrong decode likely). A frame hash that misses a
/// differing frame (probability `2^-frameHashBits` per frame) costs a recovery round, never
/// correctness.
public enum VerificationRecovery {
    /// The most recovery rounds a run makes; one more failed verification aborts it. One round
    /// re-decodes the wrong frames with twice the checks from Bob's original bits, which
    /// practically never lands on a wrong string again, and each further round would add
    /// `2^-t` to the correctness error.
    public static let maximumRounds = 1

    /// The length of each frame's hash. Missing a differing frame only wastes a round, so 32
    /// bits are plenty; on 2^21-bit frames they cost 32 bits of key per 2^21 raw bits.
    public static let frameHashBits = 32

    /// Why a run stops when its verification still fails after ``maximumRounds`` recovery rounds.
    public static let exhaustedReason =
        "verification failed: the corrected keys still differ after \(maximumRounds) recovery round\(maximumRounds == 1 ? "" : "s")"

    /// Why a run stops when the keys differ but every frame hash agrees (each differing frame
    /// escapes its hash with probability `2^-frameHashBits`).
    public static let unlocatedReason = "verification failed: the corrected keys differ but no frame hash locates the difference"

    /// The correctness error of a run with `t`-bit verification hashes, with the recovery's
    /// extra verifications (union bound).
    public static func epsilonCorrectness(verificationBits t: Int) -> Double {
        Double(1 + maximumRounds) * pow2(-t)
    }

    /// The length of the one seed all frame hashes share: the longest frame plus
    /// ``frameHashBits`` minus one.
    public static func seedBits(plan: SyndromeReconciliation.Plan) -> Int {
        let longest = (0..<plan.frames).map { plan.frameRange($0).count }.max() ?? 0
        return longest + frameHashBits - 1
    }

    /// Frame `k`'s hash: the Toeplitz matrix of the seed's first `length + l - 1` bits, with
    /// `l = min(frameHashBits, length)`.
    ///
    /// Frames share one seed: for a frame that differs by `e != 0`, `T e` is uniform over the
    /// seed, so each frame is missed with probability `2^-l` whatever the other frames do. The
    /// seed is public; its cost is channel bandwidth (one frame's length), not key.
    public static func frameHash(frame k: Int, plan: SyndromeReconciliation.Plan, seed: BitVector) -> ToeplitzHash {
        let length = plan.frameRange(k).count
        let l = hashLength(frame: k, plan: plan)
        return ToeplitzHash(inputBits: length, outputBits: l, seed: seed.slice(0..<(length + l - 1)))
    }

    /// Frame `k`'s hash length: ``frameHashBits``, or the frame's length if that is shorter.
    static func hashLength(frame k: Int, plan: SyndromeReconciliation.Plan) -> Int {
        min(frameHashBits, plan.frameRange(k).count)
    }

    /// The number of hash bits Alice sends for `plan`: about ``frameHashBits`` per frame.
    public static func hashBits(plan: SyndromeReconciliation.Plan) -> Int {
        (0..<plan.frames).reduce(0) { $0 + hashLength(frame: $1, plan: plan) }
    }

    /// Every frame's hash of `key`, concatenated in frame order.
    /// - Parameters:
    ///   - key: Alice's raw key or Bob's corrected key (secret).
    ///   - seed: ``seedBits(plan:)`` public uniform bits.
    static func frameHashes(of key: BitVector, plan: SyndromeReconciliation.Plan, seed: BitVector) -> BitVector {
        precondition(key.count == plan.rawKeyBits && seed.count == seedBits(plan: plan))
        var hashes = BitVector(count: 0)
        for k in 0..<plan.frames {
            hashes.append(contentsOf: frameHash(frame: k, plan: plan, seed: seed).hash(key.slice(plan.frameRange(k))))
        }
        return hashes
    }

    /// The frames whose hashes of `key` differ from `hashes`, in increasing order.
    static func mismatchedFrames(of key: BitVector, plan: SyndromeReconciliation.Plan, seed: BitVector,
                                 hashes: BitVector) -> [Int] {
        let local = frameHashes(of: key, plan: plan, seed: seed)
        var offset = 0
        var mismatched: [Int] = []
        for k in 0..<plan.frames {
            let l = hashLength(frame: k, plan: plan)
            if local.slice(offset..<(offset + l)) != hashes.slice(offset..<(offset + l)) { mismatched.append(k) }
            offset += l
        }
        return mismatched
    }

    private static func pow2(_ e: Int) -> Double { Double(sign: .plus, exponent: e, significand: 1) }
}
