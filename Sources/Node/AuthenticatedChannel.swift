import Authentication
import Foundation
import KeyPool
import Protocol
import Transport
import Wire

/// The public channel of one run between two nodes, authenticated with Wegman–Carter tags
/// (SECURITY-MATH §7, docs/authentication.md): every frame carries the run's session ID, its
/// direction, its sequence number and the pool position of the run's keys, all under the tag.
///
/// A frame is trusted only after (1) its header decodes within the configuration's limits,
/// (2) its session, direction, sequence number and pool position are the ones expected next —
/// which rejects drops, duplicates, reordering, reflection and replays of other sessions — and
/// (3) its tag verifies with the one-time pad of that (direction, sequence). Only then is the
/// payload decoded. The pool bytes behind a tag are recorded as consumed before the first tag
/// is sent or checked (``KeyPool/reserve(bytes:at:)``).
public struct AuthenticatedChannel {
    /// Seconds to wait for a frame (the peer's longest computation must fit).
    let timeout: Double
    let connection: FrameConnection
    let role: Party
    public private(set) var session: SessionID
    /// Byte offset of the run's reservation in the pool.
    public private(set) var position: UInt64
    private var keys: AuthenticationKeys?
    private var limits: WireLimits
    private var sent: UInt32 = 0
    private var received: UInt32 = 0
    /// Pool bytes this run consumed: its reservation and any bytes skipped to reach it.
    public private(set) var consumedBytes: UInt64 = 0
    /// Summed forgery probability of the frames sent and received.
    public private(set) var epsilonAuthentication = 0.0
    /// Payload bits of every message sent and received (the transcript's size).
    public private(set) var publicBits = 0
    /// Bytes on the wire, both directions.
    public private(set) var wireBytes = 0

    var ownDirection: Direction { Direction(from: role) }
    var peerDirection: Direction { role == .alice ? .bobToAlice : .aliceToBob }
    var peerName: String { role == .alice ? "Bob" : "Alice" }

    init(connection: FrameConnection, role: Party, timeout: Double) {
        self.connection = connection
        self.role = role
        self.timeout = timeout
        session = SessionID(bytes: [UInt8](repeating: 0, count: 16))
        position = 0
        limits = .hello
    }

    /// Opens the run from the side that connected: reserves the run's keys at the pool's
    /// position, sends a hello and checks the peer's.
    /// - Returns: the peer's hello.
    mutating func open(pool: KeyPool, hello: Hello) throws(NodeFailure) -> Hello {
        var generator = SystemRandomNumberGenerator()
        session = SessionID.random(using: &generator)
        try reserve(pool: pool, at: nil, window: nil)
        try sendHello(hello)
        let frame = try receiveFrame(expecting: "the peer's hello")
        let header = try self.header(of: frame, what: "the peer's hello")
        guard header.direction == peerDirection, header.sequence == 0, header.session == session else {
            throw NodeFailure("the first frame from \(peerName) does not answer this session's hello (type \(header.type), sequence \(header.sequence))")
        }
        if header.type == .abort, header.poolPosition > position * 8 {
            try followNotice(frame, header: header, pool: pool)
        }
        if header.type == .abort, header.poolPosition == position * 8, frame.suffix(FrameHeader.tagByteCount).allSatisfy({ $0 == 0 }) {
            // The listener refused the hello before spending anything (a configuration that
            // differs, a tag that failed): it could not authenticate its words.
            let reason = Self.abortReason(frame) ?? "no reason given"
            throw NodeFailure("\(peerName) refused this node's hello: \(reason) (an unauthenticated notice)")
        }
        guard header.poolPosition == position * 8 else {
            throw NodeFailure("\(peerName)'s answer names pool bit \(header.poolPosition), not this run's \(position * 8)")
        }
        let reason: String? = header.type != .abort ? nil : Self.abortReason(frame)
        try authenticate(frame, header: header, what: header.type == .hello ? "the peer's hello" : "\(peerName)'s answer")
        if let reason {
            // The peer refused this node's hello; its reason is authenticated.
            throw NodeFailure("\(peerName) ended the run: \(reason)")
        }
        guard header.type == .hello else { throw NodeFailure("the first frame from \(peerName) is \(header.type), not a hello") }
        return try helloPayload(frame, header: header)
    }

    private static func abortReason(_ frame: [UInt8]) -> String? {
        if case .message(.abort(let reason)) = try? frame.withUnsafeBytes({ raw throws(WireError) in
            try WireCodec.decodeFrame(raw, limits: .hello).payload
        }) { return reason }
        return nil
    }

