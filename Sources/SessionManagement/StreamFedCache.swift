import SessionCaching
import Synchronization

/// Rows a hot path needs on every request (a template token's user and template), kept in memory
/// and dropped by the stream of committed changes instead of being read from the store each time.
///
/// Every write to such a row appends an entry to the stream in the same transaction (`userUpdated`,
/// `templateChanged`, a user-wide revocation), and this cache is one of the stream's views: in this
/// process the entry reaches it before the write is acknowledged; from another process it arrives
/// with the stream's catch-up (a few hundred milliseconds). A read that began before such a drop
/// must not put back what it read: `remember(_:forKey:bytes:readAt:)` keeps a value only if nothing
/// was dropped since `generation`, and only once the stream has started (a change committed before
/// its starting position never reaches the views). Entries also expire after `lifetime`, so even an entry the stream
/// never delivered (pruned while a process stood still) cannot keep a stale row for long.
///
/// Bounded in bytes like every cache of the server (`BoundedCache`).
final class StreamFedCache<Value: Sendable>: Sendable {
    private struct State {
        var values: BoundedCache<String, Value>
        /// Moves on every drop.
        var generation: UInt64 = 0
        /// The stream has started and calls this view: before, a change could commit unseen.
        var following = false
    }

    private let state: Mutex<State>
    let budget: Int
    /// Milliseconds an entry may serve.
    let lifetime: Int64
    /// Now, in Unix milliseconds.
    private let clock: @Sendable () -> Int64

    init(byteBudget: Int, lifetime: Int64 = 300_000, clock: @escaping @Sendable () -> Int64) {
        state = Mutex(State(values: BoundedCache(budget: byteBudget, granularity: 1000)))
        budget = byteBudget
        self.lifetime = lifetime
        self.clock = clock
    }

    /// Read before the store read whose result will be remembered.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// The bytes and entries held, for tests and diagnostics.
    var usage: (bytes: Int, count: Int, budget: Int) {
        state.withLock { ($0.values.byteCount, $0.values.count, $0.values.budget) }
    }

    func value(forKey key: String) -> Value? {
        let now = clock()
        return state.withLock { $0.values.value(forKey: key, now: now) }
    }

    /// Keeps `value` unless something was dropped after `generation` was read: the value may have
    /// been read just before the change that dropped it committed.
    func remember(_ value: Value, forKey key: String, bytes: Int, readAt generation: UInt64) {
        let now = clock()
        state.withLock { state in
            guard state.following, state.generation == generation else { return }
            _ = state.values.insert(value, forKey: key, bytes: bytes, expiresAt: now &+ lifetime, now: now)
        }
    }

    /// The stream has started: from now on every change reaches this view, so values may be kept.
    func follow() {
        state.withLock { $0.following = true }
    }

    /// Drops one entry (the stream named its row).
    func drop(_ key: String) {
        state.withLock { state in
            state.values.removeValue(forKey: key)
            state.generation &+= 1
        }
    }

    /// Drops every entry `shouldDrop` picks.
    func drop(where shouldDrop: (String, Value) -> Bool) {
        state.withLock { state in
            state.values.removeAll(where: shouldDrop)
            state.generation &+= 1
        }
    }
}
