/// One measurement event as the audit keeps it: position in metres, time in nanoseconds.
/// 32 bytes; the party, the event's index and its timing uncertainty are held beside it.
struct AuditEvent: Sendable, Equatable {
    var x: Double
    var y: Double
    var z: Double
    var t: Int64
}

/// The margin of a pair of events, and bounds on the margins of whole sets of pairs.
///
/// The margin of events `a, b` is `m = d / c - (|t_a - t_b| + (sigma_a + sigma_b))` in
/// nanoseconds, with `d` their distance and `c` the speed of light; `m <= 0` is a violation
/// (a margin of exactly zero counts against the premise). It is evaluated in double precision
/// by one fixed formula, `(sqrt(dx^2 + dy^2 + dz^2) * (1/c) - |t_a - t_b|) - (sigma_a +
/// sigma_b)`, symmetric in `a` and `b`, so that every method classifies every pair the same
/// way; its rounding error is a few units in the last place of the largest term. The time difference is taken exactly in 64 bits before rounding, so any two
/// `Int64` times work; any finite coordinates work: a distance whose square overflows is
/// recomputed in scaled form, one whose square underflows by the ratio to its largest
/// component, and a margin beyond the double range is `±infinity` with the right sign.
///
/// Bounds settle whole sets of pairs at once only when each pair, evaluated alone, would
/// agree. Where every pair of a set takes the formula's ordinary path (squared distances in
/// the normal range), the bound is the same formula applied to the boxes' nearest or farthest
/// corners; IEEE rounding is monotone, so it is exact: no pair's margin is below the lower
/// bound or above the upper one, ties included. Elsewhere (distances beyond about 1e154 m or
/// below 1e-154 m) the bounds allow a relative slack of `1e-12` (a thousand times the rounding
/// error of the margin) and an absolute one of `1e-300` ns.
enum AuditMargin {
    /// The speed of light in metres per nanosecond.
    static let speedOfLight = 0.299_792_458
    /// `1 / c` in nanoseconds per metre: light times are `distance * inverseSpeed` (a product,
    /// cheaper than a quotient, and as monotone).
    static let inverseSpeed = 1 / speedOfLight
    static let relativeSlack = 1e-12
    static let absoluteSlack = 1e-300

    /// `|a - b|` in nanoseconds, exact before the one rounding to `Double`.
    @inline(__always)
    static func timeGap(_ a: Int64, _ b: Int64) -> Double {
        Double(a >= b ? UInt64(bitPattern: a &- b) : UInt64(bitPattern: b &- a))
    }

    /// The margin of two events in nanoseconds (see the type's description).
    /// - Parameters:
    ///   - sa, sb: the events' timing uncertainties in nanoseconds, finite and non-negative.
    @inline(__always)
    static func margin(_ a: AuditEvent, _ sa: Double, _ b: AuditEvent, _ sb: Double) -> Double {
        let dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z
        let s = dx * dx + dy * dy + dz * dz
        let tau = timeGap(a.t, b.t)
        if s.isNormal || (dx == 0 && dy == 0 && dz == 0) {
            // The light time is below 5e154 ns here, so an overflowing `sa + sb` makes the
            // margin `-infinity`, which is its true sign.
            return (s.squareRoot() * inverseSpeed - tau) - (sa + sb)
        }
        return scaledMargin(a, sa, b, sb, tau: tau, overflow: s.isInfinite)
    }

    /// The margin when the squared distance overflows or underflows: the components are
    /// divided by the largest, and first scaled by 2^-12 when the square overflowed so that the
    /// light time stays finite; the result is scaled back (to `±infinity` if it is beyond range).
    static func scaledMargin(_ a: AuditEvent, _ sa: Double, _ b: AuditEvent, _ sb: Double, tau: Double, overflow: Bool) -> Double {
        let scale: Double = overflow ? 0x1p-12 : 1
        let dx = a.x * scale - b.x * scale, dy = a.y * scale - b.y * scale, dz = a.z * scale - b.z * scale
        let distance = AuditBox.norm(dx, dy, dz)
        if !overflow { return (distance * inverseSpeed - tau) - (sa + sb) }
        return ((distance * inverseSpeed - tau * scale) - (sa * scale + sb * scale)) / scale
    }

    /// A margin made finite for reports (JSON has no infinity): the largest double of its sign.
    static func reportable(_ margin: Double) -> Double {
        margin.isFinite ? margin : (margin > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude)
    }
}

