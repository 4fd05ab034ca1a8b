import Foundation
import NonSignaling

/// The honest devices of Section 6.4: a polarisation-entangled singlet measured at chosen
/// angles, with white noise and lossy detectors.
///
/// Measuring the singlet at polarisation angles `a` (Alice) and `b` (Bob) gives equal outcomes
/// with probability `sin^2(a - b)`; Bob flips his output bit so that the key basis `(U0, V0)`
/// agrees, which makes the correlator `E(a, b) = V cos(2(a - b))` for a Werner state of
/// visibility `V` (`V = 1`: pure singlet). With the default angles of Figure 14 this gives
/// `delta = (1 - V)/2` and `eps = 1/2 - 5V/16`.
///
/// Each detector clicks independently with probability `eta`. A missing click is mapped to the
/// fixed output 0 and kept: discarding no-click rounds would let a device choose which rounds
/// count, reopening the detection loophole.
public struct QuantumDeviceModel: Sendable, Hashable, Codable {
    /// Werner visibility `V` in `[0, 1]`.
    public var visibility: Double
    /// Detector efficiency `eta` in `[0, 1]`, the same on both sides.
    public var detectionEfficiency: Double
    /// Alice's polarisation angles for inputs 0 and 1, in degrees.
    public var aliceAngles: [Double]
    /// Bob's polarisation angles for inputs 0 and 1, in degrees.
    public var bobAngles: [Double]

    /// The angles of Figure 14: `U0 = V0 = 0°`, `U1 = -30°`, `V1 = +30°`.
    public static let figure14Alice: [Double] = [0, -30]
    public static let figure14Bob: [Double] = [0, 30]

    public init(visibility: Double = 1, detectionEfficiency: Double = 1,
                aliceAngles: [Double] = figure14Alice, bobAngles: [Double] = figure14Bob) {
        self.visibility = visibility
        self.detectionEfficiency = detectionEfficiency
        self.aliceAngles = aliceAngles
        self.bobAngles = bobAngles
    }

    /// Why a model cannot be built.
    public struct InvalidParameter: Error, Sendable, CustomStringConvertible {
        public enum Parameter: Sendable { case visibility, detectionEfficiency, angles }
        public let parameter: Parameter
        public let description: String
    }

    /// Checks the ranges of every parameter.
    public func validate() throws(InvalidParameter) {
        guard visibility.isFinite, (0...1).contains(visibility) else {
            throw InvalidParameter(parameter: .visibility, description: "visibility must be between 0 and 1 (got \(visibility))")
        }
        guard detectionEfficiency.isFinite, (0...1).contains(detectionEfficiency) else {
            throw InvalidParameter(parameter: .detectionEfficiency, description: "detection efficiency must be between 0 and 1 (got \(detectionEfficiency))")
        }
        guard aliceAngles.count == 2, bobAngles.count == 2, (aliceAngles + bobAngles).allSatisfy(\.isFinite) else {
            throw InvalidParameter(parameter: .angles, description: "each party needs exactly two finite angles in degrees")
        }
    }

    /// The correlator `E(u, v)` when both detectors click. Polarisation angles matter modulo
    /// 180°, so each is reduced first (exactly, by `truncatingRemainder`): any finite angle,
    /// however large, gives a finite correlator.
    public func correlator(u: Int, v: Int) -> Double {
        let difference = aliceAngles[u].truncatingRemainder(dividingBy: 180) - bobAngles[v].truncatingRemainder(dividingBy: 180)
        return visibility * cos(2 * difference * Double.pi / 180)
    }

    /// The box `P(x, y | u, v)` the two devices implement.
    public var behaviour: Behaviour {
        let eta = detectionEfficiency
        return Behaviour(boxes: 1) { x, y, u, v in
            let bothClick = (1 + (x == y ? 1 : -1) * correlator(u: u, v: v)) / 4
            let onlyAlice = y == 0 ? 0.5 : 0
            let onlyBob = x == 0 ? 0.5 : 0
            let neither: Double = (x == 0 && y == 0) ? 1 : 0
            return eta * eta * bothClick + eta * (1 - eta) * (onlyAlice + onlyBob) + (1 - eta) * (1 - eta) * neither
        }
    }
}
