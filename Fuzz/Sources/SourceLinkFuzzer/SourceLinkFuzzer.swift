import FuzzSupport
import Hashing
import SourceLink

/// The link between a lab's device and `diqkd source`, which nothing authenticates: whatever
/// arrives on it goes through ``SourceWire/Format/frameByteCount(header:)`` (cutting the stream)
/// and ``SourceWire/decode(_:)``.
///
/// The input is one whole frame as the transport would deliver it. Checked:
/// - the framing, given the first 16 bytes, and given the whole input as a header of the wrong
///   size, returns a length from 16 to 16 + the largest payload or throws a `DecodingError`;
/// - `decode` returns a frame or throws a `DecodingError` with a message; a frame it returns
///   came with a header the framing accepts, of exactly the input's length, and
///   `SourceWire.encode` gives back the input byte for byte;
/// - the other direction, for what the service and the device write: the input read as text
///   (invalid UTF-8 replaced) sent as an `error` frame, and the input's bits sent as a
///   `measure` batch, decode again to what was sent (the reason cut to at most 4096 bytes).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSourceLink(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)
    let header = SourceWire.headerByteCount
    let largest = header + 4 + SourceWire.maximumBatch / 8

    func framing(_ raw: UnsafeRawBufferPointer) -> Int? {
        do {
            let count = try SourceWire.Format().frameByteCount(header: raw)
            require(raw.count == header, "a header of \(raw.count) bytes accepted")
            require((header...largest).contains(count), "a frame length of \(count) bytes")
            return count
        } catch {
            require(error is SourceWire.DecodingError, "the framing threw \(type(of: error))")
            require(!"\(error)".isEmpty, "a framing error without a message")
            return nil
        }
    }
    _ = bytes.withUnsafeBytes { framing($0) }
    let announced = bytes.count >= header ? bytes.withUnsafeBytes { framing(UnsafeRawBufferPointer(rebasing: $0[..<header])) } : nil

    do throws(SourceWire.DecodingError) {
        let frame = try SourceWire.decode(bytes)
        require(announced == bytes.count, "a frame decoded whose header announces \(announced.map(String.init) ?? "no length")")
        let again = SourceWire.encode(frame)
        require(again == bytes, "\(frame) re-encoded to different bytes (\(again.count) from \(bytes.count))")
    } catch {
        require(!error.description.isEmpty, "a decoding error without a message")
    }

    // What an honest end writes must read back.
    let reason = String(decoding: bytes, as: UTF8.self)
    switch Result(catching: { () throws(SourceWire.DecodingError) in try SourceWire.decode(SourceWire.encode(.error(reason))) }) {
    case .success(.error(let back)):
        require(back.utf8.count <= 4096 && reason.utf8.starts(with: back.utf8), "an error frame read back as another reason")
        require(back.utf8.count == min(4096, reason.utf8.count) || reason.utf8.count > 4096,
                "a short reason cut to \(back.utf8.count) bytes")
    case .success(let other):
        require(false, "an error frame read back as \(other)")
    case .failure(let error):
        require(false, "an error frame of \(reason.utf8.count) bytes of reason does not decode: \(error)")
    }
    if !bytes.isEmpty {
        let count = min(bytes.count * 8, SourceWire.maximumBatch)
        var words = [UInt64](repeating: 0, count: (count + 63) / 64)
        for (i, byte) in bytes.enumerated() where i < (count + 7) / 8 { words[i / 8] |= UInt64(byte) << UInt64(8 * (i % 8)) }
        let bits = BitVector(words: words, count: count)
        let back = Result(catching: { () throws(SourceWire.DecodingError) in try SourceWire.decode(SourceWire.encode(.measure(bits))) })
        require((try? back.get()) == .measure(bits), "a measure batch of \(count) rounds does not read back")
    }
    return 0
}