    /// A listening node whose pool is ahead of this one's answers with a ``PoolNotice`` of its
    /// position. This node checks its tag by peeking at the same bytes: a
    /// forged or altered notice fails and costs nothing beyond this run's own reservation; an
    /// authentic one is followed — the bytes up to and including that reservation are burned,
    /// since its notice pad has been used — and the run ends; the next one starts in step.
    /// Following one is a security event to the caller (a pool behind its peer means a lost
    /// reservation, roles swapped after a lost hello, or a copy of this pool used elsewhere).
    private mutating func followNotice(_ frame: [UInt8], header: FrameHeader, pool: KeyPool) throws(NodeFailure) -> Never {
        let target = header.poolPosition / 8
        guard header.poolPosition % (8 * KeyPool.granule) == 0 else {
            throw NodeFailure("\(peerName)'s notice names pool bit \(header.poolPosition), not a reservation boundary; ignored")
        }
        let authentic: Bool
        do {
            authentic = try PoolNotice.verify(frame.suffix(FrameHeader.tagByteCount), pool: pool, position: target,
                                              direction: peerDirection.rawValue)
        } catch {
            throw NodeFailure("\(peerName)'s notice names pool bit \(header.poolPosition), which this pool cannot check "
                              + "(\(error)); ignored, nothing skipped")
        }
        epsilonAuthentication += PolynomialHash.forgeryBound(byteCount: PoolNotice.bytes(position: target).count)
        guard authentic else {
            throw NodeFailure("a notice that \(peerName)'s pool is at bit \(header.poolPosition) failed authentication: forged or "
                              + "altered; ignored, nothing skipped")
        }
        do {
            let burn = try pool.reserve(bytes: AuthenticationKeys.byteCount, at: target, window: nil)
            burn.wipe()
        } catch {
            throw NodeFailure("\(peerName) says (authenticated) its pool is at bit \(header.poolPosition), ahead of this node's; "
                              + "it cannot be followed: \(error.description)", securityEvent: .poolSkipped)
        }
        throw NodeFailure("the key pools were out of step: \(peerName) says (authenticated) its pool is at bit \(header.poolPosition), "
                          + "ahead of this node's; this node skipped past it, so the next run starts in step", securityEvent: .poolSkipped)
    }

    /// Answers a run opened by the peer: reads its hello, checks its tag against the pool bytes
    /// at the position it names — consuming nothing if the check fails — then reserves those
    /// bytes (skipping ahead to them if the peer is ahead) and answers with this node's hello.
    /// - Parameters:
    ///   - helloTimeout: seconds to wait for the hello (an honest peer sends it at once).
    ///   - check: decides on the authentic hello before any pool byte is spent here: a reason
    ///     to refuse it goes to the peer in an unauthenticated notice, and nothing is reserved.
    /// - Returns: the peer's hello.
    mutating func accept(pool: KeyPool, hello: Hello, helloTimeout: Double,
                         check: (Hello) -> NodeFailure? = { _ in nil }) throws(NodeFailure) -> Hello {
        let frame = try receiveFrame(expecting: "the peer's hello", timeout: helloTimeout)
        let header = try self.header(of: frame, what: "the peer's hello")
        guard header.type == .hello, header.direction == peerDirection, header.sequence == 0 else {
            throw NodeFailure("the first frame from \(peerName) is not a hello (type \(header.type), sequence \(header.sequence))")
        }
        session = header.session
        guard header.poolPosition % (8 * KeyPool.granule) == 0 else {
            throw NodeFailure("\(peerName)'s hello names pool bit \(header.poolPosition), not a reservation boundary")
        }
        let peerPosition = header.poolPosition / 8
        if peerPosition < pool.position {
            // The peer is behind: those bytes are spent here. Tell it this pool's position,
            // under the notice pad at that position (``PoolNotice``), spending nothing; a pool
            // with no whole reservation left there sends a zero tag, which the peer ignores.
            sendNotice("this node's pool is at bit \(pool.position * 8)", position: pool.position,
                       tag: PoolNotice.tag(pool, position: pool.position, direction: ownDirection.rawValue))
            throw NodeFailure("the key pools were out of step: \(peerName)'s hello uses pool bit \(header.poolPosition), already "
                              + "consumed here (this node is at bit \(pool.position * 8)); this node told the peer its position, so "
                              + "the next run starts in step")
        }
        let peek: [UInt8]
        do { peek = try pool.peek(bytes: AuthenticationKeys.byteCount, at: peerPosition) } catch {
            throw NodeFailure("\(peerName)'s hello names pool bit \(header.poolPosition): \(error.description)")
        }
        do { keys = try AuthenticationKeys(reservation: peek) } catch { throw NodeFailure("key pool: \(error)") }
        do { try authenticate(frame, header: header, what: "the peer's hello") } catch {
            // Nothing was spent, so nothing may be sent under these keys: the peer hears why
            // in an unauthenticated notice.
            keys = nil
            sendNotice(error.description, position: peerPosition)
            throw error
        }
        let peer = try helloPayload(frame, header: header)
        if let refusal = check(peer) {
            keys = nil
            sendNotice(refusal.description, position: peerPosition)
            throw refusal
        }
        // Authentic and acceptable: now spend the bytes, skipping to the peer's position however far it is.
        try reserve(pool: pool, at: peerPosition, window: nil)
        received = 1
        try sendHello(hello)
        return peer
    }

