#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The bytes libFuzzer hands to `LLVMFuzzerTestOneInput`, and a file holding them for the
/// readers that take a path (the real code path: `open`, `read`, chunking).
public enum FuzzInput {
    /// Copies the input into an array.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let data, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }

    /// A file of this process, rewritten for every input: in /dev/shm when there is one (no disk
    /// writes), else in `$TMPDIR` or /tmp.
    public static let path: String = {
        var directory = "/dev/shm"
        if access(directory, W_OK) != 0 { directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp" }
        let path = "\(directory)/diqkd-fuzz-\(getpid())"
        atexit {
            unlink(FuzzInput.path)
            for suffix in FuzzInput.siblingSuffixes { unlink(FuzzInput.siblingPath(suffix)) }
        }
        return path
    }()

    /// Writes `count` bytes at `data` to ``path`` (replacing what was there) and returns the path.
    public static func file(_ data: UnsafePointer<UInt8>?, _ count: Int) -> String {
        let path = self.path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(descriptor >= 0, "cannot write the fuzz input to \(path)")
        var written = 0
        while written < count, let data {
            let n = write(descriptor, data + written, count - written)
            precondition(n > 0 || errno == EINTR, "cannot write the fuzz input to \(path)")
            if n > 0 { written += n }
        }
        close(descriptor)
        return path
    }

    /// The suffixes ``siblingPath(_:)`` may be given; their files are removed at exit.
    public static let siblingSuffixes = ["bin", "csv"]

    /// A second file next to ``path``, for what a harness writes back out (a record file
    /// converted to another format); `suffix` is one of ``siblingSuffixes``.
    public static func siblingPath(_ suffix: String) -> String {
        precondition(siblingSuffixes.contains(suffix), "unknown sibling suffix \(suffix)")
        return "\(path).\(suffix)"
    }
}

/// Stops with `message` when `condition` fails: a property a harness checks, reported by
/// libFuzzer as a crash. Unlike `precondition`, the message is printed in optimised builds.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #file, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
