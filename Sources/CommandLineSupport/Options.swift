import ArgumentParser
import Foundation
import Protocol
import SecurityBounds
import Simulation

/// Flags describing the honest devices of Section 6.4.
package struct DeviceModelOptions: ParsableArguments {
    package init() {}

    @Option(help: "Werner visibility V of the entangled state, in [0, 1] (default 1; 0.99 for simulate).")
    package var visibility: Double?

    @Option(help: "Detector efficiency, in [0, 1]; a missing click counts as output 0.")
    package var detectionEfficiency: Double?

    @Option(help: "Alice's polarisation angles for inputs 0,1 in degrees (Figure 14: 0,-30).")
    package var aliceAngles: String?

    @Option(help: "Bob's polarisation angles for inputs 0,1 in degrees (Figure 14: 0,30).")
    package var bobAngles: String?

    /// Whether any device flag was given.
    package var isGiven: Bool { visibility != nil || detectionEfficiency != nil || aliceAngles != nil || bobAngles != nil }

    /// The model, with defaults for flags not given; throws a usage error naming the bad flag.
    package func model(defaultVisibility: Double = 1) throws -> QuantumDeviceModel {
        let model = QuantumDeviceModel(
            visibility: visibility ?? defaultVisibility,
            detectionEfficiency: detectionEfficiency ?? 1,
            aliceAngles: try aliceAngles.map { try angles($0, flag: "--alice-angles") } ?? QuantumDeviceModel.figure14Alice,
            bobAngles: try bobAngles.map { try angles($0, flag: "--bob-angles") } ?? QuantumDeviceModel.figure14Bob)
        do { try model.validate() } catch {
            let flag = switch error.parameter {
            case .visibility: "--visibility"
            case .detectionEfficiency: "--detection-efficiency"
            case .angles: "--alice-angles/--bob-angles"
            }
            throw CLIError.usage("\(flag): \(error.description).")
        }
        return model
    }

    private func angles(_ text: String, flag: String) throws -> [Double] {
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 2, let a = values[0], let b = values[1], a.isFinite, b.isFinite else {
            throw CLIError.usage("\(flag) needs two angles in degrees separated by a comma, like 0,30 (got '\(text)').")
        }
        return [a, b]
    }
}

/// The pair `(eps, delta)` either given directly or computed from a device model.
package struct ErrorRateOptions: ParsableArguments {
    package init() {}

    @Option(help: "CHSH error eps of the boxes, in [0, 1] (with --delta, instead of a device model).")
    package var epsilon: Double?

    @Option(help: "Key-basis error delta = P(x != y | u = v = 0), in [0, 1].")
    package var delta: Double?

    @OptionGroup(title: "Device model (used when --epsilon/--delta are not given)")
    package var device: DeviceModelOptions

    /// The errors to plan or rate with, and the model they came from, if any.
    package func resolve() throws -> (epsilon: Double, delta: Double, model: QuantumDeviceModel?) {
        switch (epsilon, delta) {
        case (nil, nil):
            let model = try device.model()
            let box = model.behaviour
            return (box.chshError, box.keyBasisError, model)
        case (let e?, let d?):
            guard !device.isGiven else {
                throw CLIError.usage("give either --epsilon and --delta or device-model flags, not both.")
            }
            guard e.isFinite, (0...1).contains(e) else { throw CLIError.usage("--epsilon must be between 0 and 1 (got \(e)).") }
            guard d.isFinite, (0...1).contains(d) else { throw CLIError.usage("--delta must be between 0 and 1 (got \(d)).") }
            return (e, d, nil)
        default:
            throw CLIError.usage("--epsilon and --delta go together: give both, or neither to use a device model.")
        }
    }
}

/// Flags of the classical protocol that decide the finite-size key length; their ranges are
/// `FiniteSizeParameters`' and are checked there, once.
package struct FiniteSizeOptions: ParsableArguments {
    package init() {}

    @Option(help: "Round split: 'spot-check' (key rounds use inputs 0,0) or 'paper' (Protocol 1).")
    package var mode: String = ProtocolMode.spotCheck.rawValue

    @Option(help: "Fraction of rounds used for testing (gamma), strictly between 0 and 1.")
    package var testFraction: Double = 0.1

    @Option(name: .customLong("epsilon-pe"), help: "Failure probability of parameter estimation, strictly between 0 and 1.")
    package var epsilonPE: Double = 5e-10

    @Option(name: .customLong("epsilon-pa"), help: "Soundness target of privacy amplification, strictly between 0 and 1.")
    package var epsilonPA: Double = 5e-10

    @Option(help: "Length t of the verification hash, 1 to 1024; correctness error 2^-t.")
    package var verificationBits: Int = 64

    /// The validated parameters; throws a usage error naming the bad flag.
    package func parameters(reconciliationEfficiency: Double = 1) throws -> FiniteSizeParameters {
        guard let mode = ProtocolMode(rawValue: mode) else {
            throw CLIError.usage("--mode must be 'paper' or 'spot-check' (got '\(self.mode)').")
        }
        let parameters = FiniteSizeParameters(mode: mode, testFraction: testFraction, epsilonPE: epsilonPE, epsilonPA: epsilonPA,
                                              verificationBits: verificationBits, reconciliationEfficiency: reconciliationEfficiency)
        do { try parameters.validate() } catch { throw CLIError.usage("\(error.description).") }
        return parameters
    }

    /// The validated protocol configuration for `rounds` rounds and frames of `frameBits`.
    package func configuration(rounds: Int, frameBits: Int = ReconciliationMargin.defaultFrameBits) throws -> ProtocolConfiguration {
        let configuration = ProtocolConfiguration(rounds: rounds, finiteSize: try parameters(), frameBits: frameBits)
        do { try configuration.validate() } catch { throw CLIError.usage("\(error.description).") }
        return configuration
    }
}

/// The eavesdropper's attack named by `--attack` (`attack`, `source`).
/// - Throws: a usage error naming the flag.
package func eavesdropperAttack(_ name: String, groupBoxes: Int, epsilon: Double) throws -> EavesdropperDevices.Attack {
    switch name {
    case "individual":
        return .individual(epsilon: epsilon)
    case "collective":
        guard (2...8).contains(groupBoxes) else {
            throw CLIError.usage("--group-boxes must be between 2 and 8 (got \(groupBoxes)).")
        }
        return .collective(boxes: groupBoxes, epsilon: epsilon)
    default:
        throw CLIError.usage("--attack must be 'individual' or 'collective' (got '\(name)').")
    }
}
