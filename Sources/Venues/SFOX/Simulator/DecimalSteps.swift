import VenueBridgeCore

/// A positive increment (tick or lot) and exact conversions between decimals and whole counts of
/// it. The simulator keeps prices and quantities as `Int64` counts of their step internally and
/// turns them into `ExactDecimal` only at the edges, so arithmetic never rounds.
struct DecimalStep: Sendable, Hashable {
    let step: ExactDecimal

    init(_ step: ExactDecimal) {
        self.step = step.isPositive ? step : ExactDecimal(significand: 1, exponent: -8)
    }

    /// `count × step`.
    func value(_ count: Int64) -> ExactDecimal {
        ExactDecimal(significand: Int128(count) * step.significand, exponent: step.exponent)
    }

    /// The whole number of steps in `value`, or nil when `value` is not a multiple of the step (or
    /// the count does not fit in `Int64`).
    func count(_ value: ExactDecimal) -> Int64? {
        guard let (a, b) = Self.aligned(value, step), b != 0 else { return nil }
        let (quotient, remainder) = a.quotientAndRemainder(dividingBy: b)
        guard remainder == 0 else { return nil }
        return Int64(exactly: quotient)
    }

    /// The whole number of steps in `value`, rounded toward zero.
    func floorCount(_ value: ExactDecimal) -> Int64 {
        guard let (a, b) = Self.aligned(value, step), b != 0 else { return 0 }
        return Int64(clamping: a / b)
    }

    /// Both significands at the smaller exponent.
    private static func aligned(_ x: ExactDecimal, _ y: ExactDecimal) -> (Int128, Int128)? {
        let exponent = min(x.exponent, y.exponent)
        guard let fx = power(x.exponent - exponent), let fy = power(y.exponent - exponent) else { return nil }
        let (a, oa) = x.significand.multipliedReportingOverflow(by: fx)
        let (b, ob) = y.significand.multipliedReportingOverflow(by: fy)
        return oa || ob ? nil : (a, b)
    }

    static func power(_ n: Int) -> Int128? {
        guard n >= 0, n <= 38 else { return nil }
        var result: Int128 = 1
        for _ in 0..<n { result *= 10 }
        return result
    }
}

extension ExactDecimal {
    /// `self / divisor` truncated to `scale` decimals (for averages such as a VWAP); nil on a zero
    /// divisor or overflow.
    func divided(by divisor: ExactDecimal, scale: Int) -> ExactDecimal? {
        guard !divisor.isZero else { return nil }
        // self / divisor = (s1 / s2) × 10^(e1 - e2); the result has exponent -scale.
        let shift = exponent - divisor.exponent + scale
        var numerator = significand
        var denominator = divisor.significand
        if shift >= 0 {
            guard let factor = DecimalStep.power(shift) else { return nil }
            let (product, overflow) = numerator.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            numerator = product
        } else {
            guard let factor = DecimalStep.power(-shift) else { return nil }
            let (product, overflow) = denominator.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            denominator = product
        }
        return ExactDecimal(significand: numerator / denominator, exponent: -scale)
    }

    /// Exact sums and products for values the simulator built itself (bounded, so an overflow is a
    /// bug, reported loudly rather than rounded).
    func plus(_ other: ExactDecimal) -> ExactDecimal {
        do { return try adding(other) } catch { preconditionFailure("\(error)") }
    }

    func minus(_ other: ExactDecimal) -> ExactDecimal {
        do { return try subtracting(other) } catch { preconditionFailure("\(error)") }
    }

    func times(_ other: ExactDecimal) -> ExactDecimal {
        do { return try multiplied(by: other) } catch { preconditionFailure("\(error)") }
    }
}
