/// A key-value cache bounded by the bytes its entries keep alive, not by how many there are.
///
/// Each entry is charged what the caller counts for it (the heap bytes its key and value own:
/// strings, arrays, buffers; `HeapBytes` estimates them) plus the cache's own bookkeeping for it
/// (`entryOverhead`: its node, its index slot and an expiry-bucket head). An insert that would pass
/// the budget first drops every entry whose time has passed, then the least recently used ones, one
/// at a time until the new entry fits: never everything at once, so a full cache costs each miss
/// one eviction, not a cliff where every entry goes in the same instant.
///
/// Every entry expires: at and after `expiresAt` it is never returned, and the next insert drops
/// it. Time is whatever unit the owner uses (seconds, milliseconds); entries are filed by expiry
/// in buckets of `granularity` units, so an entry that expired less than one bucket ago may still
/// hold its place (it is not returned) while a live one is evicted.
///
/// Every operation is O(1) amortised: a dictionary from key to slot, the nodes in one dense array,
/// linked by slot number into a recency list and into one list per expiry bucket. Sweeping the
/// buckets that have passed costs one lookup per bucket-width of elapsed time, or one pass over
/// the buckets when that is fewer (after a long idle spell or a clock jump).
///
/// A value type without a lock: owners keep it in a `Mutex` beside whatever must change with it
/// atomically (the session cache's generation). It is `@inlinable` throughout so that each owner's
/// specialisation is compiled into its own module: the gateway looks it up on every request.
public struct BoundedCache<Key: Hashable, Value> {
    @usableFromInline
    struct Node {
        @usableFromInline var key: Key
        @usableFromInline var value: Value
        /// What the entry is charged, bookkeeping included.
        @usableFromInline var bytes: Int
        @usableFromInline var expiresAt: Int64
        @usableFromInline var bucket: Int64
        /// Recency list: towards the least and the most recently used; -1 at either end.
        @usableFromInline var older: Int32
        @usableFromInline var newer: Int32
        /// The entry's expiry bucket, a list in no particular order.
        @usableFromInline var previousInBucket: Int32
        @usableFromInline var nextInBucket: Int32

        @inlinable
        init(key: Key, value: Value, bytes: Int, expiresAt: Int64, bucket: Int64, older: Int32, nextInBucket: Int32) {
            self.key = key
            self.value = value
            self.bytes = bytes
            self.expiresAt = expiresAt
            self.bucket = bucket
            self.older = older
            self.newer = -1
            self.previousInBucket = -1
            self.nextInBucket = nextInBucket
        }
    }

    /// The most bytes the entries may be charged in all.
    public let budget: Int
    /// The width of an expiry bucket, in the owner's time unit.
    public let granularity: Int64
    @usableFromInline var storedBytes = 0
    @usableFromInline var index: [Key: Int32] = [:]
    @usableFromInline var nodes: [Node] = []
    @usableFromInline var newest: Int32 = -1
    @usableFromInline var oldest: Int32 = -1
    /// Bucket number → the first entry of its list. Bucket `b` holds the entries expiring in
    /// `((b - 1) * granularity, b * granularity]`, so all of them have expired once `now >= b * granularity`.
    @usableFromInline var buckets: [Int64: Int32] = [:]
    /// Every bucket up to this one has been swept.
    @usableFromInline var swept: Int64 = .min

    /// - Parameters:
    ///   - budget: the most bytes the entries may be charged in all; 0 caches nothing.
    ///   - granularity: the width of an expiry bucket in the owner's time unit (1 for seconds, 1000 for milliseconds).
    @inlinable
    public init(budget: Int, granularity: Int64 = 1) {
        precondition(budget >= 0, "a cache budget cannot be negative")
        precondition(granularity > 0, "an expiry bucket must be at least one unit wide")
        self.budget = budget
        self.granularity = granularity
    }

