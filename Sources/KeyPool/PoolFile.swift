#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A file descriptor with whole-buffer positioned reads and writes that map failures to
/// `KeyPoolError.io` naming the file.
struct PoolFile {
    let fd: Int32
    let path: String

    func error(_ what: String) -> KeyPoolError {
        KeyPoolError(.io, path: path, "cannot \(what) \(path): \(String(cString: strerror(errno))).")
    }

    func read(count: Int, at offset: UInt64) throws(KeyPoolError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw error("read") }
            if got == 0 { throw KeyPoolError(.format, path: path, "\(path) is shorter than its header says.") }
            done += got
        }
        return out
    }

    /// Writes all of `bytes` at `offset`; false with `errno` set on failure.
    private func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) -> Bool {
        var done = 0
        while done < bytes.count {
            let put = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if put < 0 && errno == EINTR { continue }
            if put <= 0 { return false }
            done += put
        }
        return true
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(KeyPoolError) {
        guard writeAll(bytes, at: offset) else { throw error("write") }
    }

    func write(_ bytes: [UInt8], at offset: UInt64) throws(KeyPoolError) {
        guard bytes.withUnsafeBytes({ writeAll($0, at: offset) }) else { throw error("write") }
    }

    /// Writes `count` zero bytes from `offset`, a megabyte at a time.
    func zero(count: UInt64, at offset: UInt64) throws(KeyPoolError) {
        let chunk = [UInt8](repeating: 0, count: Int(min(count, 1 << 20)))
        var done: UInt64 = 0
        while done < count {
            let n = Int(min(UInt64(chunk.count), count - done))
            guard chunk.withUnsafeBytes({ writeAll(UnsafeRawBufferPointer(rebasing: $0[0..<n]), at: offset + done) }) else {
                throw error("write")
            }
            done += UInt64(n)
        }
    }

    func sync() throws(KeyPoolError) {
        guard fsync(fd) == 0 else { throw error("flush") }
    }

    /// Flushes the entries of the folder holding `path` (creations, removals).
    static func syncFolder(of path: String) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// Fills `buffer` from the system's cryptographic generator (`SystemRandomNumberGenerator`,
/// which reads getrandom on Linux).
func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) {
    var system = SystemRandomNumberGenerator()
    var done = 0
    while done < buffer.count {
        let word = system.next()
        let n = min(8, buffer.count - done)
        for i in 0..<n { buffer[done + i] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(i))) }
        done += n
    }
}
