import Foundation
public import SessionStorage
import Testing

/// The checks every `SessionStore` driver must pass. A driver's test target runs each by name
/// (`@Test(arguments: SessionStoreConformance.names)`) against a fresh store.
public enum SessionStoreConformance {
    public typealias Check = @Sendable (any SessionStore) async throws -> Void

    public static var names: [String] { allChecks.keys.sorted() }

    static var allChecks: [String: Check] { checks.merging(userChecks) { first, _ in first } }

    public static func run(_ name: String, on store: any SessionStore) async throws {
        guard let check = allChecks[name] else { Issue.record("no conformance check \(name)"); return }
        try await check(store)
    }

    static let checks: [String: Check] = [
        "instancesAndSecretKeys": instancesAndSecretKeys,
        "consentsAreGrantedInPlaceAndRevokedWithOneEntry": consentsAreGrantedInPlaceAndRevokedWithOneEntry,
        "otherSessionsEntryKeepsTheCurrentSession": otherSessionsEntryKeepsTheCurrentSession,
        "anomaliesAreMarkedAndFiltered": anomaliesAreMarkedAndFiltered,
        "tenantSettingsChangeOnTheStream": tenantSettingsChangeOnTheStream,
        "tenantsHaveUniqueSlugsAndOrderedSigningKeys": tenantsHaveUniqueSlugsAndOrderedSigningKeys,
        "usersAreScopedAndUnique": usersAreScopedAndUnique,
        "usersPageNewestFirst": usersPageNewestFirst,
        "sessionsNeedTheirUserAndClient": sessionsNeedTheirUserAndClient,
        "sessionListFiltersAndPages": sessionListFiltersAndPages,
        "statusIsDerivedFromTime": statusIsDerivedFromTime,
        "revokeIsIdempotentWithOneEntry": revokeIsIdempotentWithOneEntry,
        "revokingAnExpiredSessionAddsNoEntry": revokingAnExpiredSessionAddsNoEntry,
        "revokeUserSessionsIsOneEntry": revokeUserSessionsIsOneEntry,
        "deleteUserRevokesWithOneEntry": deleteUserRevokesWithOneEntry,
        "revocationFeedOrderAndScope": revocationFeedOrderAndScope,
        "pruneKeepsLiveEntriesAndNeverReusesSequences": pruneKeepsLiveEntriesAndNeverReusesSequences,
        "touchRespectsTheInterval": touchRespectsTheInterval,
        "tokenHorizonBoundsTheRevocationEntry": tokenHorizonBoundsTheRevocationEntry,
        "templatesCRUDAndNames": templatesCRUDAndNames,
        "templateKeyMaterialsAreReplacedOnlyWhereUnchanged": templateKeyMaterialsAreReplacedOnlyWhereUnchanged,
        "concurrentRevocationsAreAllRecorded": concurrentRevocationsAreAllRecorded,
        "userWideEntryListsOnlyTheSessionsItRevoked": userWideEntryListsOnlyTheSessionsItRevoked,
        "secretKeysAreListedAndRevokedWithAnEntry": secretKeysAreListedAndRevokedWithAnEntry,
        "controlCharactersNeverReachTheStore": controlCharactersNeverReachTheStore,
        "activeSessionsPageByKeysetWithFilters": activeSessionsPageByKeysetWithFilters,
        "activityIsRecordedOnActiveSessionsOnly": activityIsRecordedOnActiveSessionsOnly,
        "usersAreFoundByExternalID": usersAreFoundByExternalID,
        "auditedWritesAreNumberedAndChained": auditedWritesAreNumberedAndChained,
        "tenantsHaveSeparateAuditChains": tenantsHaveSeparateAuditChains,
        "writesThatFailOrChangeNothingWriteNoEvent": writesThatFailOrChangeNothingWriteNoEvent,
        "aRefusedEventUndoesItsChange": aRefusedEventUndoesItsChange,
        "pruningRemovesOnlyAPrefixAndKeepsTheChain": pruningRemovesOnlyAPrefixAndKeepsTheChain,
        "auditListFiltersPagesAndOrders": auditListFiltersPagesAndOrders,
    ]

