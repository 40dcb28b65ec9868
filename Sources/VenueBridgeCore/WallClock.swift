#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Nanoseconds since the epoch: the unit of `ts_recv` and `ts_venue`.
public func wallClockNanos() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}

/// Milliseconds since the epoch: what venues (and so our simulators) put in their timestamps.
public func wallClockMillis() -> Int64 {
    wallClockNanos() / 1_000_000
}

/// A venue's epoch milliseconds as our nanoseconds, or nil when that is negative (our timestamps
/// never are, docs/events.md §2.2) or beyond `Int64` (past the year 2262: a value in another unit,
/// or a hostile one). Checked: a venue's number must never trap the process or wrap into a
/// plausible-looking wrong time.
public func epochNanos(milliseconds: Int64) -> Int64? {
    guard milliseconds >= 0 else { return nil }
    let (nanos, overflow) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
    return overflow ? nil : nanos
}
