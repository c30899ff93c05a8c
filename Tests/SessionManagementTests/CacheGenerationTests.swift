@testable import SessionManagement
import SessionStorage
import SessionTokens
import Testing

/// A cache must not put back what a store read returned before a revocation landed: the read may
/// be of the very record the revocation names (the race behind issue 9's fault 3).
@Suite struct CacheGenerationTests {
    static let session = Session(
        id: "sess_00000000000000000000000000000001", instanceID: "ins_a", userID: "user_1", clientID: "client_1", lastActiveAt: 0,
        expireAt: 1_000_000, abandonAt: 1_000_000, createdAt: 0, updatedAt: 0)

    @Test func aSessionReadBeforeARevocationIsNotRemembered() {
        let cache = SessionCache(clock: { 0 })
        cache.apply([])  // the stream has started
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
        cache.apply([])  // the stream has started
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

/// The caches of users and templates follow the same rules as the session cache.
@Suite struct StreamFedCacheTests {
    @Test func nothingIsKeptBeforeTheStreamStartsNorAfterADropItRaced() {
        let cache = StreamFedCache<String>(byteBudget: 64 << 10, clock: { 0 })
        cache.remember("early", forKey: "a", bytes: 100, readAt: cache.generation)
        #expect(cache.value(forKey: "a") == nil, "a change committed before the stream's start would never reach the cache")
        cache.follow()
        let before = cache.generation
        cache.drop("a")
        cache.remember("raced", forKey: "a", bytes: 100, readAt: before)
        #expect(cache.value(forKey: "a") == nil, "read before a drop: maybe the very row that changed")
        cache.remember("fresh", forKey: "a", bytes: 100, readAt: cache.generation)
        #expect(cache.value(forKey: "a") == "fresh")
        cache.remember("b", forKey: "ins_1\u{0}b", bytes: 100, readAt: cache.generation)
        cache.drop { key, _ in key.hasPrefix("ins_1\u{0}") }
        #expect(cache.value(forKey: "ins_1\u{0}b") == nil && cache.value(forKey: "a") == "fresh")
    }

    @Test func entriesExpireAndTheBudgetHolds() {
        let clock = TestClock()
        let cache = StreamFedCache<Int>(byteBudget: 64 << 10, lifetime: 1_000, clock: { clock.now })
        cache.follow()
        for index in 0..<10_000 { cache.remember(index, forKey: "user_\(index)", bytes: 200, readAt: cache.generation) }
        #expect(cache.usage.bytes <= 64 << 10 && cache.usage.count > 100)
        #expect(cache.value(forKey: "user_9999") == 9999 && cache.value(forKey: "user_0") == nil)
        clock.advance(by: 1_000)
        #expect(cache.value(forKey: "user_9999") == nil, "an entry serves for its lifetime at most")
    }

    /// The template caches' view: a user's change or deletion drops that user; a template's change
    /// drops every template of its instance, and no other.
    @Test func theStreamDropsWhatItNames() throws {
        let caches = TemplateCaches(configuration: ManagementConfiguration(issuer: "https://t.test"), clock: { 0 })
        caches.apply([])
        let template = try JWTTemplate(name: "t", claims: [:])
        let compiled = CompiledTemplate(template: template, signer: nil, algorithm: .rs256)
        for (instance, name) in [("ins_a", "t"), ("ins_a", "u"), ("ins_b", "t")] {
            caches.templates.remember(compiled, forKey: TemplateCaches.templateKey(instanceID: instance, name: name), bytes: 100, readAt: caches.templates.generation)
        }
        let user = User(id: "user_1", instanceID: "ins_a", createdAt: 0, updatedAt: 0)
        for id in ["user_1", "user_2", "user_3"] {
            var copy = user
            copy.id = id
            caches.users.remember(CachedUser(user: copy, templateUser: SessionManager.templateUser(copy)), forKey: id, bytes: 100, readAt: caches.users.generation)
        }
        caches.apply([
            Revocation(sequence: 1, instanceID: "ins_a", target: .templateChanged(id: "jtmp_1"), revokedAt: 0, retainUntil: 1),
            Revocation(sequence: 2, instanceID: "ins_a", target: .userUpdated(id: "user_1"), revokedAt: 0, retainUntil: 1),
            Revocation(sequence: 3, instanceID: "ins_a", target: .user(id: "user_2", notBefore: 0, sessionIDs: []), revokedAt: 0, retainUntil: 1),
            Revocation(sequence: 4, instanceID: "ins_a", target: .session(id: "user_3"), revokedAt: 0, retainUntil: 1),
        ])
        #expect(caches.templates.value(forKey: TemplateCaches.templateKey(instanceID: "ins_a", name: "t")) == nil)
        #expect(caches.templates.value(forKey: TemplateCaches.templateKey(instanceID: "ins_a", name: "u")) == nil)
        #expect(caches.templates.value(forKey: TemplateCaches.templateKey(instanceID: "ins_b", name: "t")) != nil)
        #expect(caches.users.value(forKey: "user_1") == nil && caches.users.value(forKey: "user_2") == nil)
        #expect(caches.users.value(forKey: "user_3") != nil)
    }
}
