import Hashing
import Protocol

/// Both parties' record files read in one pass: the files are checked against each other
/// (same rounds, line by line), each party's rounds are packed into its own bits, and the
/// audit collects every event. Alice's bits go to Alice and Bob's to Bob; neither party
/// object ever sees the other's file.
public struct RecordedRun: Sendable {
    public let alice: RecordedRounds
    public let bob: RecordedRounds
    public let rounds: Int
    public var audit: SpaceLikeAudit?
    /// How each file was read (Alice's, then Bob's): the report's `import` section.
    public let imports: [ImportReport]

    /// Reads and validates both files. When both carry a `test` column, the two must mark the
    /// same rounds.
    /// - Parameters:
    ///   - aliceImport, bobImport: how to read each lab's CSV export (the plain format by default).
    ///   - needsTestMarks: spot-check mode: Alice's file must carry the `test` column.
    ///   - rejectsTestMarks: paper mode: a `test` column is an error, since Protocol 1 chooses
    ///     the test rounds after the measurements and such marks mean the file was recorded in
    ///     spot-check mode (whose mostly-`(0, 0)` inputs paper mode would misread).
    ///   - collectAudit: keep the events for ``SpaceLikeAudit``.
    ///   - opened: called once per file when its header is resolved (to list ignored columns).
    ///   - progress: called with the fraction of Alice's file read so far.
    /// - Throws: ``RecordError`` naming the file and line (or record) of the first problem.
    public static func load(alice alicePath: String, bob bobPath: String,
                            aliceImport: RecordImport = RecordImport(), bobImport: RecordImport = RecordImport(),
                            needsTestMarks: Bool, rejectsTestMarks: Bool = false, collectAudit: Bool,
                            opened: ((ImportReport) -> Void)? = nil,
                            progress: ((Double) -> Void)? = nil) throws(RecordError) -> RecordedRun {
        var aliceReader = try openRecords(alicePath, options: aliceImport)
        opened?(aliceReader.importReport)
        var bobReader = try openRecords(bobPath, options: bobImport)
        opened?(bobReader.importReport)
        if needsTestMarks && !aliceReader.columns.testMarks {
            throw RecordError(file: alicePath, line: 1, message: "spot-check mode needs the 'test' column in Alice's file (or use --mode paper)")
        }
        if rejectsTestMarks && aliceReader.columns.testMarks {
            throw RecordError(file: alicePath, line: 1, message: "paper mode chooses the test rounds after the measurements, but this "
                              + "file has a 'test' column (records made in spot-check mode): use --mode spot-check")
        }
        var a = Side(), b = Side()
        var audit = collectAudit ? SpaceLikeAudit() : nil
        var aliceBatch: RecordBatch?, bobBatch: RecordBatch?
        var ia = 0, ib = 0
        while true {
            if aliceBatch == nil || ia == aliceBatch!.count {
                aliceBatch = try aliceReader.next()
                ia = 0
                if let batch = aliceBatch { try audit?.add(batch, bob: false, file: alicePath) }
            }
            if bobBatch == nil || ib == bobBatch!.count {
                bobBatch = try bobReader.next()
                ib = 0
                if let batch = bobBatch { try audit?.add(batch, bob: true, file: bobPath) }
            }
            switch (aliceBatch, bobBatch) {
            case (nil, nil):
                guard a.inputs.count > 0 else { throw RecordError(file: alicePath, line: 2, message: "no rounds") }
                return RecordedRun(alice: a.rounds(), bob: b.rounds(), rounds: a.inputs.count, audit: audit,
                                   imports: [aliceReader.importReport, bobReader.importReport])
            case (let x?, nil):
                throw RecordError(file: bobPath, line: nil, message: "ends before round \(x.rounds[ia]) (\(alicePath), \(x.location(of: ia))); the files must hold the same rounds")
            case (nil, let y?):
                throw RecordError(file: alicePath, line: nil, message: "ends before round \(y.rounds[ib]) (\(bobPath), \(y.location(of: ib))); the files must hold the same rounds")
            case (let x?, let y?):
                let count = min(x.count - ia, y.count - ib)
                for k in 0..<count where x.rounds[ia + k] != y.rounds[ib + k] {
                    let ra = x.rounds[ia + k], rb = y.rounds[ib + k]
                    if ra < rb {
                        throw RecordError(file: bobPath, batch: y, index: ib + k,
                                          message: "round \(ra) of \(alicePath) (\(x.location(of: ia + k))) is missing here")
                    }
                    throw RecordError(file: alicePath, batch: x, index: ia + k,
                                      message: "round \(rb) of \(bobPath) (\(y.location(of: ib + k))) is missing here")
                }
                if !x.testMarks.isEmpty && !y.testMarks.isEmpty {
                    for k in 0..<count where x.testMarks[ia + k] != y.testMarks[ib + k] {
                        throw RecordError(file: bobPath, batch: y, index: ib + k,
                                          message: "test is \(y.testMarks[ib + k]) for round \(y.rounds[ib + k]) but \(x.testMarks[ia + k]) in "
                                          + "\(alicePath) (\(x.location(of: ia + k))): both labs must mark the same test rounds")
                    }
                }
                a.append(x, from: ia, count: count)
                b.append(y, from: ib, count: count)
                ia += count
                ib += count
                progress?(aliceReader.fractionRead)
            }
        }
    }

    /// One party's packed bits, grown as rows arrive.
    private struct Side {
        var inputs = BitVector(count: 0)
        var outputs = BitVector(count: 0)
        var marks = BitVector(count: 0)
        var hasMarks = false

        mutating func append(_ batch: RecordBatch, from start: Int, count: Int) {
            hasMarks = !batch.testMarks.isEmpty
            inputs.append(contentsOf: Self.pack(batch.inputs, start, count))
            outputs.append(contentsOf: Self.pack(batch.outputs, start, count))
            if hasMarks { marks.append(contentsOf: Self.pack(batch.testMarks, start, count)) }
        }

        static func pack(_ bytes: [UInt8], _ start: Int, _ count: Int) -> BitVector {
            var words = [UInt64](repeating: 0, count: (count + 63) / 64)
            for k in 0..<count where bytes[start + k] != 0 { words[k >> 6] |= 1 << UInt64(k & 63) }
            return BitVector(words: words, count: count)
        }

        func rounds() -> RecordedRounds {
            RecordedRounds(inputs: inputs, outputs: outputs, testMarks: hasMarks ? marks : nil)
        }
    }
}