/// An axis-aligned box around a set of events in space and time, with the range of their
/// timing uncertainties and how many of them are Bob's: enough to bound the margins of all
/// pairs between two such sets, and to count those pairs by kind.
struct AuditBox: Sendable {
    var lowX = Double.infinity, lowY = Double.infinity, lowZ = Double.infinity
    var highX = -Double.infinity, highY = -Double.infinity, highZ = -Double.infinity
    var earliest = Int64.max
    var latest = Int64.min
    var sigmaLow = Double.infinity
    var sigmaHigh = -Double.infinity
    /// Bob's events in the set (the rest are Alice's).
    var bobs: Int32 = 0

    @inline(__always)
    mutating func include(_ e: AuditEvent, sigma: Double, bob: Bool) {
        lowX = min(lowX, e.x); lowY = min(lowY, e.y); lowZ = min(lowZ, e.z)
        highX = max(highX, e.x); highY = max(highY, e.y); highZ = max(highZ, e.z)
        earliest = min(earliest, e.t)
        latest = max(latest, e.t)
        sigmaLow = min(sigmaLow, sigma)
        sigmaHigh = max(sigmaHigh, sigma)
        if bob { bobs += 1 }
    }

    /// The smallest box holding both.
    static func union(_ a: AuditBox, _ b: AuditBox) -> AuditBox {
        AuditBox(lowX: min(a.lowX, b.lowX), lowY: min(a.lowY, b.lowY), lowZ: min(a.lowZ, b.lowZ),
                 highX: max(a.highX, b.highX), highY: max(a.highY, b.highY), highZ: max(a.highZ, b.highZ),
                 earliest: min(a.earliest, b.earliest), latest: max(a.latest, b.latest),
                 sigmaLow: min(a.sigmaLow, b.sigmaLow), sigmaHigh: max(a.sigmaHigh, b.sigmaHigh), bobs: a.bobs + b.bobs)
    }

    /// Whether every event of the set is the same point with the same uncertainty (then all
    /// their pairs, and all their pairs with any one event, have the same margin).
    var isPoint: Bool {
        lowX == highX && lowY == highY && lowZ == highZ && earliest == latest && sigmaLow == sigmaHigh
    }

    /// The box's size in nanoseconds: the larger of its light-crossing time and its duration.
    var extentNs: Double {
        max(Self.length(highX - lowX, highY - lowY, highZ - lowZ) / AuditMargin.speedOfLight, AuditMargin.timeGap(latest, earliest))
    }

    /// The Euclidean length of `(x, y, z)`, divided through by the largest component when the
    /// squares leave the normal range (so that it overflows only when the length itself does).
    @inline(__always)
    static func norm(_ x: Double, _ y: Double, _ z: Double) -> Double {
        let s = x * x + y * y + z * z
        if s.isNormal { return s.squareRoot() }
        let largest = max(abs(x), abs(y), abs(z))
        guard largest > 0, largest.isFinite else { return largest }
        let ux = x / largest, uy = y / largest, uz = z / largest
        return largest * (ux * ux + uy * uy + uz * uz).squareRoot()
    }

    /// A Euclidean length rounded up.
    @inline(__always)
    static func length(_ x: Double, _ y: Double, _ z: Double) -> Double {
        norm(x, y, z) * (1 + AuditMargin.relativeSlack)
    }

    /// The smallest distance between points of two boxes, times `scale` (a power of two that
    /// keeps huge coordinates' differences finite), rounded down.
    @inline(__always)
    static func gap(_ a: AuditBox, _ b: AuditBox, scale: Double) -> Double {
        let gx = max(a.lowX * scale - b.highX * scale, b.lowX * scale - a.highX * scale, 0)
        let gy = max(a.lowY * scale - b.highY * scale, b.lowY * scale - a.highY * scale, 0)
        let gz = max(a.lowZ * scale - b.highZ * scale, b.lowZ * scale - a.highZ * scale, 0)
        return norm(gx, gy, gz) * (1 - AuditMargin.relativeSlack)
    }

    /// The largest distance between points of two boxes, times `scale`, rounded up.
    @inline(__always)
    static func span(_ a: AuditBox, _ b: AuditBox, scale: Double = 1) -> Double {
        length(max(a.highX * scale - b.lowX * scale, b.highX * scale - a.lowX * scale),
               max(a.highY * scale - b.lowY * scale, b.highY * scale - a.lowY * scale),
               max(a.highZ * scale - b.lowZ * scale, b.highZ * scale - a.lowZ * scale))
    }

