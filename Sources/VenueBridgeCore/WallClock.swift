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
