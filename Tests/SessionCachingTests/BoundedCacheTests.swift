@testable import SessionCaching
import Testing

/// The cache behind the gateway's tokens, the session cache and the credential cache: it holds its
/// byte budget whatever is thrown at it, lets expired entries go before live ones, then the least
/// recently used, one at a time, and its two lists and index always agree.
@Suite struct BoundedCacheTests {
    typealias Cache = BoundedCache<Int, Int>
    static let overhead = Cache.entryOverhead

    /// A budget for exactly `entries` entries of `bytes` each.
    static func cache(entries: Int, bytes: Int = 100, granularity: Int64 = 1) -> Cache {
        Cache(budget: entries * (bytes + overhead), granularity: granularity)
    }

    @Test func holdsItsBudgetUnderAFloodOfDistinctKeys() {
        var cache = Cache(budget: 256 << 10)
        var random = SplitMix64(seed: 16)
        var fullest = 0
        var (refused, overBudget, cliffs, newestMissing) = (0, 0, 0, 0)
        for key in 0..<100_000 {
            let before = cache.count
            let bytes = Int(random.next() % 400)
            if !cache.insert(key, forKey: key, bytes: bytes, expiresAt: 1_000_000, now: Int64(key / 1000)) { refused += 1 }
            if cache.byteCount > cache.budget { overBudget += 1 }
            // No clear-all: an insert evicts only what it needs, a few small entries at most for a large one.
            if cache.count < before - (400 + Self.overhead) / Self.overhead { cliffs += 1 }
            if cache.value(forKey: key, now: 0) != key { newestMissing += 1 }
            fullest = max(fullest, cache.count)
        }
        #expect(refused == 0 && overBudget == 0 && cliffs == 0 && newestMissing == 0)
        // Full, as the estimates allow: at least the budget less one of the largest entries.
        #expect(cache.byteCount > cache.budget - 400 - Self.overhead)
        #expect(cache.count > (256 << 10) / (400 + Self.overhead))
        #expect(cache.count >= fullest * 9 / 10)
        Self.checkInvariants(cache)
    }

