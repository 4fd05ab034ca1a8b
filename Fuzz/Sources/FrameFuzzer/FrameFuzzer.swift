import FuzzSupport
import Protocol
import Wire

/// The limits of a small run (20,000 rounds, 1,024-bit frames): vectors up to about 44,000
/// bits, up to 20 frames, so inputs of libFuzzer's 4 KiB can reach every limit.
let limits = WireLimits(configuration: ProtocolConfiguration(rounds: 20_000, frameBits: 1024))

/// One whole frame through ``WireCodec/decodeFrame(_:limits:)``: the input is the frame's bytes
/// (header, payload, tag). A frame that decodes must encode again to exactly the same bytes
/// (the tag slot aside, which the encoder leaves zero); one that does not must say why.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrame(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)
    var decoded: Result<(header: FrameHeader, payload: FramePayload), WireError>!
    bytes.withUnsafeBytes { raw in
        decoded = Result { () throws(WireError) in try WireCodec.decodeFrame(raw, limits: limits) }
    }
    switch decoded! {
    case .success(let (header, payload)):
        require(payload.type == header.type, "payload \(payload.type) in a frame of type \(header.type)")
        let again = WireCodec.frame(payload, direction: header.direction, session: header.session,
                                    poolPosition: header.poolPosition, sequence: header.sequence)
        let body = FrameHeader.byteCount + header.payloadLength
        require(again.count == bytes.count, "re-encoded to \(again.count) bytes from \(bytes.count)")
        require(again[..<body] == bytes[..<body], "re-encoded to different bytes")
    case .failure(let error):
        require(!error.description.isEmpty, "an error without a message")
    }
    return 0
}
