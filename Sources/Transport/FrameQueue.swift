import Foundation

/// Frames received by the event loop, waiting for the synchronous reader; closed with the
/// error that ended the connection.
final class FrameQueue: @unchecked Sendable {
    /// Frames a peer may send ahead of the reader. The protocol is a conversation: an honest
    /// peer has at most a few frames in flight, so a flood is an error, not a buffer to grow.
    static let queuedFrames = 16

    private let condition = NSCondition()
    private var frames: [[UInt8]] = []
    private var head = 0
    private var queuedBytes = 0
    private var ending: TransportError?
    /// The most bytes queued at once.
    let maximumBytes: Int
    /// Called once, on the event loop, when the first frame has been queued.
    private var onFirstFrame: (() -> Void)?

    init(maximumBytes: Int, onFirstFrame: (() -> Void)? = nil) {
        self.maximumBytes = maximumBytes
        self.onFirstFrame = onFirstFrame
    }

    /// Queues a frame; `false` when the peer has sent more than the reader may hold.
    func push(_ frame: [UInt8]) -> Bool {
        condition.lock()
        let waiting = frames.count - head
        guard waiting < Self.queuedFrames, queuedBytes + frame.count <= maximumBytes else {
            if ending == nil {
                ending = TransportError(.malformed, "the peer sent \(waiting + 1) frames (\(queuedBytes + frame.count) bytes) without waiting for an answer")
            }
            condition.broadcast()
            condition.unlock()
            return false
        }
        var first: (() -> Void)?
        if ending == nil {
            frames.append(frame)
            queuedBytes += frame.count
            swap(&first, &onFirstFrame)
        }
        condition.signal()
        condition.unlock()
        // Outside the lock: the callback hands the connection to another queue.
        first?()
        return true
    }

    /// Ends the queue: frames already queued are still delivered, then `error`.
    func close(_ error: TransportError) {
        condition.lock()
        if ending == nil { ending = error }
        condition.broadcast()
        condition.unlock()
    }

    /// The next frame, waiting at most `timeout` seconds.
    func pop(timeout: Double) throws(TransportError) -> [UInt8] {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while head == frames.count && ending == nil {
            guard condition.wait(until: deadline) else {
                if head < frames.count || ending != nil { break }
                throw TransportError(.timeout, "no frame arrived within \(formattedSeconds(timeout))")
            }
        }
        if head < frames.count {
            let frame = frames[head]
            frames[head] = []
            queuedBytes -= frame.count
            head += 1
            if head > 64 && head * 2 > frames.count {
                frames.removeFirst(head)
                head = 0
            }
            return frame
        }
        throw ending!
    }
}

/// Seconds for messages: "5 s", "0.25 s".
public func formattedSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.3g s", seconds)
}