    /// The squared lengths, per axis summed in the margin's order, of the smallest and the
    /// largest separation between points of two boxes, and whether the largest is exactly 0.
    @inline(__always)
    static func squaredGapAndSpan(_ a: AuditBox, _ b: AuditBox) -> (gap: Double, span: Double, together: Bool) {
        let gx = max(a.lowX - b.highX, b.lowX - a.highX, 0)
        let gy = max(a.lowY - b.highY, b.lowY - a.highY, 0)
        let gz = max(a.lowZ - b.highZ, b.lowZ - a.highZ, 0)
        let sx = max(a.highX - b.lowX, b.highX - a.lowX)
        let sy = max(a.highY - b.lowY, b.highY - a.lowY)
        let sz = max(a.highZ - b.lowZ, b.highZ - a.lowZ)
        return (gx * gx + gy * gy + gz * gz, sx * sx + sy * sy + sz * sz, sx == 0 && sy == 0 && sz == 0)
    }

    /// The longest time between an event of `a` and one of `b`, in nanoseconds.
    @inline(__always)
    static func longest(_ a: AuditBox, _ b: AuditBox) -> Double {
        max(AuditMargin.timeGap(a.latest, b.earliest), AuditMargin.timeGap(b.latest, a.earliest))
    }

    /// The shortest time between an event of `a` and one of `b`, in nanoseconds.
    @inline(__always)
    static func shortest(_ a: AuditBox, _ b: AuditBox) -> Double {
        if a.latest < b.earliest { return AuditMargin.timeGap(b.earliest, a.latest) }
        if b.latest < a.earliest { return AuditMargin.timeGap(a.earliest, b.latest) }
        return 0
    }

    /// A lower bound on the margin of every pair with one event in `a` and one in `b` (or two
    /// events of `a` when both are the same box); `nan` or `-infinity` when the bound
    /// overflows, which settles nothing.
    @inline(__always)
    static func marginLowerBound(_ a: AuditBox, _ b: AuditBox) -> Double {
        let (gap2, span2, _) = squaredGapAndSpan(a, b)
        if span2 < .infinity {
            // Every pair takes the ordinary path, or the scaled one at scale 1 for a distance
            // below 1e-154 m: a distance of 0 bounds those from below.
            let light = gap2.isNormal ? gap2.squareRoot() * AuditMargin.inverseSpeed : 0
            return (light - longest(a, b)) - (a.sigmaHigh + b.sigmaHigh)
        }
        // Scaled by 2^-12 so that the light time stays finite, and back.
        let scale = 0x1p-12
        let against = (longest(a, b) * scale + (a.sigmaHigh * scale + b.sigmaHigh * scale)) * (1 + AuditMargin.relativeSlack)
        return (gap(a, b, scale: scale) / AuditMargin.speedOfLight - against) / scale - AuditMargin.absoluteSlack
    }

    /// Whether every such pair is certainly space-like (each margin, evaluated alone, `> 0`).
    @inline(__always)
    static func allSpaceLike(_ a: AuditBox, _ b: AuditBox) -> Bool {
        marginLowerBound(a, b) > 0
    }

    /// Whether every such pair certainly violates the premise (each margin `<= 0`).
    @inline(__always)
    static func allViolating(_ a: AuditBox, _ b: AuditBox) -> Bool {
        let (gap2, span2, together) = squaredGapAndSpan(a, b)
        if together || (gap2.isNormal && span2 < .infinity) {
            // Every pair takes the ordinary path: the farthest corners bound them from above.
            return (span2.squareRoot() * AuditMargin.inverseSpeed - shortest(a, b)) - (a.sigmaLow + b.sigmaLow) <= 0
        }
        let scale = 0x1p-12
        let against = (shortest(a, b) * scale + (a.sigmaLow * scale + b.sigmaLow * scale)) * (1 - AuditMargin.relativeSlack)
        return span(a, b, scale: scale) / AuditMargin.speedOfLight * (1 + AuditMargin.relativeSlack) + AuditMargin.absoluteSlack <= against
    }
}

extension AuditBox {
    /// The box of one event.
    init(event e: AuditEvent, sigma: Double, bob: Bool) {
        self.init(lowX: e.x, lowY: e.y, lowZ: e.z, highX: e.x, highY: e.y, highZ: e.z, earliest: e.t, latest: e.t,
                  sigmaLow: sigma, sigmaHigh: sigma, bobs: bob ? 1 : 0)
    }
}
