#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A file written through a buffer into a temporary name, moved into place only by
/// ``close()``: a failed or abandoned write never leaves a partial file at the target.
package final class BufferedFileOutput {
    package let path: String
    private let temporaryPath: String
    private var file: UnsafeMutablePointer<FILE>?
    package var buffer: [UInt8] = []

    package init(path: String) throws(RecordError) {
        self.path = path
        temporaryPath = path + ".partial"
        // Records hold each lab's outputs, from which the raw key is taken: private (0600) from
        // the first byte, like key files.
        unlink(temporaryPath)
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0, let handle = fdopen(fd, "w") else {
            throw RecordError(file: path, line: nil, message: "cannot create (\(String(cString: strerror(errno))))")
        }
        file = handle
        buffer.reserveCapacity(1 << 20)
    }

    /// Writes the buffer out once it holds a megabyte.
    package func flushIfFull() throws(RecordError) {
        if buffer.count >= 1 << 20 { try flush() }
    }

    package func flush() throws(RecordError) {
        guard let file else { return }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == buffer.count else {
            throw RecordError(file: path, line: nil, message: "write failed (\(String(cString: strerror(errno))))")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, closes and moves the file into place.
    package func close() throws(RecordError) {
        try flush()
        guard let handle = file else { return }
        file = nil
        guard fclose(handle) == 0, rename(temporaryPath, path) == 0 else {
            unlink(temporaryPath)
            throw RecordError(file: path, line: nil, message: "cannot finish writing (\(String(cString: strerror(errno))))")
        }
    }

    /// Abandons the file.
    package func discard() {
        if let handle = file { fclose(handle) }
        file = nil
        unlink(temporaryPath)
    }

    deinit { if file != nil { discard() } }
}