    /// Sends an `abort` at pool byte `position` without spending key: with a zero tag (nil), a
    /// refusal the peer may read but must not trust; or with a ``PoolNotice`` tag.
    private func sendNotice(_ reason: String, position: UInt64, tag: [UInt8]? = nil) {
        var notice = WireCodec.frame(.message(.abort(reason: String(reason.utf8.prefix(WireCodec.maximumReasonBytes)) ?? reason)),
                                     direction: ownDirection, session: session, poolPosition: position * 8, sequence: 0)
        notice.replaceSubrange((notice.count - FrameHeader.tagByteCount)..., with: tag ?? [UInt8](repeating: 0, count: FrameHeader.tagByteCount))
        try? connection.send(notice)
    }

    /// Takes the run's keys from the pool (recorded as consumed before any use).
    private mutating func reserve(pool: KeyPool, at: UInt64?, window: UInt64?) throws(NodeFailure) {
        let before = pool.position
        let reservation: Reservation
        do {
            reservation = try pool.reserve(bytes: AuthenticationKeys.byteCount, at: at, window: window)
        } catch {
            throw NodeFailure("key pool: \(error.description)")
        }
        consumedBytes += pool.position - before
        position = reservation.position
        do {
            keys = try AuthenticationKeys(reservation: reservation.bytes)
        } catch {
            throw NodeFailure("key pool: \(error)")
        }
        reservation.wipe()
        sent = 0
        received = 0
    }

    private mutating func sendHello(_ hello: Hello) throws(NodeFailure) {
        try send(.hello(hello))
    }

    /// Fixes the limits of every later frame once the configuration is agreed.
    mutating func agree(on configuration: ProtocolConfiguration) {
        limits = WireLimits(configuration: configuration)
    }

    /// Whether the peer's hello passed authentication (a failure before it is an
    /// unauthenticated connection, not a run).
    var peerAuthenticated: Bool { received > 0 }

    /// Sends one message or hello, tagged with the next one-time pad of this direction.
    mutating func send(_ payload: FramePayload) throws(NodeFailure) {
        guard let keys else { throw NodeFailure("internal: no keys reserved before sending") }
        guard sent < PoolNotice.sequence else {
            throw NodeFailure("the run needs more than \(PoolNotice.sequence) frames from \(role.rawValue), its authentication budget")
        }
        var frame = WireCodec.frame(payload, direction: ownDirection, session: session, poolPosition: position * 8, sequence: sent)
        let body = frame.count - FrameHeader.tagByteCount
        let tag: [UInt8]
        do {
            tag = try frame.withUnsafeBytes { raw throws(AuthenticationError) in
                try keys.tag(UnsafeRawBufferPointer(rebasing: raw[..<body]), direction: ownDirection.rawValue, sequence: sent)
            }
        } catch {
            throw NodeFailure("authentication: \(error)")
        }
        frame.replaceSubrange(body..., with: tag)
        epsilonAuthentication += PolynomialHash.forgeryBound(byteCount: body)
        if case .message(let message) = payload { publicBits += message.payloadBits }
        wireBytes += frame.count
        sent += 1
        do { try connection.send(frame) } catch {
            throw NodeFailure("sending \(payload.type) (frame \(sent - 1) to \(peerName)): \(error.description)")
        }
    }

    /// The next protocol message from the peer, after every check of the type comment.
    mutating func receive(expecting what: String) throws(NodeFailure) -> Message {
        let payload = try receivePayload(expecting: what)
        guard case .message(let message) = payload else {
            throw NodeFailure("\(peerName) sent \(payload.type) while \(what) was due")
        }
        return message
    }

