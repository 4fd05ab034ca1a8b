import Hashing
import Protocol
import SecurityBounds

extension RecordedRun {
    /// One lab's record file, for a node that holds only its own lab's data (the other lab's
    /// file lives on the other host). The rounds must be numbered consecutively, so that two
    /// files of the same length, checked by the nodes' agreed round count, hold the same rounds.
    /// - Parameters:
    ///   - party: whose file it is; in spot-check mode Alice's file must carry the `test` column.
    ///   - mode: paper mode refuses a `test` column (see ``load(alice:bob:needsTestMarks:rejectsTestMarks:collectAudit:progress:)``).
    ///   - options: how to read the file (a node reads without requiring times and positions).
    /// - Throws: ``RecordError`` naming the file and line.
    public static func loadOne(_ path: String, party: Party, mode: ProtocolMode,
                               options: RecordImport = RecordImport()) throws(RecordError) -> RecordedRounds {
        var reader = try openRecords(path, options: options)
        if party == .alice && mode == .spotCheck && !reader.columns.testMarks {
            throw RecordError(file: path, line: 1, message: "spot-check mode needs the 'test' column in Alice's file (or use --mode paper)")
        }
        if mode == .paper && reader.columns.testMarks {
            throw RecordError(file: path, line: 1, message: "paper mode chooses the test rounds after the measurements, but this "
                              + "file has a 'test' column (records made in spot-check mode): use --mode spot-check")
        }
        var inputs = BitVector(count: 0), outputs = BitVector(count: 0), marks = BitVector(count: 0)
        var expected: Int64?
        while let batch = try reader.next() {
            for k in 0..<batch.count {
                let round = batch.rounds[k]
                if let expected, round != expected {
                    throw RecordError(file: path, batch: batch, index: k,
                                      message: "round \(round) where \(expected) was due: a node's records must number their rounds consecutively")
                }
                expected = round &+ 1
                inputs.append(batch.inputs[k] != 0)
                outputs.append(batch.outputs[k] != 0)
                if party == .alice && mode == .spotCheck { marks.append(batch.testMarks[k] != 0) }
            }
        }
        guard inputs.count > 0 else { throw RecordError(file: path, line: 2, message: "no rounds") }
        return RecordedRounds(inputs: inputs, outputs: outputs, testMarks: party == .alice && mode == .spotCheck ? marks : nil,
                              simulated: reader.columns.simulated)
    }
}
