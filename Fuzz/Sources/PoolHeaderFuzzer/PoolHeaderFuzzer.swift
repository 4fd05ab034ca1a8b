import FuzzSupport
@_spi(Fuzzing) import KeyPool

/// The 64-byte header of a key pool file, through ``PoolHeader/decode(_:fileLength:path:)``
/// (what `KeyPool.open` decides once it has read the header and the file's size).
///
/// The input is the file's length as a little-endian u64 (padded with zeros when the input is
/// shorter), then the header's bytes: any number of them, though only 64 can be a header.
/// A header that decodes must describe a pool that fits the file (position ≤ capacity ≤ file
/// length − 64, multiples of 16, at most 2^37 bytes) and encode back to exactly the input —
/// but for a version-1 or -2 header, which is read and written back as version 3; one that does not
/// decode must be a `.format` error naming the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPoolHeader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput.bytes(data, size)
    if input.count < 8 { input += [UInt8](repeating: 0, count: 8 - input.count) }
    let fileLength = (0..<8).reduce(UInt64(0)) { $0 | UInt64(input[$1]) << (8 * UInt64($1)) }
    let bytes = Array(input[8...])
    let path = "fuzz.pool"
    do throws(KeyPoolError) {
        let header = try PoolHeader.decode(bytes, fileLength: fileLength, path: path)
        require(bytes.count == PoolHeader.byteCount, "a header of \(bytes.count) bytes accepted")
        require(header.id.count == 16, "a pool ID of \(header.id.count) bytes")
        require(header.position <= header.capacity && header.capacity <= KeyPool.maximumByteCount,
                "position \(header.position), capacity \(header.capacity) accepted")
        require(header.position % KeyPool.granule == 0 && header.capacity % KeyPool.granule == 0,
                "position \(header.position), capacity \(header.capacity) not in granules accepted")
        require(fileLength >= UInt64(PoolHeader.byteCount) && fileLength - UInt64(PoolHeader.byteCount) >= header.capacity,
                "capacity \(header.capacity) accepted in a file of \(fileLength) bytes")
        var expected = bytes
        if expected[8] == 1 || expected[8] == 2 { expected[8] = 3 }
        require(header.encoded() == expected, "the header encodes to different bytes")
    } catch {
        require(error.code == .format, "a bad header reported as \(error.code)")
        require(error.path == path && error.message.contains(path), "an error not naming the file: \(error.message)")
    }
    return 0
}