    /// The next payload from the peer (a protocol message or a key confirmation), after every
    /// check of the type comment.
    mutating func receivePayload(expecting what: String) throws(NodeFailure) -> FramePayload {
        let frame = try receiveFrame(expecting: what)
        let header = try self.header(of: frame, what: "frame \(received) from \(peerName)")
        let name = "frame \(received) from \(peerName) (\(header.type))"
        guard header.session == session else {
            throw NodeFailure("\(name) belongs to another session (\(header.session)), not this run's \(session): replayed or altered")
        }
        guard header.direction == peerDirection else {
            throw NodeFailure("\(name) travels in this node's own direction: a reflection")
        }
        guard header.sequence == received else {
            throw NodeFailure("\(peerName)'s frame has sequence number \(header.sequence) where \(received) was due: "
                              + "a frame was dropped, duplicated or reordered")
        }
        guard header.poolPosition == position * 8 else {
            throw NodeFailure("\(name) names pool bit \(header.poolPosition), not this run's \(position * 8): altered")
        }
        try authenticate(frame, header: header, what: name)
        let payload: FramePayload
        do {
            payload = try frame.withUnsafeBytes { raw throws(WireError) in try WireCodec.decodeFrame(raw, limits: limits).payload }
        } catch {
            throw NodeFailure("\(name) passed authentication but does not decode: \(error)")
        }
        switch payload {
        case .hello:
            throw NodeFailure("\(name): a second hello within a run")
        case .message(.abort(let reason)):
            // Authenticated: the peer's own words, marked as the peer's.
            return .message(.abort(reason: "\(peerName) ended the run: \(reason)"))
        case .message(let message):
            publicBits += message.payloadBits
            return payload
        case .keyConfirmed, .keyAcknowledged:
            return payload
        }
    }

    private mutating func receiveFrame(expecting what: String, timeout: Double? = nil) throws(NodeFailure) -> [UInt8] {
        do {
            let frame = try connection.receive(timeout: timeout ?? self.timeout)
            wireBytes += frame.count
            return frame
        } catch {
            throw NodeFailure("waiting for \(what): \(error.description)")
        }
    }

    private func header(of frame: [UInt8], what: String) throws(NodeFailure) -> FrameHeader {
        do {
            return try frame.withUnsafeBytes { raw throws(WireError) in
                try FrameHeader.decode(UnsafeRawBufferPointer(rebasing: raw[..<FrameHeader.byteCount]), limits: limits)
            }
        } catch {
            throw NodeFailure("\(what): \(error)")
        }
    }

    /// Checks the tag of a frame (all bytes before it) with the pad of its direction and
    /// sequence number; counts its forgery probability.
    private mutating func authenticate(_ frame: [UInt8], header: FrameHeader, what: String) throws(NodeFailure) {
        guard let keys else { throw NodeFailure("internal: no keys reserved before checking a tag") }
        guard header.sequence < PoolNotice.sequence else {
            throw NodeFailure("\(what): sequence number \(header.sequence) beyond the run's authentication budget")
        }
        let body = frame.count - FrameHeader.tagByteCount
        let valid = frame.withUnsafeBytes { raw in
            keys.verify(UnsafeRawBufferPointer(rebasing: raw[..<body]), tag: UnsafeRawBufferPointer(rebasing: raw[body...]),
                        direction: header.direction.rawValue, sequence: header.sequence)
        }
        epsilonAuthentication += PolynomialHash.forgeryBound(byteCount: body)
        guard valid else {
            let hint = header.type == .hello && header.sequence == 0 ? ": the nodes hold different key pools, or the frame was altered" : ": the frame was altered or forged"
            throw NodeFailure("authentication failed on \(what)\(hint)")
        }
        received += 1
    }

    private func helloPayload(_ frame: [UInt8], header: FrameHeader) throws(NodeFailure) -> Hello {
        do {
            let payload = try frame.withUnsafeBytes { raw throws(WireError) in try WireCodec.decodeFrame(raw, limits: .hello).payload }
            guard case .hello(let hello) = payload else { throw NodeFailure("the peer's first frame is not a hello") }
            return hello
        } catch let error as WireError {
            throw NodeFailure("the peer's hello passed authentication but does not decode: \(error.description)")
        } catch let error as NodeFailure {
            throw error
        } catch {
            throw NodeFailure("\(error)")
        }
    }

    /// Sends an authenticated abort, if the connection still works, so the peer stops with
    /// this node's reason rather than a timeout.
    mutating func abort(_ reason: String) {
        guard keys != nil, sent < PoolNotice.sequence else { return }
        try? send(.message(.abort(reason: reason)))
    }

    func close() { connection.close() }
}
