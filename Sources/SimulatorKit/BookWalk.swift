/// How a marketable client order meets a simulated book, the same at every venue: the levels of
/// the opposite side its limit reaches, best first, then as much of each as it still wants, in that
/// order (price priority; a level is one counterparty, so there is no time priority inside it).
///
/// It only decides; the venue's simulator applies the fills to its own book, because what a taken
/// level becomes differs (Finery reports `M`/`-` updates and refills the side, sFOX leaves the gap
/// until the next snapshot) and so do the units (Finery's scaled integers, sFOX's ticks and lots).
/// T4 matches level by level against its live, contiguous book instead, because taking a whole
/// level there shifts a new one in at the back that a deep order may reach.
public enum BookWalk {
    /// The levels of `opposite` (best first) a taker reaches: all of them without a limit, else
    /// those at or below it for a buyer and at or above it for a seller.
    public static func reachable<Level, Price: Comparable>(
        _ opposite: [Level], takerBuys: Bool, limit: Price?, price: (Level) -> Price
    ) -> [Level] {
        guard let limit else { return opposite }
        return opposite.filter { takerBuys ? price($0) <= limit : price($0) >= limit }
    }

    /// Takes up to `quantity` from `levels` in order: each touched level with the quantity taken
    /// from it, and what is left unfilled.
    public static func fills<Level, Quantity: Comparable & AdditiveArithmetic>(
        _ levels: [Level], quantity: Quantity, available: (Level) -> Quantity
    ) -> (fills: [(level: Level, quantity: Quantity)], unfilled: Quantity) {
        var fills: [(level: Level, quantity: Quantity)] = []
        var unfilled = quantity
        for level in levels where unfilled > .zero {
            let take = min(unfilled, available(level))
            fills.append((level, take))
            unfilled -= take
        }
        return (fills, unfilled)
    }
}
