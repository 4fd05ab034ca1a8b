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
/// by one fixed formula, symmetric in `a` and `b`, so that every method classifies every pair
/// the same way. The time difference is taken exactly in 64 bits before rounding, so any two
/// `Int64` times work; any finite coordinates work: a distance whose square overflows is
/// recomputed in scaled form, one whose square underflows by the ratio to its largest
/// component, and a margin beyond the double range is `±infinity` with the right sign.
///
/// The bounds used to settle whole sets of pairs at once allow a relative slack of `1e-12`
/// (a thousand times the rounding error of the margin) and an absolute slack of `1e-300` ns, so
/// that a set is settled in bulk only when each of its pairs, evaluated alone, would agree.
enum AuditMargin {
    /// The speed of light in metres per nanosecond.
    static let speedOfLight = 0.299_792_458
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
            return (s.squareRoot() / speedOfLight - tau) - (sa + sb)
        }
        return scaledMargin(a, sa, b, sb, tau: tau)
    }

    /// The margin when the squared distance overflows or underflows: the components are
    /// divided by the largest, and first scaled by 2^-12 when they are huge so that the light
    /// time stays finite; the result is scaled back (to `±infinity` if it is beyond range).
    static func scaledMargin(_ a: AuditEvent, _ sa: Double, _ b: AuditEvent, _ sb: Double, tau: Double) -> Double {
        let scale: Double = max(abs(a.x), abs(a.y), abs(a.z), abs(b.x), abs(b.y), abs(b.z)) > 0x1p500 ? 0x1p-12 : 1
        let dx = a.x * scale - b.x * scale, dy = a.y * scale - b.y * scale, dz = a.z * scale - b.z * scale
        let largest = max(abs(dx), abs(dy), abs(dz))
        var distance = 0.0
        if largest > 0 {
            let ux = dx / largest, uy = dy / largest, uz = dz / largest
            distance = largest * (ux * ux + uy * uy + uz * uz).squareRoot()
        }
        return ((distance / speedOfLight - tau * scale) - (sa * scale + sb * scale)) / scale
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

    /// The smallest distance between points of two boxes, rounded down.
    @inline(__always)
    static func gap(_ a: AuditBox, _ b: AuditBox) -> Double {
        let gx = max(a.lowX - b.highX, b.lowX - a.highX, 0)
        let gy = max(a.lowY - b.highY, b.lowY - a.highY, 0)
        let gz = max(a.lowZ - b.highZ, b.lowZ - a.highZ, 0)
        return norm(gx, gy, gz) * (1 - AuditMargin.relativeSlack)
    }

    /// The largest distance between points of two boxes, rounded up.
    @inline(__always)
    static func span(_ a: AuditBox, _ b: AuditBox) -> Double {
        length(max(a.highX - b.lowX, b.highX - a.lowX), max(a.highY - b.lowY, b.highY - a.lowY),
               max(a.highZ - b.lowZ, b.highZ - a.lowZ))
    }

    /// A lower bound on the margin of every pair with one event in `a` and one in `b` (or two
    /// events of `a` when both are the same box); `nan` or `-infinity` when the bound
    /// overflows, which settles nothing.
    @inline(__always)
    static func marginLowerBound(_ a: AuditBox, _ b: AuditBox) -> Double {
        let longest = max(AuditMargin.timeGap(a.latest, b.earliest), AuditMargin.timeGap(b.latest, a.earliest))
        let against = (longest + (a.sigmaHigh + b.sigmaHigh)) * (1 + AuditMargin.relativeSlack)
        return gap(a, b) / AuditMargin.speedOfLight - against - AuditMargin.absoluteSlack
    }

    /// Whether every such pair is certainly space-like (each margin, evaluated alone, `> 0`).
    @inline(__always)
    static func allSpaceLike(_ a: AuditBox, _ b: AuditBox) -> Bool {
        marginLowerBound(a, b) > 0
    }

    /// Whether every such pair certainly violates the premise (each margin `<= 0`).
    @inline(__always)
    static func allViolating(_ a: AuditBox, _ b: AuditBox) -> Bool {
        let shortest: Double
        if a.latest < b.earliest {
            shortest = AuditMargin.timeGap(b.earliest, a.latest)
        } else if b.latest < a.earliest {
            shortest = AuditMargin.timeGap(a.earliest, b.latest)
        } else {
            shortest = 0
        }
        let against = (shortest + (a.sigmaLow + b.sigmaLow)) * (1 - AuditMargin.relativeSlack)
        // An infinite `against` (uncertainties beyond the double range) is left to the pairs.
        return against.isFinite
            && span(a, b) / AuditMargin.speedOfLight * (1 + AuditMargin.relativeSlack) + AuditMargin.absoluteSlack <= against
    }
}
