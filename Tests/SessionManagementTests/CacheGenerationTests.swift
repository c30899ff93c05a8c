@testable import SessionManagement
import SessionStorage
import Testing

/// A cache must not put back what a store read returned before a revocation landed: the read may
/// be of the very record the revocation names (the race behind issue 9's fault 3).
@Suite struct CacheGenerationTests {
    static let session = Session(
        id: "sess_00000000000000000000000000000001", instanceID: "ins_a", userID: "user_1", clientID: "client_1", lastActiveAt: 0,
        expireAt: 1_000_000, abandonAt: 1_000_000, createdAt: 0, updatedAt: 0)

    @Test func aSessionReadBeforeARevocationIsNotRemembered() {
        let cache = SessionCache(clock: { 0 })
        let before = cache.generation
        cache.apply([Revocation(sequence: 1, instanceID: "ins_a", target: .session(id: Self.session.id), revokedAt: 1, retainUntil: 2)])
        cache.remember(Self.session, readAt: before)
        #expect(cache.session(instanceID: "ins_a", id: Self.session.id) == nil)
        cache.remember(Self.session, readAt: cache.generation)
        #expect(cache.session(instanceID: "ins_a", id: Self.session.id) == Self.session, "a read after the drop is kept")
        cache.apply([Revocation(
            sequence: 2, instanceID: "ins_a", target: .user(id: "user_1", notBefore: 2, sessionIDs: [Self.session.id]), revokedAt: 2, retainUntil: 3)])
        #expect(cache.session(instanceID: "ins_a", id: Self.session.id) == nil, "a user-wide entry drops the sessions it lists")
    }

    @Test func aKeyReadBeforeItsRevocationIsNotRemembered() {
        let cache = AuthenticationCache(lifetime: 30_000)
        let instance = Instance(id: "ins_a", slug: "a-1", environment: .development, createdAt: 0)
        let before = cache.generation
        cache.apply([Revocation(sequence: 1, instanceID: "ins_a", target: .secretKey(id: "key_1"), revokedAt: 1, retainUntil: 2)])
        cache.remember(instance, keyID: "key_1", forHash: [1], now: 0, readAt: before)
        #expect(cache.instance(forHash: [1], now: 1) == nil)
        cache.remember(instance, keyID: "key_2", forHash: [2], now: 0, readAt: cache.generation)
        #expect(cache.instance(forHash: [2], now: 1) == instance)
        cache.apply([Revocation(sequence: 2, instanceID: "ins_a", target: .secretKey(id: "key_2"), revokedAt: 2, retainUntil: 3)])
        #expect(cache.instance(forHash: [2], now: 1) == nil, "a revoked key is dropped")
        cache.remember(instance, keyID: "key_3", forHash: [3], now: 0, readAt: cache.generation)
        #expect(cache.instance(forHash: [3], now: 29_999) == instance && cache.instance(forHash: [3], now: 30_000) == nil, "entries expire")
    }
}