    /// What the cache's own bookkeeping costs per entry, on top of what the caller counts: the node
    /// (key and value inline, charge, expiry, four links), a slot of the key index and one of the
    /// bucket table, and the index's metadata bit, each with the room that growth leaves on
    /// average: the node array doubles when full, so it is 3/4 full on average; the hash tables
    /// double at 3/4 load, so they are 9/16 full on average. Measured on the gateway's entries (a
    /// session token's, 920 bytes resident each at 20 000 entries), this errs high by a few per cent.
    @inlinable
    public static var entryOverhead: Int {
        MemoryLayout<Node>.stride * 4 / 3 + (MemoryLayout<Key>.stride + MemoryLayout<Int32>.stride) * 16 / 9
            + (MemoryLayout<Int64>.stride + MemoryLayout<Int32>.stride) * 16 / 9 + 1
    }

    /// The bytes the entries are charged now, never more than `budget`.
    @inlinable public var byteCount: Int { storedBytes }
    @inlinable public var count: Int { nodes.count }
    @inlinable public var isEmpty: Bool { nodes.isEmpty }

    // MARK: Reading

    /// The value for `key` unless it has expired at `now`, made the most recently used. An expired
    /// entry is dropped on the way.
    @inlinable
    public mutating func value(forKey key: Key, now: Int64) -> Value? {
        guard let slot = index[key] else { return nil }
        guard now < nodes[Int(slot)].expiresAt else {
            remove(at: slot)
            return nil
        }
        touch(slot)
        return nodes[Int(slot)].value
    }

    /// Whether `key` has an unexpired entry at `now`, without making it recently used.
    @inlinable
    public func contains(_ key: Key, now: Int64) -> Bool {
        guard let slot = index[key] else { return false }
        return now < nodes[Int(slot)].expiresAt
    }

    // MARK: Writing

    /// Stores `value` for `key` until `expiresAt`, replacing any entry it had, charged `bytes` (the
    /// heap bytes the key and value own) plus `entryOverhead`. Expired entries go first, then the
    /// least recently used until it fits. Returns whether it was stored: an entry that has already
    /// expired, or that alone would pass the budget, is not (and the key's old entry is gone).
    @inlinable
    @discardableResult
    public mutating func insert(_ value: Value, forKey key: Key, bytes: Int, expiresAt: Int64, now: Int64) -> Bool {
        removeExpired(now: now)
        if let slot = index[key] { remove(at: slot) }
        let charged = max(bytes, 0) + Self.entryOverhead
        guard now < expiresAt, charged <= budget else { return false }
        while storedBytes + charged > budget, oldest >= 0 { remove(at: oldest) }
        let slot = Int32(nodes.count)
        // Never in a bucket already swept (the owner's clock went back): it would never be swept again.
        let bucket = max(Self.bucket(containing: expiresAt, granularity: granularity), swept &+ 1)
        let head = buckets[bucket] ?? -1
        nodes.append(Node(key: key, value: value, bytes: charged, expiresAt: expiresAt, bucket: bucket, older: newest, nextInBucket: head))
        if head >= 0 { nodes[Int(head)].previousInBucket = slot }
        buckets[bucket] = slot
        if newest >= 0 { nodes[Int(newest)].newer = slot } else { oldest = slot }
        newest = slot
        index[key] = slot
        storedBytes += charged
        return true
    }

