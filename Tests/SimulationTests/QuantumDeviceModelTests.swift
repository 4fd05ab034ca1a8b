import Testing
import NonSignaling
@testable import Simulation

@Suite("honest quantum devices (Section 6.4)")
struct QuantumDeviceModelTests {
    @Test func noiselessSingletIsTheBoxOfFigure13() throws {
        let box = QuantumDeviceModel().behaviour
        try box.validate()
        #expect(abs(box.chshError - 0.1875) < 1e-15)
        #expect(abs(box.keyBasisError) < 1e-15)
        #expect(abs(box.chshValue - 2.5) < 1e-12)
    }

    @Test(arguments: [1.0, 0.99, 0.95, 0.9, 0.85, 0.7, 0.0])
    func wernerNoiseFollowsTheClosedForms(visibility: Double) throws {
        let box = QuantumDeviceModel(visibility: visibility).behaviour
        try box.validate()
        #expect(abs(box.chshError - (0.5 - 5 * visibility / 16)) < 1e-12)
        #expect(abs(box.keyBasisError - (1 - visibility) / 2) < 1e-12)
    }

    @Test func tsirelsonAnglesReachTwoRootTwo() {
        let box = QuantumDeviceModel(aliceAngles: [0, 45], bobAngles: [22.5, -22.5]).behaviour
        #expect(abs(box.chshValue - 2 * 2.0.squareRoot()) < 1e-12)
    }

    @Test(arguments: [1.0, 0.95, 0.8, 0.5, 0.0])
    func lossyDetectorsKeepEveryRoundAndStayNonSignaling(efficiency: Double) throws {
        let box = QuantumDeviceModel(visibility: 0.98, detectionEfficiency: efficiency).behaviour
        try box.validate()
        if efficiency == 0 {
            #expect(box[0, 0, 1, 1] == 1)
            #expect(box.isLocal())
        }
        // Losses only add errors: eps grows as the efficiency falls.
        let ideal = QuantumDeviceModel(visibility: 0.98).behaviour
        #expect(box.chshError >= ideal.chshError - 1e-15)
    }

    @Test func invalidParametersAreNamed() {
        #expect(throws: QuantumDeviceModel.InvalidParameter.self) { try QuantumDeviceModel(visibility: 1.2).validate() }
        #expect(throws: QuantumDeviceModel.InvalidParameter.self) {
            try QuantumDeviceModel(detectionEfficiency: .nan).validate()
        }
        #expect(throws: QuantumDeviceModel.InvalidParameter.self) { try QuantumDeviceModel(aliceAngles: [0]).validate() }
    }
}
