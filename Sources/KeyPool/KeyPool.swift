#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// One party's file of pre-shared key, from which authentication draws its hash keys and pads.
///
/// Both parties hold identical files (`createPair`) and consume them in the same order, so the
/// same positions yield the same bytes. The bytes before `position` are spent: `reserve` moves
/// the position forward durably *before* it returns any bytes and only then overwrites them
/// with zeros, so a crash at any moment can never hand out a byte twice (docs/authentication.md).
///
/// An open pool holds an exclusive `flock` on its file until it is closed or released, so two
/// processes (or two opens in one process) never draw from the same file at once.
/// Sizes and positions are in bytes; reports in bits multiply by 8.
public final class KeyPool {
    /// Reservations, refills and capacities are multiples of this many bytes (128 bits).
    public static let granule: UInt64 = 16
    /// The largest capacity: 2^37 bytes = 2^40 bits.
    public static let maximumByteCount: UInt64 = 1 << 37
    /// How far `reserve(bytes:at:)` may skip ahead of the position, in reservations of the
    /// requested size: a peer ahead by more than this many is treated as an error, not followed.
    public static let skipWindow: UInt64 = 16

    /// The file's path as given to `open`.
    public let path: String
    /// The pool ID: 16 random bytes shared by the two files of a pair.
    public let id: [UInt8]
    /// Bytes of key in the file.
    public private(set) var capacity: UInt64
    /// The first unused byte; every byte before it is spent.
    public private(set) var position: UInt64
    /// Unused bytes: `capacity - position`.
    public var remaining: UInt64 { capacity - position }
    /// The block number of the last refill (0: none), see ``refill(_:block:)``.
    public private(set) var lastRefillBlock: UInt64
    /// The chain of refills so far (``PoolState``).
    public private(set) var refillChain: UInt64

    /// What a node's hello says of this pool, so that the peer can tell a diverged pool.
    public var state: PoolState { PoolState(capacity: capacity, lastRefillBlock: lastRefillBlock, refillChain: refillChain) }

    private var file: PoolFile?

    /// Test seam: runs after the new position is on the disk and before the spent bytes are
    /// zeroed; throwing from it stands for a crash at that moment.
    var afterPositionRecorded: (() throws(KeyPoolError) -> Void)?

    private init(path: String, file: PoolFile, header: PoolHeader) {
        self.path = path
        self.file = file
        id = header.id
        capacity = header.capacity
        position = header.position
        lastRefillBlock = header.lastRefillBlock
        refillChain = header.refillChain
    }

    deinit { close() }

    /// Releases the lock and the file. Later operations throw `.io`.
    public func close() {
        if let file {
            _ = Glibc.close(file.fd)   // closing the descriptor releases the flock
            self.file = nil
        }
    }

    /// Opens a pool file read-write and locks it.
    /// - Throws: `.notFound`; `.inUse` when another open holds the lock; `.permissions` when
    ///   the group or others may read it (the message says `chmod 600`) or it is not a regular
    ///   file (a folder, a symbolic link); `.format` for a bad header or a file shorter than the header's capacity; `.io`.
    public static func open(path: String) throws(KeyPoolError) -> KeyPool {
        let fd = try openDescriptor(path, O_RDWR)
        let file = PoolFile(fd: fd, path: path)
        do throws(KeyPoolError) {
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                if errno == EWOULDBLOCK {
                    throw KeyPoolError(.inUse, path: path, "pool \(path) is in use by another process.")
                }
                throw file.error("lock")
            }
            return KeyPool(path: path, file: file, header: try checkedHeader(file))
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    /// A pool's status read without opening it for use: read-only and without its lock, so it
    /// works while a node holds the pool (``Status/inUse`` then says so). The header is
    /// checked as ``open(path:)`` checks it.
    /// - Throws: the errors of ``open(path:)`` but `.inUse`.
    public static func status(path: String) throws(KeyPoolError) -> Status {
        let fd = try openDescriptor(path, O_RDONLY)
        defer { _ = Glibc.close(fd) }
        let header = try checkedHeader(PoolFile(fd: fd, path: path))
        // A shared lock is refused while a node holds the exclusive one; taken, it is dropped
        // with the descriptor.
        let inUse = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
        return Status(path: path, id: hex(header.id), capacityBits: header.capacity * 8, positionBits: header.position * 8,
                      remainingBits: (header.capacity - header.position) * 8, inUse: inUse)
    }

    /// Opens `path` with `mode` (`O_RDWR` or `O_RDONLY`), refusing symbolic links.
    private static func openDescriptor(_ path: String, _ mode: Int32) throws(KeyPoolError) -> Int32 {
        let fd = Glibc.open(path, mode | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw KeyPoolError(.notFound, path: path, "pool \(path) does not exist.")
            case EISDIR: throw KeyPoolError(.permissions, path: path, "pool \(path) is a folder, not a pool file.")
            case ELOOP: throw KeyPoolError(.permissions, path: path, "pool \(path) is a symbolic link; give the pool file itself.")
            default: break
            }
            throw PoolFile(fd: -1, path: path).error("open")
        }
        return fd
    }

