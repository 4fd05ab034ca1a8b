/// Wall time per protocol stage, and the progress lines that go with it: a stage is reported
/// at 0% when its first piece of work starts and at 100% when the next stage begins (or the
/// run ends), so progress lines always end at 100%.
public struct StageTimer {
    /// Seconds spent in each stage so far.
    public private(set) var seconds: [String: Double] = [:]
    private var current = ""
    private let progress: ProgressHandler?
    private let clock = ContinuousClock()

    public init(progress: ProgressHandler?) {
        self.progress = progress
    }

    /// Runs `body` as work of `stage`, adding its wall time to the stage.
    public mutating func time<T>(_ stage: String, _ body: () -> T) -> T {
        if stage != current {
            if !current.isEmpty { progress?(current, 1) }
            current = stage
            progress?(stage, 0)
        }
        let begin = clock.now
        let value = body()
        seconds[stage, default: 0] += ProtocolRun.seconds(clock.now - begin)
        return value
    }

    /// Reports the last stage complete.
    public func finish() {
        if !current.isEmpty { progress?(current, 1) }
    }
}
