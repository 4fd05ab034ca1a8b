/// Whole frames: header, payload and an empty tag slot.
extension WireCodec {
    /// A frame for `payload`: its header, its payload and ``FrameHeader/tagByteCount`` zero
    /// bytes where the Authentication module writes the tag (over every byte before it).
    public static func frame(_ payload: FramePayload, direction: Direction, session: SessionID, poolPosition: UInt64,
                             sequence: UInt32) -> [UInt8] {
        let body = encode(payload)
        let header = FrameHeader(direction: direction, type: payload.type, session: session, poolPosition: poolPosition,
                                 sequence: sequence, payloadLength: body.count)
        return header.encoded() + body + [UInt8](repeating: 0, count: FrameHeader.tagByteCount)
    }

    /// Reads a whole frame; the tag's 16 bytes are skipped, not checked (that is the
    /// Authentication module's job, done before this is called).
    /// - Parameter bytes: exactly one frame: header, payload and tag.
    /// - Throws: ``WireError`` from the header or the payload; ``WireError/Code/truncated`` or
    ///   ``WireError/Code/trailingBytes`` when `bytes` is not exactly the length the header gives.
    public static func decodeFrame(_ bytes: UnsafeRawBufferPointer,
                                   limits: WireLimits) throws(WireError) -> (header: FrameHeader, payload: FramePayload) {
        guard bytes.count >= FrameHeader.byteCount else {
            throw WireError(.truncated, "frame: \(bytes.count) bytes, shorter than the \(FrameHeader.byteCount)-byte header")
        }
        let header = try FrameHeader.decode(UnsafeRawBufferPointer(rebasing: bytes[..<FrameHeader.byteCount]), limits: limits)
        let expected = header.frameByteCount
        guard bytes.count >= expected else {
            throw WireError(.truncated, "frame: \(bytes.count) bytes, the header announces \(expected)")
        }
        guard bytes.count == expected else {
            throw WireError(.trailingBytes, "frame: \(bytes.count) bytes, the header announces \(expected)")
        }
        let payloadBytes = UnsafeRawBufferPointer(rebasing: bytes[FrameHeader.byteCount..<(FrameHeader.byteCount + header.payloadLength)])
        return (header, try decode(type: header.type, payload: payloadBytes, limits: limits))
    }
}
