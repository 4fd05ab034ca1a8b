import Foundation

/// Frames received by the event loop, waiting for the synchronous reader; closed with the
/// error that ended the connection.
final class FrameQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var frames: [[UInt8]] = []
    private var head = 0
    private var ending: TransportError?

    func push(_ frame: [UInt8]) {
        condition.lock()
        if ending == nil { frames.append(frame) }
        condition.signal()
        condition.unlock()
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

func formattedSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.3g s", seconds)
}
