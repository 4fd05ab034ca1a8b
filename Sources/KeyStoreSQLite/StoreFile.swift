#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import KeyStore

/// The store file's mode: created 0600, refused when group or others may read or write it.
enum StoreFile {
    /// Creates `path` with mode 0600 if it is missing; checks an existing one.
    /// - Throws: ``KeyStoreError/Code/permissions`` for a symbolic link, a non-regular file or
    ///   a mode with group or other bits; ``KeyStoreError/Code/storage`` when it cannot be
    ///   created or examined.
    static func prepare(_ path: String) throws(KeyStoreError) {
        var fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd >= 0 {
            defer { close(fd) }
            // The umask can only narrow 0600; fchmod makes it exactly 0600 whatever it is.
            guard fchmod(fd, 0o600) == 0 else { throw failure("set the mode of", path) }
            return
        }
        guard errno == EEXIST else { throw failure("create", path) }
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ELOOP { throw KeyStoreError(.permissions, "key store \(path) is a symbolic link; give the file itself.") }
            throw failure("open", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("examine", path) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw KeyStoreError(.permissions, "key store \(path) is not a regular file.")
        }
        guard info.st_mode & 0o077 == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw KeyStoreError(.permissions, "key store \(path) can be read by other users (mode \(mode)); run chmod 600 \(path).")
        }
    }

    private static func failure(_ what: String, _ path: String) -> KeyStoreError {
        KeyStoreError(.storage, "cannot \(what) key store \(path): \(String(cString: strerror(errno))).")
    }
}
