#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

extension KeyPool {
    /// Creates the two files of a new pool with identical content: a header with a fresh random
    /// pool ID, position 0, and `bytes` bytes of key from the system's cryptographic generator
    /// (getrandom on Linux).
    ///
    /// Both files are created exclusively (`O_EXCL`, never following a symbolic link) with mode
    /// 0600 from the start, written a megabyte at a time, flushed, and their folders flushed.
    /// On any failure neither file is left behind.
    /// - Parameters:
    ///   - alice: path of Alice's copy; must not exist.
    ///   - bob: path of Bob's copy; must not exist and differ from `alice`.
    ///   - bytes: capacity, a positive multiple of 16 up to `maximumByteCount`.
    /// - Returns: the pool ID (16 bytes).
    /// - Throws: `.invalidArgument`, `.exists` naming the file that exists, `.io`.
    @discardableResult
    public static func createPair(alice: String, bob: String, bytes: Int) throws(KeyPoolError) -> [UInt8] {
        guard bytes > 0, UInt64(bytes) % granule == 0, UInt64(bytes) <= maximumByteCount else {
            throw KeyPoolError(.invalidArgument, path: alice, "a pool must hold a positive multiple of \(granule) bytes up to \(maximumByteCount) (got \(bytes)).")
        }
        guard alice != bob else {
            throw KeyPoolError(.invalidArgument, path: bob, "Alice's and Bob's pools must be different files (both \(bob)).")
        }
        var id = [UInt8](repeating: 0, count: 16)
        id.withUnsafeMutableBytes { fillRandom($0) }
        let header = PoolHeader(id: id, capacity: UInt64(bytes), position: 0).encoded()

        var created: [PoolFile] = []
        func discard() {
            for file in created {
                _ = Glibc.close(file.fd)
                unlink(file.path)
            }
        }
        do throws(KeyPoolError) {
            for path in [alice, bob] {
                let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                guard fd >= 0 else {
                    if errno == EEXIST { throw KeyPoolError(.exists, path: path, "\(path) already exists; a pool is never overwritten.") }
                    if errno == ENOENT || errno == ENOTDIR {
                        throw KeyPoolError(.notFound, path: path, "cannot create \(path): its folder does not exist.")
                    }
                    if errno == EACCES || errno == EROFS {
                        throw KeyPoolError(.permissions, path: path, "cannot create \(path): the folder is not writable.")
                    }
                    throw PoolFile(fd: -1, path: path).error("create")
                }
                let file = PoolFile(fd: fd, path: path)
                created.append(file)
                // The umask can only narrow 0600; fchmod makes it exactly 0600 whatever it is.
                guard fchmod(fd, 0o600) == 0 else { throw file.error("set the mode of") }
                try file.write(header, at: 0)
            }
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: min(bytes, 1 << 20), alignment: 16)
            defer {
                for i in 0..<chunk.count { chunk[i] = 0 }
                chunk.deallocate()
            }
            var offset = 0
            while offset < bytes {
                let part = UnsafeMutableRawBufferPointer(rebasing: chunk[0..<min(chunk.count, bytes - offset)])
                fillRandom(part)
                for file in created { try file.write(UnsafeRawBufferPointer(part), at: UInt64(PoolHeader.byteCount + offset)) }
                offset += part.count
            }
            for file in created { try file.sync() }
        } catch {
            discard()
            throw error
        }
        for file in created {
            _ = Glibc.close(file.fd)
            PoolFile.syncFolder(of: file.path)
        }
        return id
    }
}
