import Protocol
import Randomness
import SecurityBounds

/// Many protocol runs on an eavesdropper's devices, each followed by Eve's exact analysis.
public enum EavesdroppingRun {
    public struct Report: Sendable, Codable {
        public var attack: String
        public var epsilon: Double
        /// Boxes per collective group (1 for the individual attack).
        public var groupBoxes: Int
        public var rounds: Int
        public var runs: Int
        public var runsWithKey: Int
        /// The largest `epsilonSecurity` the protocol claimed in a run with a key.
        @NullWhenAbsent public var claimedEpsilonSecurity: Double?
        /// Summed over runs with a key.
        public var keyBits: Int
        public var knownKeyBits: Int
        public var knownKeyParities: Int
        /// Eve's advantage in guessing one key bit, `P(right) - 1/2`: she is right on the bits she
        /// determines and guesses the others (uniform to her), so this is half the fraction of key
        /// bits she determines.
        public var guessingAdvantage: Double
        /// The mean over runs with a key of Eve's exact distance from uniform `1 - 2^-k`.
        public var measuredDistanceFromUniform: Double
        public var worstDistanceFromUniform: Double
        /// The mean fraction of raw-key bits Eve knew from her partition alone.
        public var knownRawFraction: Double
        /// Every key bit Eve determined matched Alice's key.
        public var deductionsCorrect: Bool
        /// `"consistent"` when the measured distance does not exceed the claim, else `"violated"`.
        public var verdict: String
        /// The same analysis for a hypothetical key of `hypotheticalKeyBits` bits (mean
        /// distance from uniform), to show that the key length matters.
        @NullWhenAbsent public var hypotheticalKeyBits: Int?
        @NullWhenAbsent public var hypotheticalDistanceFromUniform: Double?
        public var reports: [ProtocolReport]
        public var eve: [EveKnowledge]
    }

    /// - Parameters:
    ///   - seed: nature, Eve and both parties (an attack study is a simulation; reproducible).
    ///   - progress: called after each run with the number of runs finished.
    public static func run(attack: EavesdropperDevices.Attack, configuration: ProtocolConfiguration, runs: Int,
                           seed: UInt64, hypotheticalKeyBits: Int? = nil,
                           progress: (Int) -> Void = { _ in }) throws(EavesdropperDevices.Unavailable) -> Report {
        var reports: [ProtocolReport] = []
        var knowledge: [EveKnowledge] = []
        var hypothetical: [Double] = []
        var analysisRNG = Xoshiro256(seed: seed, stream: "eve.analysis")
        for r in 0..<runs {
            let runSeed = seed &+ UInt64(r) &* 0x9E37_79B9_7F4A_7C15
            let devices = try EavesdropperDevices(attack: attack, seed: runSeed)
            let pair = devices.source.makeDevices()
            let channel = InMemoryChannel()
            let result = SimulatedRun.run(devices: (pair.alice, pair.bob), configuration: configuration, seed: runSeed,
                                          channel: channel, progress: nil)
            reports.append(result.report)
            if case .key(let key) = result.alice {
                let aliceKey = key.withBits { $0 }
                if let eve = EveAnalysis.analyse(transcript: channel.transcript, partitionRecord: devices.source.partitionRecord,
                                                 aliceOutput: devices.aliceOutput, aliceKey: aliceKey, rng: &analysisRNG) {
                    knowledge.append(eve)
                }
                if let bits = hypotheticalKeyBits,
                   let eve = EveAnalysis.analyse(transcript: channel.transcript, partitionRecord: devices.source.partitionRecord,
                                                 aliceOutput: devices.aliceOutput, aliceKey: nil,
                                                 hypotheticalKeyBits: min(bits, result.report.rawKeyBits), rng: &analysisRNG) {
                    hypothetical.append(eve.distanceFromUniform)
                }
            }
            progress(r + 1)
        }
        let claimed = reports.filter { $0.keyBits > 0 }.map(\.epsilonSecurity).max()
        let measured = knowledge.isEmpty ? 0 : knowledge.reduce(0) { $0 + $1.distanceFromUniform } / Double(knowledge.count)
        let keyBits = knowledge.reduce(0) { $0 + $1.keyBits }
        let knownKeyBits = knowledge.reduce(0) { $0 + $1.knownKeyBits }
        let group: Int
        let name: String
        switch attack {
        case .individual: group = 1; name = "individual"
        case .collective(let n, _): group = n; name = "collective"
        }
        return Report(
            attack: name, epsilon: attack.epsilon, groupBoxes: group, rounds: configuration.rounds, runs: runs,
            runsWithKey: knowledge.count, claimedEpsilonSecurity: claimed,
            keyBits: keyBits, knownKeyBits: knownKeyBits,
            knownKeyParities: knowledge.reduce(0) { $0 + $1.knownKeyParities },
            guessingAdvantage: knowledge.isEmpty ? 0
                : Double(knownKeyBits) / Double(max(1, keyBits)) / 2,
            measuredDistanceFromUniform: measured,
            worstDistanceFromUniform: knowledge.map(\.distanceFromUniform).max() ?? 0,
            knownRawFraction: knowledge.isEmpty ? 0
                : knowledge.reduce(0) { $0 + Double($1.knownRawBits) / Double(max(1, $1.rawKeyBits)) } / Double(knowledge.count),
            deductionsCorrect: knowledge.allSatisfy { $0.deductionsCorrect ?? true },
            verdict: measured <= (claimed ?? 0) ? "consistent" : "violated",
            hypotheticalKeyBits: hypotheticalKeyBits,
            hypotheticalDistanceFromUniform: hypothetical.isEmpty ? nil : hypothetical.reduce(0, +) / Double(hypothetical.count),
            reports: reports, eve: knowledge)
    }
}