    /// The header of the pool open as `file`, after checking that it is a private regular file
    /// at least as long as the header says.
    private static func checkedHeader(_ file: PoolFile) throws(KeyPoolError) -> PoolHeader {
        let (fd, path) = (file.fd, file.path)
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw file.error("inspect") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw KeyPoolError(.permissions, path: path, "pool \(path) is not a regular file.")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw KeyPoolError(.permissions, path: path, "pool \(path) can be read by other users (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 \(path).")
        }
        let size = UInt64(info.st_size)
        let headerBytes = try size >= UInt64(PoolHeader.byteCount) ? file.read(count: PoolHeader.byteCount, at: 0) : []
        return try PoolHeader.decode(headerBytes, fileLength: size, path: path)
    }

    private func openFile() throws(KeyPoolError) -> PoolFile {
        guard let file else { throw KeyPoolError(.io, path: path, "pool \(path) is closed.") }
        return file
    }

    private func writeHeader(_ file: PoolFile) throws(KeyPoolError) {
        try file.write(PoolHeader(id: id, capacity: capacity, position: position, lastRefillBlock: lastRefillBlock,
                                   refillChain: refillChain).encoded(), at: 0)
        try file.sync()
    }

    /// Takes `bytes` bytes of key starting at `at` (or at the current position).
    ///
    /// Order, for crash safety: read the bytes; write the new position `at + bytes` into the
    /// header and flush it; then overwrite the consumed bytes, and any skipped ones, with zeros
    /// and flush again. Skipped bytes (from the old position to `at`) are burned, never used.
    /// - Parameters:
    ///   - bytes: a positive multiple of 16.
    ///   - at: where to start (a multiple of 16), from the current position up to
    ///     `position + skipWindow · bytes`; nil for the current position.
    /// - Throws: `.invalidArgument`; `.consumed` when `at` lies before the position;
    ///   `.window` when it lies too far ahead; `.exhausted` with the bytes needed and left;
    ///   `.io` (the position may then already have moved: the bytes count as spent).
    public func reserve(bytes: Int, at: UInt64? = nil) throws(KeyPoolError) -> Reservation {
        try reserve(bytes: bytes, at: at, window: Self.skipWindow)
    }

    /// Reads `bytes` unused bytes at `at` without consuming them: for checking a tag whose
    /// position the peer named before anything is spent (a check that fails consumes nothing;
    /// docs/authentication.md explains why that is safe).
    /// - Throws: `.invalidArgument`; `.consumed` before the position; `.exhausted` past the
    ///   capacity; `.io`.
    public func peek(bytes: Int, at: UInt64) throws(KeyPoolError) -> [UInt8] {
        let file = try openFile()
        guard bytes > 0, UInt64(bytes) % Self.granule == 0, UInt64(bytes) <= Self.maximumByteCount, at % Self.granule == 0 else {
            throw KeyPoolError(.invalidArgument, path: path, "a read of \(path) must be a positive multiple of \(Self.granule) bytes at a multiple of \(Self.granule) (got \(bytes) at \(at)).")
        }
        guard at >= position else {
            throw KeyPoolError(.consumed, path: path, "bytes \(at) to \(at + UInt64(bytes)) of pool \(path) are already consumed (position \(position)); key is never reused.")
        }
        guard at <= capacity, UInt64(bytes) <= capacity - at else {
            throw KeyPoolError(.exhausted, path: path, "pool \(path) has no \(bytes) bytes at position \(at) (capacity \(capacity)).")
        }
        return try file.read(count: bytes, at: UInt64(PoolHeader.byteCount) + at)
    }

    /// Like ``reserve(bytes:at:)``, skipping ahead by at most `window` reservations of this
    /// size (`nil`: any distance, for a position whose tag has been verified already).
    public func reserve(bytes: Int, at: UInt64?, window: UInt64?) throws(KeyPoolError) -> Reservation {
        let file = try openFile()
        guard bytes > 0, UInt64(bytes) % Self.granule == 0, UInt64(bytes) <= Self.maximumByteCount else {
            throw KeyPoolError(.invalidArgument, path: path, "a reservation from \(path) must be a positive multiple of \(Self.granule) bytes (got \(bytes)).")
        }
        let count = UInt64(bytes)
        let start = at ?? position
        guard start % Self.granule == 0 else {
            throw KeyPoolError(.invalidArgument, path: path, "a position in \(path) must be a multiple of \(Self.granule) bytes (got \(start)).")
        }
        guard start >= position else {
            throw KeyPoolError(.consumed, path: path, "bytes \(start) to \(start + count) of pool \(path) are already consumed (position \(position)); key is never reused.")
        }
        if let window, start - position > window * count {
            throw KeyPoolError(.window, path: path, "position \(start) is \(start - position) bytes ahead of pool \(path)'s position \(position), beyond the skip window of \(window) reservations (\(window * count) bytes).")
        }
        guard start <= capacity, count <= capacity - start else {
            let needed = start - position + count
            throw KeyPoolError(.exhausted, path: path, "pool \(path) needs \(needed) bytes (\(needed * 8) bits) but has \(remaining) bytes (\(remaining * 8) bits) left; refill it.")
        }
        let header = UInt64(PoolHeader.byteCount)
        let key = try file.read(count: bytes, at: header + start)
        let old = position
        position = start + count
        try writeHeader(file)
        try afterPositionRecorded?()
        try file.zero(count: position - old, at: header + old)
        try file.sync()
        return Reservation(position: start, bytes: key)
    }

    /// Appends key at the end of the pool, once per block: the bytes are written after the
    /// current capacity and flushed, then the header's capacity grows and `block` becomes its
    /// ``lastRefillBlock``, flushed in one header write. A crash before that header write
    /// leaves the appended bytes outside the pool, to be overwritten by the next refill; a
    /// crash after it leaves the refill recorded, so that doing it again is a no-op.
    ///
    /// Every delivered block is recorded, with no bytes when it refills nothing, so that the
    /// refill chain (``PoolState``) tells apart two pools that delivered different blocks even
    /// when no key flows back into them.
    /// - Parameters:
    ///   - bytes: a multiple of 16 bytes (none: the block is recorded only), the same on both
    ///     sides of the pair.
    ///   - block: the block the bytes come from, ≥ 1; blocks refill in increasing order.
    ///   - session: the public session ID of the run that made the key, for the refill chain.
    /// - Returns: false, changing nothing, when a refill from `block` (or a later block) is
    ///   recorded already.
    /// - Throws: `.invalidArgument` (size, block 0, or beyond `maximumByteCount`), `.io`.
    @discardableResult
    public func refill(_ bytes: [UInt8], block: UInt64, session: [UInt8] = []) throws(KeyPoolError) -> Bool {
        let file = try openFile()
        let count = UInt64(bytes.count)
        guard count % Self.granule == 0 else {
            throw KeyPoolError(.invalidArgument, path: path, "a refill of \(path) must be a multiple of \(Self.granule) bytes (got \(count)).")
        }
        guard block >= 1 else { throw KeyPoolError(.invalidArgument, path: path, "a refill of \(path) names block 0; blocks count from 1.") }
        guard block > lastRefillBlock else { return false }
        guard count <= Self.maximumByteCount - capacity else {
            throw KeyPoolError(.invalidArgument, path: path, "pool \(path) would exceed \(Self.maximumByteCount) bytes.")
        }
        if count > 0 {
            try file.write(bytes, at: UInt64(PoolHeader.byteCount) + capacity)
            try file.sync()
        }
        let next = state.refilled(block: block, session: session, bytes: count)
        capacity = next.capacity
        lastRefillBlock = next.lastRefillBlock
        refillChain = next.refillChain
        try writeHeader(file)
        return true
    }
}