    /// Drops the entry for `key`; returns its value.
    @inlinable
    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        let value = nodes[Int(slot)].value
        remove(at: slot)
        return value
    }

    /// Drops every entry that `shouldRemove` picks: one pass over all of them.
    @inlinable
    public mutating func removeAll(where shouldRemove: (Key, Value) throws -> Bool) rethrows {
        // Backwards: removing a slot moves the last node into it, and that one was already seen.
        var slot = nodes.count - 1
        while slot >= 0 {
            if try shouldRemove(nodes[slot].key, nodes[slot].value) { remove(at: Int32(slot)) }
            slot -= 1
        }
    }

    /// Drops the entries of every bucket that has passed at `now`. Inserts call it first; owners
    /// may call it on a timer so that an idle cache gives back the memory of expired entries.
    @inlinable
    public mutating func removeExpired(now: Int64) {
        let through = Self.lastBucket(passedAt: now, granularity: granularity)
        guard through > swept else { return }
        defer { swept = through }
        guard !buckets.isEmpty else { return }
        let (span, overflow) = through.subtractingReportingOverflow(swept)
        if overflow || span > Int64(buckets.count) {
            for bucket in buckets.keys.filter({ $0 <= through }) { removeBucket(bucket) }
        } else {
            var bucket = swept + 1
            while bucket <= through {
                removeBucket(bucket)
                bucket += 1
            }
        }
    }

    // MARK: Lists

    @inlinable
    mutating func removeBucket(_ bucket: Int64) {
        while let head = buckets[bucket] { remove(at: head) }
    }

    /// Makes `slot` the most recently used.
    @inlinable
    mutating func touch(_ slot: Int32) {
        guard slot != newest else { return }
        let i = Int(slot)
        let older = nodes[i].older
        let newer = nodes[i].newer
        if older >= 0 { nodes[Int(older)].newer = newer } else { oldest = newer }
        nodes[Int(newer)].older = older
        nodes[i].older = newest
        nodes[i].newer = -1
        nodes[Int(newest)].newer = slot
        newest = slot
    }

    /// Unlinks the entry at `slot` from both lists and the index, then moves the last node into
    /// its place so that the array stays dense.
    @inlinable
    mutating func remove(at slot: Int32) {
        let i = Int(slot)
        let older = nodes[i].older
        let newer = nodes[i].newer
        if older >= 0 { nodes[Int(older)].newer = newer } else { oldest = newer }
        if newer >= 0 { nodes[Int(newer)].older = older } else { newest = older }
        let previous = nodes[i].previousInBucket
        let next = nodes[i].nextInBucket
        if next >= 0 { nodes[Int(next)].previousInBucket = previous }
        if previous >= 0 {
            nodes[Int(previous)].nextInBucket = next
        } else if next >= 0 {
            buckets[nodes[i].bucket] = next
        } else {
            buckets[nodes[i].bucket] = nil
        }
        index[nodes[i].key] = nil
        storedBytes -= nodes[i].bytes
        let last = Int32(nodes.count - 1)
        if slot != last {
            nodes.swapAt(i, Int(last))
            relink(movedFrom: last, to: slot)
        }
        nodes.removeLast()
    }

    /// Points every link to the node that moved from `old` to `slot` at its new place.
    @inlinable
    mutating func relink(movedFrom old: Int32, to slot: Int32) {
        let i = Int(slot)
        let older = nodes[i].older
        let newer = nodes[i].newer
        if older >= 0 { nodes[Int(older)].newer = slot } else { oldest = slot }
        if newer >= 0 { nodes[Int(newer)].older = slot } else { newest = slot }
        let previous = nodes[i].previousInBucket
        let next = nodes[i].nextInBucket
        if previous >= 0 { nodes[Int(previous)].nextInBucket = slot } else { buckets[nodes[i].bucket] = slot }
        if next >= 0 { nodes[Int(next)].previousInBucket = slot }
        index[nodes[i].key] = slot
    }

    // MARK: Buckets

    /// The bucket of an entry expiring at `instant`: ⌈instant / granularity⌉.
    @inlinable
    static func bucket(containing instant: Int64, granularity: Int64) -> Int64 {
        let quotient = instant / granularity
        return instant % granularity > 0 ? quotient + 1 : quotient
    }

    /// The last bucket whose entries have all expired at `now`: ⌊now / granularity⌋.
    @inlinable
    static func lastBucket(passedAt now: Int64, granularity: Int64) -> Int64 {
        let quotient = now / granularity
        return now % granularity < 0 ? quotient - 1 : quotient
    }
}

extension BoundedCache: Sendable where Key: Sendable, Value: Sendable {}
extension BoundedCache.Node: Sendable where Key: Sendable, Value: Sendable {}