    // MARK: Fixtures

    static let t0: Int64 = 1_800_000_000_000
    static let day: Int64 = 86_400_000

    /// An instance with one user, one client and `sessions` active sessions created a second apart.
    @discardableResult
    /// Ids are unique across the whole store (they come from a CSPRNG), so each instance gets its own default user.
    static func seed(
        _ store: any SessionStore, instance: String = "ins_a", user: String? = nil, sessions: Int = 0, tokenHorizon: Int64? = nil
    ) async throws -> [Session] {
        let user = user ?? (instance == "ins_a" ? "user_1" : "user_\(instance)")
        if try await store.instance(id: instance) == nil {
            try await store.createInstance(Instance(id: instance, slug: instance.replacingOccurrences(of: "_", with: "-"), environment: .development, createdAt: t0))
        }
        if try await store.user(instanceID: instance, id: user) == nil {
            try await store.createUser(User(id: user, instanceID: instance, createdAt: t0, updatedAt: t0))
        }
        let clientID = "client_\(instance)_\(user)"
        if try await store.client(instanceID: instance, id: clientID) == nil {
            try await store.createClient(Client(id: clientID, instanceID: instance, createdAt: t0, updatedAt: t0))
        }
        var created: [Session] = []
        for index in 0..<sessions {
            let at = t0 + Int64(index) * 1000
            let session = Session(
                id: "sess_\(instance)_\(user)_\(index)", instanceID: instance, userID: user, clientID: clientID,
                lastActiveAt: at, expireAt: at + 7 * day, abandonAt: at + 30 * day, createdAt: at, updatedAt: at, tokenHorizon: tokenHorizon)
            try await store.createSession(session)
            created.append(session)
        }
        return created
    }

