import Foundation

/// Whole files that a command reads into memory, each kind with a documented cap, so that no
/// file (a huge one, `/dev/zero`, a FIFO that never ends) can make a command take more memory
/// than the cap before it refuses with exit 2. Line-oriented readers have their own caps
/// (`CSVRecordReader.maximumLineBytes`).
package enum BoundedFile {
    /// JSON documents: run reports, settings (16 MiB).
    package static let jsonBytes = 16 << 20
    /// Behaviour files of SPEC.md (64 MiB: a five-box behaviour, 16^5 numbers, takes about
    /// 25 MB; six boxes do not fit a JSON file of this size and are refused).
    package static let behaviourBytes = 64 << 20
    /// Key files given to `amplify` (1 GiB: a raw key of 2^33 bits).
    package static let keyBytes = 1 << 30

    /// The bytes of the file at `path`, at most `maximumBytes` of them.
    /// - Parameter what: how to name the file in an error (a flag and the path, say).
    /// - Throws: a usage error (exit 2) naming the file when it cannot be opened or read, or
    ///   holds more than `maximumBytes` bytes; nothing beyond `maximumBytes + 1` is read.
    package static func read(_ path: String, maximumBytes: Int, what: String) throws(CLIError) -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError.usage("\(what): cannot read the file.") }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: maximumBytes + 1) ?? Data() } catch {
            throw CLIError.usage("\(what): cannot read the file (\(error.localizedDescription)).")
        }
        guard data.count <= maximumBytes else {
            throw CLIError.usage("\(what) is larger than \(grouped(maximumBytes)) bytes, the most diqkd reads for such a file.")
        }
        return data
    }
}
