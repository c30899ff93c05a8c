import Synchronization

/// A small bounded map from an id to a value derived from a stored row, for values that cost more
/// to derive than the row costs to read: a template's compiled claims and opened signing key, a
/// user's parsed metadata.
///
/// Never stale, by construction: the caller reads the row on every use anyway, and an entry serves
/// only while that row equals, in full, the row the value was built from. A change made by this
/// process or by another one on the same database, even within the same millisecond, is a miss, and
/// the entry is rebuilt in place. Bounded by a count and by an estimate of bytes: past either, the
/// least recently used quarter is dropped at once (amortised, instead of one entry per insertion).
/// Self-contained on purpose, so that a shared byte-bounded cache can replace it later.
final class CompiledCache<Source: Equatable & Sendable, Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        var source: Source
        var value: Value
        var cost: Int
        var lastUse: UInt64
    }

    private struct State: Sendable {
        var entries: [String: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    let countLimit: Int
    let byteLimit: Int

    init(countLimit: Int, byteLimit: Int) {
        self.countLimit = countLimit
        self.byteLimit = byteLimit
    }

    /// The value built from `source`: the cached one when the entry for `id` was built from a source
    /// equal to it, else a fresh `build(source)`, which then replaces the entry. A value that throws
    /// is not kept. `cost` estimates the entry's bytes (source and value).
    func value<Failure: Error>(
        id: String, source: Source, cost: Int, build: (Source) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        let cached = state.withLock { state -> Entry? in
            state.clock &+= 1
            let now = state.clock
            guard var entry = state.entries[id] else { return nil }
            entry.lastUse = now
            state.entries[id] = entry
            return entry
        }
        // Compared outside the lock: a source can be kilobytes of text.
        if let cached, cached.source == source { return cached.value }
        let value = try build(source)
        remember(Entry(source: source, value: value, cost: cost, lastUse: 0), id: id)
        return value
    }

    /// Entries and estimated bytes held now.
    var usage: (count: Int, bytes: Int) { state.withLock { ($0.entries.count, $0.bytes) } }

    private func remember(_ entry: Entry, id: String) {
        // One entry that would take a quarter of the budget is not worth evicting others for.
        guard entry.cost <= byteLimit / 4 else { return }
        state.withLock { state in
            state.clock &+= 1
            var entry = entry
            entry.lastUse = state.clock
            if let old = state.entries.updateValue(entry, forKey: id) { state.bytes -= old.cost }
            state.bytes += entry.cost
            guard state.entries.count > countLimit || state.bytes > byteLimit else { return }
            // Drop the least recently used until both are at three quarters of their limits.
            let oldestFirst = state.entries.sorted { $0.value.lastUse < $1.value.lastUse }
            for (key, old) in oldestFirst {
                guard state.entries.count > countLimit * 3 / 4 || state.bytes > byteLimit * 3 / 4 else { break }
                state.entries[key] = nil
                state.bytes -= old.cost
            }
        }
    }
}