    static func expectError(_ code: StorageError.Code, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as StorageError {
            #expect(error.code == code, "expected \(code), got \(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Checks

    static let instancesAndSecretKeys: Check = { store in
        try await seed(store)
        try await seed(store, instance: "ins_b")
        await expectError(.conflict) { try await store.createInstance(Instance(id: "ins_a", slug: "other", environment: .production, createdAt: t0)) }
        #expect(try await store.secretKeys(instanceID: "ins_a").isEmpty)
        let key = SecretKeyRecord(id: "key_1", instanceID: "ins_a", hash: Array(repeating: 7, count: 32), displayPrefix: "sk_test_ab", createdAt: t0)
        try await store.addSecretKey(key)
        #expect(try await store.secretKey(hash: Array(repeating: 7, count: 32)) == key)
        #expect(try await store.secretKey(hash: Array(repeating: 8, count: 32)) == nil)
        await expectError(.conflict) { try await store.addSecretKey(SecretKeyRecord(id: "key_2", instanceID: "ins_a", hash: key.hash, displayPrefix: "x", createdAt: t0)) }
        await expectError(.notFound) { try await store.addSecretKey(SecretKeyRecord(id: "key_3", instanceID: "ins_none", hash: [1], displayPrefix: "x", createdAt: t0)) }
        let revoked = SecretKeyRecord(id: "key_4", instanceID: "ins_a", hash: [9], displayPrefix: "x", createdAt: t0, revokedAt: t0)
        try await store.addSecretKey(revoked)
        #expect(try await store.secretKey(hash: [9]) == nil)
        #expect(try await store.secretKeys(instanceID: "ins_a").count == 2)
        #expect(try await store.secretKeys(instanceID: "ins_b").isEmpty)
        let onlyRevoked = SecretKeyRecord(id: "key_5", instanceID: "ins_b", hash: [10], displayPrefix: "x", createdAt: t0, revokedAt: t0)
        try await store.addSecretKey(onlyRevoked)
        #expect(try await store.secretKeys(instanceID: "ins_b").map(\.id) == ["key_5"], "revoked keys count")
    }

    static let usersAreScopedAndUnique: Check = { store in
        try await seed(store, instance: "ins_a")
        try await seed(store, instance: "ins_b", user: "user_b")
        #expect(try await store.user(instanceID: "ins_b", id: "user_1") == nil)
        await expectError(.conflict) { try await store.createUser(User(id: "user_1", instanceID: "ins_a", createdAt: t0, updatedAt: t0)) }
        var user = User(id: "user_2", instanceID: "ins_a", externalID: "ext-1", firstName: "Ada", createdAt: t0, updatedAt: t0)
        try await store.createUser(user)
        await expectError(.conflict) { try await store.createUser(User(id: "user_3", instanceID: "ins_a", externalID: "ext-1", createdAt: t0, updatedAt: t0)) }
        try await store.createUser(User(id: "user_4", instanceID: "ins_b", externalID: "ext-1", createdAt: t0, updatedAt: t0))
        user.firstName = "Grace"
        user.publicMetadata = #"{"role":"admin"}"#
        user.emailAddresses = [User.EmailAddress(id: "idn_1", emailAddress: "g@x.test", verified: true)]
        user.primaryEmailAddressID = "idn_1"
        user.updatedAt = t0 + 5
        let before = try await store.revocationBounds().highestAssigned
        let entry = try await store.updateUser(user, retainUntil: t0 + 99)
        // The change is on the stream, for every process that keeps the user in memory.
        #expect(entry.target == .userUpdated(id: "user_2") && entry.instanceID == "ins_a" && entry.revokedAt == t0 + 5 && entry.retainUntil == t0 + 99)
        #expect(entry.sequence == before + 1)
        #expect(try await store.allRevocations(after: before, limit: 10) == [entry])
        #expect(try await store.user(instanceID: "ins_a", id: "user_2") == user)
        var stranger = user
        stranger.instanceID = "ins_b"
        await expectError(.notFound) { _ = try await store.updateUser(stranger, retainUntil: t0 + 99) }
        // A refused update appends nothing.
        #expect(try await store.revocationBounds().highestAssigned == entry.sequence)
    }

    static let usersPageNewestFirst: Check = { store in
        try await seed(store)
        for index in 1...5 {
            try await store.createUser(User(id: "user_p\(index)", instanceID: "ins_a", createdAt: t0 + Int64(index), updatedAt: t0))
        }
        let page = try await store.users(instanceID: "ins_a", limit: 2, offset: 1)
        #expect(page.totalCount == 6)
        #expect(page.items.map(\.id) == ["user_p4", "user_p3"])
    }

    static let sessionsNeedTheirUserAndClient: Check = { store in
        try await seed(store)
        let base = Session(id: "sess_x", instanceID: "ins_a", userID: "user_none", clientID: "client_ins_a_user_1", lastActiveAt: t0, expireAt: t0 + day, abandonAt: t0 + day, createdAt: t0, updatedAt: t0)
        await expectError(.constraint) { try await store.createSession(base) }
        var noClient = base
        noClient.userID = "user_1"
        noClient.clientID = "client_none"
        await expectError(.constraint) { try await store.createSession(noClient) }
        var good = noClient
        good.clientID = "client_ins_a_user_1"
        try await store.createSession(good)
        await expectError(.conflict) { try await store.createSession(good) }
        #expect(try await store.session(instanceID: "ins_a", id: "sess_x") == good)
        #expect(try await store.session(instanceID: "ins_b", id: "sess_x") == nil)
    }

    static let sessionListFiltersAndPages: Check = { store in
        let mine = try await seed(store, sessions: 4)
        try await seed(store, user: "user_2", sessions: 2)
        try await seed(store, instance: "ins_b", sessions: 3)
        let page = try await store.sessions(SessionQuery(instanceID: "ins_a", userID: "user_1", limit: 2, offset: 1, now: t0))
        #expect(page.totalCount == 4)
        #expect(page.items.map(\.id) == [mine[2].id, mine[1].id])
        let byClient = try await store.sessions(SessionQuery(instanceID: "ins_a", clientID: "client_ins_a_user_2", limit: 10, now: t0))
        #expect(byClient.totalCount == 2 && byClient.items.allSatisfy { $0.userID == "user_2" })
        _ = try await store.revokeSession(instanceID: "ins_a", id: mine[0].id, at: t0 + 10_000, leeway: 5000)
        let revoked = try await store.sessions(SessionQuery(instanceID: "ins_a", userID: "user_1", status: .revoked, limit: 10, now: t0 + 20_000))
        #expect(revoked.items.map(\.id) == [mine[0].id])
        let active = try await store.sessions(SessionQuery(instanceID: "ins_a", userID: "user_1", status: .active, limit: 10, now: t0 + 20_000))
        #expect(active.totalCount == 3)
    }

    static let statusIsDerivedFromTime: Check = { store in
        let sessions = try await seed(store, sessions: 2)
        let later = sessions[0].expireAt + 1
        let read = try #require(try await store.session(instanceID: "ins_a", id: sessions[0].id))
        #expect(read.status == .active && read.effectiveStatus(at: later) == .expired)
        let expired = try await store.sessions(SessionQuery(instanceID: "ins_a", status: .expired, limit: 10, now: sessions[0].expireAt))
        #expect(expired.items.map(\.id) == [sessions[0].id])
        let active = try await store.sessions(SessionQuery(instanceID: "ins_a", status: .active, limit: 10, now: sessions[0].expireAt))
        #expect(active.items.map(\.id) == [sessions[1].id])
    }

    static let revokeIsIdempotentWithOneEntry: Check = { store in
        let session = try await seed(store, sessions: 1)[0]
        let (revoked, entry) = try await store.revokeSession(instanceID: "ins_a", id: session.id, at: t0 + 5000, leeway: 5000)
        #expect(revoked.status == .revoked && revoked.updatedAt == t0 + 5000)
        let first = try #require(entry)
        // Without a horizon of its own, a session's tokens may live as long as it does.
        #expect(first.target == .session(id: session.id) && first.revokedAt == t0 + 5000 && first.retainUntil == session.expireAt + 5000)
        let (again, second) = try await store.revokeSession(instanceID: "ins_a", id: session.id, at: t0 + 9000, leeway: 5000)
        #expect(again == revoked && second == nil)
        #expect(try await store.revocations(instanceID: "ins_a", after: 0, limit: 10) == [first])
        #expect(try await store.session(instanceID: "ins_a", id: session.id)?.status == .revoked)
        await expectError(.notFound) { _ = try await store.revokeSession(instanceID: "ins_b", id: session.id, at: t0, leeway: 0) }
    }

    static let revokingAnExpiredSessionAddsNoEntry: Check = { store in
        let session = try await seed(store, sessions: 1)[0]
        let (revoked, entry) = try await store.revokeSession(instanceID: "ins_a", id: session.id, at: session.expireAt, leeway: 5000)
        #expect(revoked.status == .revoked && entry == nil)
        #expect(try await store.revocations(instanceID: "ins_a", after: 0, limit: 10).isEmpty)
    }

    static let revokeUserSessionsIsOneEntry: Check = { store in
        let sessions = try await seed(store, sessions: 3)
        try await seed(store, user: "user_2", sessions: 1)
        let entry = try await store.revokeUserSessions(instanceID: "ins_a", userID: "user_1", at: t0 + 60_000, retainUntil: t0 + day)
        #expect(entry.target == .user(id: "user_1", notBefore: t0 + 60_000, sessionIDs: sessions.map(\.id).sorted()))
        for session in sessions {
            #expect(try await store.session(instanceID: "ins_a", id: session.id)?.status == .revoked)
        }
        #expect(try await store.sessions(SessionQuery(instanceID: "ins_a", userID: "user_2", status: .active, limit: 10, now: t0)).totalCount == 1)
        #expect(try await store.revocations(instanceID: "ins_a", after: 0, limit: 10).count == 1)
    }

    static let deleteUserRevokesWithOneEntry: Check = { store in
        let sessions = try await seed(store, sessions: 2)
        let entry = try await store.deleteUser(instanceID: "ins_a", id: "user_1", at: t0 + 1000, retainUntil: t0 + day)
        #expect(entry.target == .user(id: "user_1", notBefore: t0 + 1000, sessionIDs: sessions.map(\.id).sorted()))
        #expect(try await store.user(instanceID: "ins_a", id: "user_1") == nil)
        #expect(try await store.session(instanceID: "ins_a", id: sessions[0].id)?.status == .revoked)
        await expectError(.notFound) { _ = try await store.deleteUser(instanceID: "ins_a", id: "user_1", at: t0, retainUntil: t0) }
    }

    static let revocationFeedOrderAndScope: Check = { store in
        let a = try await seed(store, sessions: 5)
        let b = try await seed(store, instance: "ins_b", sessions: 2)
        for (index, session) in (a + b).enumerated() {
            _ = try await store.revokeSession(instanceID: session.instanceID, id: session.id, at: t0 + Int64(index), leeway: 5000)
        }
        // Counts are required before any index: a misbehaving store must fail the check, not crash
        // the test process and every result after it.
        let all = try await store.revocations(instanceID: "ins_a", after: 0, limit: 100)
        try #require(all.count == 5)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
        let tail = try await store.revocations(instanceID: "ins_a", after: all[1].sequence, limit: 2)
        #expect(tail == Array(all[2...3]))
        #expect(try await store.revocations(instanceID: "ins_b", after: 0, limit: 100).count == 2)
        let everyInstance = try await store.allRevocations(after: 0, limit: 100)
        try #require(everyInstance.count == 7)
        #expect(zip(everyInstance, everyInstance.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
        #expect(try await store.allRevocations(after: everyInstance[4].sequence, limit: 1) == [everyInstance[5]])
        let bounds = try await store.revocationBounds()
        #expect(bounds == RevocationBounds(lowestLive: everyInstance[0].sequence, highestAssigned: everyInstance[6].sequence))
    }

    static let pruneKeepsLiveEntriesAndNeverReusesSequences: Check = { store in
        let sessions = try await seed(store, sessions: 3, tokenHorizon: t0)
        _ = try await store.revokeSession(instanceID: "ins_a", id: sessions[0].id, at: t0, leeway: 1000)
        _ = try await store.revokeSession(instanceID: "ins_a", id: sessions[1].id, at: t0, leeway: 5000)
        #expect(try await store.pruneRevocations(now: t0 + 1000) == 1)
        let left = try await store.revocations(instanceID: "ins_a", after: 0, limit: 10)
        try #require(left.map(\.target) == [.session(id: sessions[1].id)])
        let (_, newest) = try await store.revokeSession(instanceID: "ins_a", id: sessions[2].id, at: t0 + 2000, leeway: day)
        #expect(try #require(newest).sequence > left[0].sequence)
        // The highest sequence survives pruning, so a feed can tell a cursor from another database.
        #expect(try await store.pruneRevocations(now: t0 + day) == 2)
        #expect(try await store.revocationBounds() == RevocationBounds(lowestLive: nil, highestAssigned: try #require(newest).sequence))
    }

    static let touchRespectsTheInterval: Check = { store in
        let session = try await seed(store, sessions: 1)[0]
        let early = try await store.touchSession(instanceID: "ins_a", id: session.id, at: session.lastActiveAt + 9_999, interval: 10_000, horizon: nil)
        #expect(early.lastActiveAt == session.lastActiveAt)
        let late = try await store.touchSession(instanceID: "ins_a", id: session.id, at: session.lastActiveAt + 10_000, interval: 10_000, horizon: nil)
        #expect(late.lastActiveAt == session.lastActiveAt + 10_000)
        #expect(try await store.session(instanceID: "ins_a", id: session.id)?.lastActiveAt == late.lastActiveAt)
    }

    /// A session's token horizon only moves up, only while it is active, and sets how long its
    /// revocation entry is kept: a mint that moved it before the revocation committed is covered,
    /// one that tries after sees the session revoked and the horizon unmoved.
    static let tokenHorizonBoundsTheRevocationEntry: Check = { store in
        let sessions = try await seed(store, sessions: 3, tokenHorizon: t0 + 300_000)
        #expect(try await store.session(instanceID: "ins_a", id: sessions[0].id)?.tokenHorizon == t0 + 300_000)
        // Within the interval: the horizon moves, last_active_at does not.
        let moved = try await store.touchSession(instanceID: "ins_a", id: sessions[0].id, at: t0 + 1, interval: 10_000, horizon: t0 + 900_000)
        #expect(moved.tokenHorizon == t0 + 900_000 && moved.lastActiveAt == sessions[0].lastActiveAt)
        let notDown = try await store.touchSession(instanceID: "ins_a", id: sessions[0].id, at: t0 + 2, interval: 10_000, horizon: t0 + 400_000)
        #expect(notDown.tokenHorizon == t0 + 900_000)
        let (_, entry) = try await store.revokeSession(instanceID: "ins_a", id: sessions[0].id, at: t0 + 3, leeway: 5000)
        #expect(try #require(entry).retainUntil == t0 + 905_000)
        let late = try await store.touchSession(instanceID: "ins_a", id: sessions[0].id, at: t0 + 4, interval: 10_000, horizon: t0 + 2 * day)
        #expect(late.status == .revoked && late.tokenHorizon == t0 + 900_000, "a revoked session's horizon never moves")
        // Untouched: the horizon it was created with.
        let (_, plain) = try await store.revokeSession(instanceID: "ins_a", id: sessions[1].id, at: t0 + 5, leeway: 5000)
        #expect(try #require(plain).retainUntil == t0 + 305_000)
        // Never past the session's own end, whatever the horizon.
        _ = try await store.touchSession(instanceID: "ins_a", id: sessions[2].id, at: t0 + 6, interval: 10_000, horizon: t0 + 30 * day)
        let (_, capped) = try await store.revokeSession(instanceID: "ins_a", id: sessions[2].id, at: t0 + 7, leeway: 5000)
        #expect(try #require(capped).retainUntil == sessions[2].expireAt + 5000)
    }

    static let templatesCRUDAndNames: Check = { store in
        try await seed(store)
        try await seed(store, instance: "ins_b")
        let first = JWTTemplateRecord(id: "jtmp_1", instanceID: "ins_a", name: "convex", claims: #"{"aud":"convex"}"#, createdAt: t0, updatedAt: t0)
        var second = JWTTemplateRecord(
            id: "jtmp_2", instanceID: "ins_a", name: "hasura", claims: "{}", lifetime: 300,
            customSigningKey: .init(algorithm: "HS256", material: "secret-secret-secret-secret-secret!"), createdAt: t0 + 1, updatedAt: t0 + 1)
        try await store.createTemplate(first)
        try await store.createTemplate(second)
        try await store.createTemplate(JWTTemplateRecord(id: "jtmp_3", instanceID: "ins_b", name: "convex", claims: "{}", createdAt: t0, updatedAt: t0))
        await expectError(.conflict) { try await store.createTemplate(JWTTemplateRecord(id: "jtmp_4", instanceID: "ins_a", name: "convex", claims: "{}", createdAt: t0, updatedAt: t0)) }
        #expect(try await store.template(instanceID: "ins_a", name: "hasura") == second)
        #expect(try await store.template(instanceID: "ins_b", id: "jtmp_1") == nil)
        second.name = "convex"
        let before = try await store.revocationBounds().highestAssigned
        await expectError(.conflict) { _ = try await store.updateTemplate(second, retainUntil: t0 + 99) }
        #expect(try await store.revocationBounds().highestAssigned == before)
        second.name = "hasura-v2"
        let updated = try await store.updateTemplate(second, retainUntil: t0 + 99)
        #expect(updated.target == .templateChanged(id: "jtmp_2") && updated.instanceID == "ins_a" && updated.sequence == before + 1)
        #expect(try await store.templates(instanceID: "ins_a", limit: 10, offset: 0).items.map(\.name) == ["convex", "hasura-v2"])
        let deleted = try await store.deleteTemplate(instanceID: "ins_a", id: "jtmp_1", at: t0 + 7, retainUntil: t0 + 99)
        #expect(deleted.target == .templateChanged(id: "jtmp_1") && deleted.revokedAt == t0 + 7 && deleted.sequence == updated.sequence + 1)
        await expectError(.notFound) { _ = try await store.deleteTemplate(instanceID: "ins_a", id: "jtmp_1", at: t0 + 8, retainUntil: t0 + 99) }
        await expectError(.notFound) { _ = try await store.deleteTemplate(instanceID: "ins_b", id: "jtmp_2", at: t0 + 8, retainUntil: t0 + 99) }
        #expect(try await store.allRevocations(after: before, limit: 10) == [updated, deleted])
        #expect(try await store.templates(instanceID: "ins_a", limit: 10, offset: 0).totalCount == 1)
    }

    static let templateKeyMaterialsAreReplacedOnlyWhereUnchanged: Check = { store in
        try await seed(store)
        try await seed(store, instance: "ins_b")
        try await store.createTemplate(JWTTemplateRecord(id: "jtmp_1", instanceID: "ins_a", name: "plain", claims: "{}", createdAt: t0, updatedAt: t0))
        for (id, instance) in [("jtmp_2", "ins_a"), ("jtmp_3", "ins_b")] {
            try await store.createTemplate(JWTTemplateRecord(
                id: id, instanceID: instance, name: "own", claims: "{}", signingAlgorithm: "HS256",
                customSigningKey: .init(algorithm: "HS256", material: "clear-\(id)"), createdAt: t0, updatedAt: t0))
        }
        let stored = try await store.templateKeyMaterials()
        #expect(stored.map(\.templateID) == ["jtmp_2", "jtmp_3"] && stored.map(\.material) == ["clear-jtmp_2", "clear-jtmp_3"])
        var stale = stored[1]
        stale.material = "something else"
        let replaced = try await store.replaceTemplateKeyMaterials([
            .init(stored: stored[0], material: "sealed-2"), .init(stored: stale, material: "sealed-3"),
        ])
        #expect(replaced == 1)
        #expect(try await store.templateKeyMaterials().map(\.material) == ["sealed-2", "clear-jtmp_3"])
        #expect(try await store.template(instanceID: "ins_a", id: "jtmp_2")?.customSigningKey?.material == "sealed-2")
    }

    static let concurrentRevocationsAreAllRecorded: Check = { store in
        let sessions = try await seed(store, sessions: 40)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for session in sessions {
                group.addTask { _ = try await store.revokeSession(instanceID: "ins_a", id: session.id, at: t0 + 1, leeway: 5000) }
            }
            try await group.waitForAll()
        }
        let entries = try await store.revocations(instanceID: "ins_a", after: 0, limit: 100)
        #expect(entries.count == 40)
        #expect(Set(entries.map(\.sequence)).count == 40)
        #expect(Set(entries.map(\.target)) == Set(sessions.map { Revocation.Target.session(id: $0.id) }))
    }
}
