import Foundation
import Testing

/// Every allowed `--frame-bits` gives a key at the default device model: the shortest frame,
/// one odd length, and each side of every boundary between the margin tables
/// (`ReconciliationMargin`: 2^18 bits, quasi-cyclic codes from 2^20, the default 2^21).
@Suite("frame lengths", .serialized)
struct FrameLengthTests {
    @Test(arguments: [4096, 4097, 65_536, 262_143, 262_144, 1_048_575, 1_048_576, 2_097_152])
    func everyAllowedFrameLengthGivesAKey(_ frameBits: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try diqkd(["simulate", "--seed", "3", "--frame-bits", "\(frameBits)", "--out", dir.appendingPathComponent("sim").path])
        #expect(run.status == 0, "--frame-bits \(frameBits): \(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("identical for Alice and Bob"), "\(run.stdout)")
    }

    /// Shorter frames are refused with the reason, before any work.
    @Test func framesBelowTheMinimumAreRefused() throws {
        let run = try diqkd(["simulate", "--frame-bits", "2048", "--out", try temporaryDirectory().appendingPathComponent("sim").path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--frame-bits") && run.stderr.contains("4096"), "\(run.stderr)")
    }
}
