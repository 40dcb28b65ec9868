import Synchronization

/// The background random walk: `updatesPerSecond` steps, changeable at run time, spread over
/// 10 ms ticks so that high rates (100k/s) need no timer per update.
public final class Firehose: Sendable {
    private let rate: Atomic<Int>

    public init(updatesPerSecond: Int) {
        rate = Atomic(max(updatesPerSecond, 0))
    }

    /// Steps per second; 0 stops the walk.
    public var updatesPerSecond: Int {
        get { rate.load(ordering: .relaxed) }
        set { rate.store(max(newValue, 0), ordering: .relaxed) }
    }

    /// Runs until the task is cancelled. Each tick calls `onTick` with the tick's number (from 1),
    /// then `step` with the steps owed, if any. A stall does not cause a burst: at most 100 ms worth
    /// of steps is caught up.
    public func run(onTick: (_ tick: Int) async -> Void = { _ in }, step: (_ count: Int) async -> Void) async {
        let tick: Duration = .milliseconds(10)
        var last = ContinuousClock.now
        var owed: Int128 = 0  // steps × 1e9 not yet applied
        var ticks = 0
        while true {
            do { try await Task.sleep(for: tick) } catch { return }
            ticks += 1
            await onTick(ticks)
            let now = ContinuousClock.now
            let elapsed = now - last
            last = now
            let perSecond = updatesPerSecond
            guard perSecond > 0 else {
                owed = 0
                continue
            }
            owed +=
                Int128(perSecond)
                * (Int128(elapsed.components.seconds) * 1_000_000_000
                    + Int128(elapsed.components.attoseconds / 1_000_000_000))
            var steps = owed / 1_000_000_000
            let cap = Int128(max(perSecond / 10, 1))
            if steps > cap {
                steps = cap
                owed = 0
            } else {
                owed -= steps * 1_000_000_000
            }
            if steps > 0 { await step(Int(steps)) }
        }
    }
}
