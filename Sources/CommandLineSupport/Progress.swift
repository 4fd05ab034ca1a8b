import Foundation
import Protocol

/// Progress on stderr: a live bar on a terminal, an occasional line otherwise.
package final class ProgressReporter: @unchecked Sendable {
    package init() {}

    private let lock = NSLock()
    private let interactive = isatty(STDERR_FILENO) != 0
    private var lastStage = ""
    private var lastPrinted = Date.distantPast
    private var lastFraction = -1.0
    private let started = Date()

    package var handler: ProgressHandler {
        { [self] stage, fraction in self.update(stage: stage, fraction: fraction) }
    }

    private func update(stage: String, fraction raw: Double) {
        let fraction = raw.isFinite ? min(1, max(0, raw)) : 0
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let elapsed = String(format: "%6.1fs", now.timeIntervalSince(started))
        if interactive {
            guard stage != lastStage || now.timeIntervalSince(lastPrinted) > 0.1 || fraction >= 1 else { return }
            let width = 30, filled = Int((fraction * Double(width)).rounded(.down))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            write("\r\(elapsed) \(stage.padding(toLength: 15, withPad: " ", startingAt: 0)) [\(bar)] \(Int(fraction * 100))%")
        } else {
            let finished = fraction >= 1 && (stage != lastStage || lastFraction < 1)
            guard stage != lastStage || finished || (now.timeIntervalSince(lastPrinted) > 2 && fraction - lastFraction > 0.05) else {
                return
            }

            write("\(elapsed) \(stage) \(Int(fraction * 100))%\n")
            lastFraction = fraction
        }
        lastStage = stage
        lastPrinted = now
    }

    package func finish() {
        if interactive && !lastStage.isEmpty { write("\r\u{1B}[K") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
