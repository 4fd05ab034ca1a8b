import FuzzSupport
import Hashing

/// `diqkd amplify`'s inputs through ``PrivacyAmplification/hash(key:inputBits:outputBits:family:seed:)``.
///
/// The input is framed as: one flags byte (bit 0: `--input-bits` given, bit 1: family
/// `matrix`, bit 2: an unknown family name), `--input-bits` and `--output-bits` as
/// little-endian 32-bit signed integers, the key's length as a little-endian 16-bit integer,
/// then the key and, in the rest, the seed. Short inputs are padded with zeros.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAmplify(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var bytes = FuzzInput.bytes(data, size)
    let header = 11
    if bytes.count < header { bytes += [UInt8](repeating: 0, count: header - bytes.count) }
    func int32(at offset: Int) -> Int {
        Int(Int32(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }))
    }
    let flags = bytes[0]
    let inputBits = flags & 1 != 0 ? int32(at: 1) : nil
    let outputBits = int32(at: 5)
    let family = flags & 4 != 0 ? "circulant" : flags & 2 != 0 ? "matrix" : "toeplitz"
    let keyLength = min(Int(bytes[9]) | Int(bytes[10]) << 8, bytes.count - header)
    let key = Array(bytes[header..<header + keyLength])
    let seed = Array(bytes[(header + keyLength)...])
    do {
        let output = try PrivacyAmplification.hash(key: key, inputBits: inputBits, outputBits: outputBits,
                                                   family: family, seed: seed)
        require(output.count == (outputBits + 7) / 8, "\(output.count) output bytes for \(outputBits) bits")
        if outputBits % 8 != 0 { require(output.last! & (0xFF >> UInt8(outputBits % 8)) == 0, "output padding set") }
    } catch {
        require(!error.description.isEmpty, "an error without a message")
    }
    return 0
}
