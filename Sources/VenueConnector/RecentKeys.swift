import DequeModule

/// The most recent `capacity` distinct keys, oldest evicted first: the bounded memory order
/// trackers keep of fill ids already reported and of finished orders still answerable.
public struct RecentKeys<Key: Hashable & Sendable>: Sendable {
    public let capacity: Int
    private var members = Set<Key>()
    private var order = Deque<Key>()

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    public var count: Int { order.count }
    public func contains(_ key: Key) -> Bool { members.contains(key) }

    /// Adds `key` (nothing when already present: `inserted` is false, a repeat). `evicted` is the
    /// oldest key dropped to stay within `capacity`.
    @discardableResult
    public mutating func insert(_ key: Key) -> (inserted: Bool, evicted: Key?) {
        guard members.insert(key).inserted else { return (false, nil) }
        order.append(key)
        guard order.count > capacity, let oldest = order.popFirst() else { return (true, nil) }
        members.remove(oldest)
        return (true, oldest)
    }
}
