#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// File operations for key material: files are created `0600` from their first byte (never
/// widened later), written in full and flushed to the disk before they get their final name,
/// and renamed into place with the folder flushed afterwards, so that a crash or `kill -9` at
/// any moment leaves either the old name or the complete new file.
package enum SecretFiles {
    /// The prefix of every temporary name diqkd creates inside a folder it writes keys to; a
    /// later run holding the folder's lock removes what a killed run left under it.
    package static let temporaryPrefix = ".diqkd-tmp-"

    /// Creates `path` exclusively with mode 0600, writes `bytes`, and flushes it to the disk.
    /// - Throws: `CLIError.failure` naming the path, after removing the partial file.
    package static func create(_ path: String, bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create", path) }
        var ok = fchmod(fd, 0o600) == 0
        var offset = 0
        while ok && offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            ok = written > 0
            if ok { offset += written }
        }
        ok = ok && fsync(fd) == 0
        let error = failure("cannot write", path)
        close(fd)
        guard ok else {
            unlink(path)
            throw error
        }
    }

    /// Creates the folder `path`, and any missing folders above it, each with mode 0700 in
    /// the one `mkdir` call that creates it, so that no folder is ever visible with a wider
    /// mode (Foundation's `createDirectory(attributes:)` creates with the umask and changes the
    /// mode afterwards: a kill in between leaves an open folder). A folder that exists already
    /// is kept as it is, except that the last one is narrowed to 0700 when it is wider.
    /// - Throws: `CLIError.failure` naming the folder that could not be made.
    package static func makePrivateFolder(_ path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw CLIError.failure("\(path) exists and is not a folder") }
            if info.st_mode & 0o077 != 0 && info.st_uid == geteuid() { _ = chmod(path, 0o700) }
            return
        }
        let parent = parentFolder(of: path)
        if parent != "." && parent != path && parent != "/" {
            var parentInfo = stat()
            if stat(parent, &parentInfo) != 0 { try makePrivateFolder(parent) }
        }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw failure("cannot create", path) }
        syncFolder(of: path)
    }

    /// Renames `from` to `to` (atomically replacing `to`) and flushes the folder of `to`.
    package static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw failure("cannot move \(from) to", to) }
        syncFolder(of: to)
    }

    /// Flushes a folder's entries (renames and creations) to the disk.
    package static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// The folder holding `path`: what comes before its last `/` ("/" for a top-level entry),
    /// "." when it has none. Trailing slashes are ignored. Plain string work, because
    /// Foundation's `deletingLastPathComponent` traps on a one-character relative path on Linux.
    package static func parentFolder(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        var parent = trimmed[..<slash]
        while parent.count > 1 && parent.hasSuffix("/") { parent = parent.dropLast() }
        return String(parent)
    }

    package static func syncFolder(of path: String) {
        syncFolder(parentFolder(of: path))
    }

    /// Writes a whole key file under a private temporary name in the same folder, then
    /// renames it to `path`.
    package static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = folder + temporaryPrefix + "\(getpid())-" + name
        unlink(temporary)
        try create(temporary, bytes: bytes)
        do { try rename(temporary, to: path) } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Whether two paths name the same existing file (same device and inode).
    package static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Removes a file or a whole folder tree.
    package static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Overwrites every regular file in `path` (a file, or a folder's files one level down)
    /// with zeros and flushes it, then removes `path`. Best effort: the file system may keep
    /// old blocks, but no name leads to the bytes any more.
    package static func destroyTree(_ path: String) {
        let children = (try? FileManager.default.contentsOfDirectory(atPath: path))?.map { "\(path)/\($0)" } ?? [path]
        for file in children {
            var info = stat()
            guard lstat(file, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0 else { continue }
            let fd = open(file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { continue }
            let zeros = [UInt8](repeating: 0, count: Int(info.st_size))
            _ = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, zeros.count, 0) }
            fsync(fd)
            close(fd)
        }
        removeTree(path)
    }

    private static func failure(_ what: String, _ path: String) -> CLIError {
        CLIError.failure("\(what) \(path): \(String(cString: strerror(errno)))")
    }
}