    @Test(arguments: [Int64(1), 1000])
    func expiredEntriesLeaveBeforeRecentlyUsedOnes(granularity: Int64) {
        let unit = granularity
        var cache = Self.cache(entries: 100, granularity: granularity)
        // 50 long-lived entries, then 50 that expire at 10 units, used last: by recency alone the long-lived would go.
        for key in 0..<50 { cache.insert(key, forKey: key, bytes: 100, expiresAt: 1000 * unit, now: 0) }
        for key in 50..<100 { cache.insert(key, forKey: key, bytes: 100, expiresAt: 10 * unit, now: 0) }
        for key in 50..<100 { #expect(cache.value(forKey: key, now: 5 * unit) == key) }
        #expect(cache.count == 100)
        for key in 100..<150 { cache.insert(key, forKey: key, bytes: 100, expiresAt: 1000 * unit, now: 20 * unit) }
        #expect((0..<50).allSatisfy { cache.contains($0, now: 20 * unit) }, "every live entry stayed")
        #expect((50..<100).allSatisfy { cache.index[$0] == nil }, "every expired entry left")
        #expect((100..<150).allSatisfy { cache.contains($0, now: 20 * unit) })
        Self.checkInvariants(cache)
    }

    @Test func expiredEntriesLeaveOnTheNextInsertEvenWithRoomToSpare() {
        var cache = Self.cache(entries: 100)
        for key in 0..<10 { cache.insert(key, forKey: key, bytes: 100, expiresAt: 5, now: 0) }
        cache.insert(10, forKey: 10, bytes: 100, expiresAt: 50, now: 5)
        #expect(cache.count == 1 && cache.byteCount == 100 + Self.overhead)
        Self.checkInvariants(cache)
    }

    @Test func theLeastRecentlyUsedGoesWhenNothingHasExpired() {
        var cache = Self.cache(entries: 3)
        for key in 1...3 { cache.insert(key, forKey: key, bytes: 100, expiresAt: 100, now: 0) }
        #expect(cache.value(forKey: 1, now: 1) == 1)
        cache.insert(4, forKey: 4, bytes: 100, expiresAt: 100, now: 1)
        #expect(cache.index[2] == nil, "2 was the least recently used")
        #expect([1, 3, 4].allSatisfy { cache.contains($0, now: 1) })
        // A large entry pushes out as many as it needs, oldest first, and no more.
        cache.insert(5, forKey: 5, bytes: 200 + Self.overhead, expiresAt: 100, now: 1)
        #expect(cache.index[3] == nil && cache.index[1] == nil && cache.contains(4, now: 1) && cache.contains(5, now: 1))
        Self.checkInvariants(cache)
    }

    @Test func anEntryIsNeverReturnedFromItsExpiryOn() {
        var cache = Self.cache(entries: 4, granularity: 1000)
        cache.insert(1, forKey: 1, bytes: 100, expiresAt: 1500, now: 0)
        #expect(cache.value(forKey: 1, now: 1499) == 1)
        #expect(cache.contains(1, now: 1499) && !cache.contains(1, now: 1500))
        #expect(cache.value(forKey: 1, now: 1500) == nil)
        #expect(cache.isEmpty && cache.byteCount == 0, "an expired entry met on a lookup is dropped")
    }

    @Test func entriesThatCannotBeUsedAreNotStored() {
        var cache = Self.cache(entries: 2)
        cache.insert(1, forKey: 1, bytes: 100, expiresAt: 100, now: 0)
        let tooLarge = cache.insert(2, forKey: 2, bytes: cache.budget, expiresAt: 100, now: 0)
        #expect(!tooLarge, "larger than the whole budget")
        let expired = cache.insert(3, forKey: 3, bytes: 100, expiresAt: 10, now: 10)
        #expect(!expired, "already expired")
        let replaced = cache.insert(1, forKey: 1, bytes: 100, expiresAt: 10, now: 10)
        #expect(!replaced && cache.isEmpty && cache.byteCount == 0, "a refused insert still drops the key's old entry")
        var none = Cache(budget: 0)
        let stored = none.insert(1, forKey: 1, bytes: 0, expiresAt: 100, now: 0)
        #expect(!stored && none.isEmpty, "a zero budget caches nothing")
    }

    @Test func replacingAnEntryChargesItAnew() {
        var cache = Self.cache(entries: 4)
        cache.insert(1, forKey: 7, bytes: 300, expiresAt: 100, now: 0)
        cache.insert(2, forKey: 7, bytes: 10, expiresAt: 100, now: 0)
        #expect(cache.count == 1 && cache.byteCount == 10 + Self.overhead && cache.value(forKey: 7, now: 0) == 2)
        #expect(cache.removeValue(forKey: 7) == 2 && cache.isEmpty && cache.byteCount == 0)
        #expect(cache.removeValue(forKey: 7) == nil)
    }

    @Test func removeAllWherePicksExactlyThoseEntries() {
        var cache = Self.cache(entries: 100)
        for key in 0..<100 { cache.insert(key, forKey: key, bytes: 100, expiresAt: 100, now: 0) }
        cache.removeAll { key, _ in key % 3 == 0 }
        #expect((0..<100).allSatisfy { cache.contains($0, now: 0) == ($0 % 3 != 0) })
        #expect(cache.byteCount == 66 * (100 + Self.overhead))
        Self.checkInvariants(cache)
    }

    /// After a long idle spell (or a clock that jumped) the sweep walks the buckets, not the time.
    @Test func aSweepAfterALongGapDropsWhatExpiredAndKeepsTheRest() {
        var cache = Self.cache(entries: 100)
        for key in 0..<50 { cache.insert(key, forKey: key, bytes: 100, expiresAt: Int64(10 + key), now: 0) }
        cache.insert(50, forKey: 50, bytes: 100, expiresAt: .max, now: 0)
        cache.removeExpired(now: 1_000_000_000_000)
        #expect(cache.count == 1 && cache.contains(50, now: 1_000_000_000_000))
        // A clock that went back files entries after the buckets already swept, so they still leave.
        cache.insert(51, forKey: 51, bytes: 100, expiresAt: 20, now: 0)
        cache.removeExpired(now: 1_000_000_000_001)
        #expect(cache.index[51] == nil && cache.count == 1)
        Self.checkInvariants(cache)
    }

    /// Random operations against a plain model of the same rules: contents, charges and eviction
    /// order agree after every step, and the lists stay consistent.
    @Test(arguments: [Int64(1), 7])
    func agreesWithAModelUnderRandomOperations(granularity: Int64) {
        var random = SplitMix64(seed: UInt64(granularity))
        var cache = Cache(budget: 20 * (50 + Self.overhead), granularity: granularity)
        var model = Model(budget: cache.budget, granularity: granularity)
        var now: Int64 = 0
        for step in 0..<20_000 {
            let key = Int(random.next() % 40)
            switch random.next() % 10 {
            case 0...3:
                let bytes = Int(random.next() % 100)
                let expiresAt = now + Int64(random.next() % 60) - 5
                let stored = cache.insert(step, forKey: key, bytes: bytes, expiresAt: expiresAt, now: now)
                #expect(stored == model.insert(step, key: key, bytes: bytes, expiresAt: expiresAt, now: now))
            case 4...6:
                #expect(cache.value(forKey: key, now: now) == model.value(key: key, now: now))
            case 7:
                #expect(cache.removeValue(forKey: key) == model.remove(key: key))
            case 8:
                cache.removeExpired(now: now)
                model.removeExpired(now: now)
            default:
                now += Int64(random.next() % 4)
            }
            #expect(cache.count == model.entries.count && cache.byteCount == model.bytes)
            if step % 500 == 0 { Self.checkInvariants(cache) }
        }
        #expect(Self.recencyOrder(cache) == model.entries.map(\.key))
        Self.checkInvariants(cache)
    }

    // MARK: Helpers

    static func recencyOrder(_ cache: Cache) -> [Int] {
        var keys: [Int] = []
        var slot = cache.oldest
        while slot >= 0 {
            keys.append(cache.nodes[Int(slot)].key)
            slot = cache.nodes[Int(slot)].newer
        }
        return keys
    }

    /// Both lists reach every node exactly once, each link has its mirror, the index names each
    /// node's slot, and the charges add up.
    static func checkInvariants(_ cache: Cache, sourceLocation: SourceLocation = #_sourceLocation) {
        let nodes = cache.nodes
        #expect(cache.index.count == nodes.count, sourceLocation: sourceLocation)
        for (slot, node) in nodes.enumerated() {
            #expect(cache.index[node.key] == Int32(slot), sourceLocation: sourceLocation)
            if node.newer >= 0 { #expect(nodes[Int(node.newer)].older == Int32(slot), sourceLocation: sourceLocation) }
            if node.nextInBucket >= 0 { #expect(nodes[Int(node.nextInBucket)].previousInBucket == Int32(slot), sourceLocation: sourceLocation) }
            if node.previousInBucket < 0 { #expect(cache.buckets[node.bucket] == Int32(slot), sourceLocation: sourceLocation) }
            #expect(node.bucket > cache.swept, "no entry sits in a swept bucket", sourceLocation: sourceLocation)
        }
        #expect(recencyOrder(cache).count == nodes.count, sourceLocation: sourceLocation)
        var inBuckets = 0
        for (bucket, head) in cache.buckets {
            var slot = head
            while slot >= 0 {
                #expect(nodes[Int(slot)].bucket == bucket, sourceLocation: sourceLocation)
                inBuckets += 1
                slot = nodes[Int(slot)].nextInBucket
            }
        }
        #expect(inBuckets == nodes.count, sourceLocation: sourceLocation)
        #expect(nodes.reduce(0) { $0 + $1.bytes } == cache.byteCount && cache.byteCount <= cache.budget, sourceLocation: sourceLocation)
    }

    /// The rules, written the slow and obvious way: entries in recency order, oldest first.
    struct Model {
        struct Entry {
            var key: Int
            var value: Int
            var bytes: Int
            var expiresAt: Int64
            var bucket: Int64
        }
        let budget: Int
        let granularity: Int64
        var entries: [Entry] = []
        var swept = Int64.min
        var bytes: Int { entries.reduce(0) { $0 + $1.bytes } }

        init(budget: Int, granularity: Int64) {
            self.budget = budget
            self.granularity = granularity
        }

        mutating func removeExpired(now: Int64) {
            let through = Int64((Double(now) / Double(granularity)).rounded(.down))
            guard through > swept else { return }
            swept = through
            entries.removeAll { $0.bucket <= through }
        }

        mutating func insert(_ value: Int, key: Int, bytes: Int, expiresAt: Int64, now: Int64) -> Bool {
            removeExpired(now: now)
            _ = remove(key: key)
            let charged = bytes + BoundedCacheTests.overhead
            guard now < expiresAt, charged <= budget else { return false }
            while self.bytes + charged > budget { entries.removeFirst() }
            let bucket = max(Int64((Double(expiresAt) / Double(granularity)).rounded(.up)), swept + 1)
            entries.append(Entry(key: key, value: value, bytes: charged, expiresAt: expiresAt, bucket: bucket))
            return true
        }

        mutating func value(key: Int, now: Int64) -> Int? {
            guard let position = entries.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = entries.remove(at: position)
            guard now < entry.expiresAt else { return nil }
            entries.append(entry)
            return entry.value
        }

        mutating func remove(key: Int) -> Int? {
            guard let position = entries.firstIndex(where: { $0.key == key }) else { return nil }
            return entries.remove(at: position).value
        }
    }
}

/// A seeded generator, so that a failure replays.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
