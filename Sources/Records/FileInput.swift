#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A file read in large chunks through a raw descriptor.
final class FileInput {
    let path: String
    private let descriptor: Int32
    private(set) var atEnd = false
    /// Bytes read so far, and the file's size when it could be determined (0 otherwise).
    private(set) var bytesRead = 0
    let size: Int

    init(path: String) throws(RecordError) {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw RecordError(file: path, line: nil, message: "cannot open (\(String(cString: strerror(errno))))")
        }
        var info = stat()
        size = fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Appends up to `count` bytes to `buffer`; returns how many were read (0 at the end).
    func read(into buffer: inout [UInt8], count wanted: Int) throws(RecordError) -> Int {
        // No more than the file has left (plus one byte, to see its end), so that a small file
        // does not cost a large buffer.
        let count = size > 0 ? min(wanted, max(size - bytesRead, 0) + 1) : wanted
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: count))
        var got = 0
        while true {
            got = buffer.withUnsafeMutableBytes { Glibc_read(descriptor, $0.baseAddress! + start, count) }
            if got >= 0 || errno != EINTR { break }
        }
        guard got >= 0 else {
            buffer.removeLast(count)
            throw RecordError(file: path, line: nil, message: "read failed (\(String(cString: strerror(errno))))")
        }
        buffer.removeLast(count - got)
        bytesRead += got
        if got == 0 { atEnd = true }
        return got
    }

    deinit { close(descriptor) }
}

@inline(__always)
private func Glibc_read(_ fd: Int32, _ pointer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, pointer, count)
}
