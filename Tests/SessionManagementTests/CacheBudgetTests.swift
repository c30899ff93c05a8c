@testable import SessionManagement
import SessionCaching
import SessionStorage
import Synchronization
import Testing

/// The session cache and the credential cache hold their byte budgets under a flood of distinct
/// keys, never by emptying themselves, and let expired entries go before recently used ones.
@Suite struct CacheBudgetTests {
    final class Clock: Sendable {
        private let value = Mutex<Int64>(0)
        var now: Int64 { value.withLock { $0 } }
        func set(_ milliseconds: Int64) { value.withLock { $0 = milliseconds } }
    }

    static func session(_ number: Int, expireAt: Int64 = 86_400_000, status: Session.Status = .active) -> Session {
        let hex = String(number, radix: 16)
        return Session(
            id: "sess_" + String(repeating: "0", count: 32 - hex.count) + hex, instanceID: "ins_a", userID: "user_\(number)",
            clientID: "client_\(number)", status: status, lastActiveAt: 0, expireAt: expireAt, abandonAt: 86_400_000, createdAt: 0,
            updatedAt: 0)
    }

    static func hash(_ number: Int) -> [UInt8] {
        (0..<32).map { UInt8(truncatingIfNeeded: number >> ($0 % 4 * 8)) }
    }

    @Test func theSessionCacheHoldsItsBudgetUnderAFloodOfDistinctSessions() {
        let cache = SessionCache(byteBudget: 256 << 10, clock: { 0 })
        cache.apply([])  // the stream has started
        var (overBudget, cliffs, newestMissing, fullest) = (0, 0, 0, 0)
        for number in 0..<20_000 {
            let before = cache.usage.count
            let session = Self.session(number)
            cache.remember(session, readAt: cache.generation)
            let usage = cache.usage
            if usage.bytes > usage.budget { overBudget += 1 }
            if usage.count < before { cliffs += 1 }
            if cache.session(instanceID: "ins_a", id: session.id) != session { newestMissing += 1 }
            fullest = max(fullest, usage.count)
        }
        #expect(overBudget == 0 && cliffs == 0 && newestMissing == 0)
        #expect(cache.usage.count == fullest && fullest > 100, "full, and never emptied")
    }

    @Test func expiredSessionsLeaveBeforeRecentlyUsedOnes() {
        let clock = Clock()
        let charge = Self.session(0).heapBytes + BoundedCache<String, Session>.entryOverhead
        let cache = SessionCache(byteBudget: 20 * charge, clock: { clock.now })
        cache.apply([])  // the stream has started
        let lasting = (0..<10).map { Self.session($0) }
        let ending = (10..<20).map { Self.session($0, expireAt: 10_000) }
        for session in lasting + ending { cache.remember(session, readAt: cache.generation) }
        clock.set(5_000)
        for session in ending { #expect(cache.session(instanceID: "ins_a", id: session.id) == session) }
        #expect(cache.usage.count == 20)
        clock.set(11_000)
        for number in 20..<30 { cache.remember(Self.session(number), readAt: cache.generation) }
        #expect(lasting.allSatisfy { cache.session(instanceID: "ins_a", id: $0.id) == $0 }, "the live sessions stayed")
        #expect(cache.usage.count == 20)
    }

    @Test func revokedSessionsAreNotKept() {
        let cache = SessionCache(clock: { 0 })
        cache.apply([])  // the stream has started
        let session = Self.session(1)
        cache.remember(session, readAt: cache.generation)
        #expect(cache.session(instanceID: "ins_a", id: session.id) == session)
        var revoked = session
        revoked.status = .revoked
        cache.remember(revoked, readAt: cache.generation)
        #expect(cache.session(instanceID: "ins_a", id: session.id) == nil && cache.usage.count == 0)
        cache.remember(Self.session(2, expireAt: 0), readAt: cache.generation)
        #expect(cache.usage.count == 0, "nor expired ones")
    }

    @Test func theCredentialCacheHoldsItsBudgetUnderAFloodOfDistinctKeys() {
        let cache = AuthenticationCache(lifetime: 30_000, byteBudget: 64 << 10)
        cache.apply([])  // the stream has started
        let instance = Instance(id: "ins_00000000000000000000000000000001", slug: "flood", environment: .development, createdAt: 0)
        var (overBudget, cliffs, newestMissing, fullest) = (0, 0, 0, 0)
        for number in 0..<10_000 {
            let before = cache.usage.count
            cache.remember(instance, keyID: "key_\(number)", forHash: Self.hash(number), now: 0, readAt: cache.generation)
            let usage = cache.usage
            if usage.bytes > usage.budget { overBudget += 1 }
            if usage.count < before { cliffs += 1 }
            if cache.instance(forHash: Self.hash(number), now: 1) != instance { newestMissing += 1 }
            fullest = max(fullest, usage.count)
        }
        #expect(overBudget == 0 && cliffs == 0 && newestMissing == 0)
        #expect(cache.usage.count == fullest && fullest > 100)
    }

    @Test func expiredKeysLeaveBeforeRecentlyUsedOnes() {
        let instance = Instance(id: "ins_a", slug: "ins-a", environment: .development, createdAt: 0)
        // An array's capacity is what the allocator handed out, which varies a little: room for that, not for a 22nd key.
        let charge = HeapBytes.array(Self.hash(0)) + HeapBytes.string("key_0000") + BoundedCache<[UInt8], AuthenticationCache.Entry>.entryOverhead
        let cache = AuthenticationCache(lifetime: 30_000, byteBudget: 20 * (charge + 16))
        cache.apply([])  // the stream has started
        // Ten keys authenticated at 0 s (trusted until 30 s), ten at 20 s; the first ten used again at 25 s.
        for number in 0..<10 { cache.remember(instance, keyID: "key_\(1000 + number)", forHash: Self.hash(number), now: 0, readAt: cache.generation) }
        for number in 10..<20 { cache.remember(instance, keyID: "key_\(1000 + number)", forHash: Self.hash(number), now: 20_000, readAt: cache.generation) }
        for number in 0..<10 { #expect(cache.instance(forHash: Self.hash(number), now: 25_000) == instance) }
        #expect(cache.usage.count == 20)
        for number in 20..<30 { cache.remember(instance, keyID: "key_\(1000 + number)", forHash: Self.hash(number), now: 31_000, readAt: cache.generation) }
        #expect((10..<20).allSatisfy { cache.instance(forHash: Self.hash($0), now: 31_000) == instance }, "the live keys stayed")
        #expect((0..<10).allSatisfy { cache.instance(forHash: Self.hash($0), now: 31_000) == nil })
    }
}
