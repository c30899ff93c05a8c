import SessionStorage
import Testing

/// The audit log every driver keeps: an event per audited change, in the change's transaction,
/// numbered 1, 2, 3, … per tenant and hash-chained so that `AuditChain.verify` says intact; nothing
/// written for a write that failed or changed nothing; only a prefix pruned, behind an
/// `audit.pruned` event; and the listing's filters, cursor and both orders.
extension SessionStoreConformance {
    static func audit(_ id: String, _ type: String, at: Int64 = t0, user: String? = nil, session: String? = nil) -> AuditDraft {
        AuditDraft(
            id: id, type: type, occurredAt: at, actor: AuditEvent.Actor(type: .secretKey, id: "key_1"), userID: user, sessionID: session,
            ipAddress: "203.0.113.5", userAgent: "conformance/1.0")
    }

    static func auditLog(_ store: any SessionStore, _ instance: String = "ins_a") async throws -> [AuditEvent] {
        try await store.auditEvents(AuditQuery(instanceID: instance, limit: 10_000))
    }

    static func auditSession(_ id: String, user: String, at: Int64, instance: String = "ins_a", client: String = "client_ins_a_user_1") -> Session {
        Session(
            id: id, instanceID: instance, userID: user, clientID: client, lastActiveAt: at, expireAt: at + 7 * day, abandonAt: at + 30 * day,
            createdAt: at, updatedAt: at)
    }

    /// A user and three sessions created, one revoked, then the rest at once: six events, 1…6, intact.
    static func auditedWrites(_ store: any SessionStore, instance: String = "ins_a", prefix: String = "a") async throws {
        let client = "client_\(instance)_\(instance == "ins_a" ? "user_1" : "user_\(instance)")"
        let user = "user_\(prefix)2"
        try await store.createUser(
            User(id: user, instanceID: instance, createdAt: t0, updatedAt: t0), audit: audit("aud_\(prefix)1", "user.created", user: user))
        for index in 1...3 {
            let id = "sess_\(prefix)\(index)"
            try await store.createSession(
                auditSession(id, user: user, at: t0 + Int64(index), instance: instance, client: client),
                audit: audit("aud_\(prefix)\(index + 1)", "auth.session_created", at: t0 + Int64(index), user: user, session: id))
        }
        _ = try await store.revokeSession(
            instanceID: instance, id: "sess_\(prefix)1", at: t0 + 10, leeway: 0,
            audit: audit("aud_\(prefix)5", "auth.session_revoked", at: t0 + 10, user: user, session: "sess_\(prefix)1"))
        _ = try await store.revokeUserSessions(
            instanceID: instance, userID: user, except: nil, at: t0 + 20, retainUntil: t0 + day,
            audit: audit("aud_\(prefix)6", "auth.sessions_revoked", at: t0 + 20, user: user))
    }

    static let auditedWritesAreNumberedAndChained: Check = { store in
        try await seed(store)
        try await auditedWrites(store)
        let events = try await auditLog(store)
        #expect(events.map(\.sequence) == [1, 2, 3, 4, 5, 6])
        #expect(events.map(\.id) == ["aud_a1", "aud_a2", "aud_a3", "aud_a4", "aud_a5", "aud_a6"])
        #expect(events.map(\.type) == ["user.created", "auth.session_created", "auth.session_created", "auth.session_created",
                                       "auth.session_revoked", "auth.sessions_revoked"])
        #expect(AuditChain.verify(events) == .intact(count: 6, head: events.last?.hash))
        #expect(events.first?.previousHash == AuditChain.genesis)
        #expect(events.allSatisfy { $0.instanceID == "ins_a" && $0.ipAddress == "203.0.113.5" && $0.userAgent == "conformance/1.0" })
        // "Sign out everywhere" records how many it revoked (two: the first was revoked before).
        #expect(events.last?.data["revoked_count"] == .integer(2))
        // An event that goes with no other write continues the chain.
        let appended = try await store.appendAudit(instanceID: "ins_a", audit("aud_a7", "tenant.exported"))
        #expect(appended.sequence == 7 && appended.previousHash == events.last?.hash)
        #expect(AuditChain.verify(try await auditLog(store)) == .intact(count: 7, head: appended.hash))
        await expectError(.notFound) { _ = try await store.appendAudit(instanceID: "ins_none", audit("aud_a8", "tenant.exported")) }
    }

    static let tenantsHaveSeparateAuditChains: Check = { store in
        try await seed(store)
        try await seed(store, instance: "ins_b")
        try await auditedWrites(store, instance: "ins_a", prefix: "a")
        try await auditedWrites(store, instance: "ins_b", prefix: "b")
        _ = try await store.appendAudit(instanceID: "ins_a", audit("aud_a7", "tenant.exported"))
        let first = try await auditLog(store, "ins_a")
        let second = try await auditLog(store, "ins_b")
        #expect(first.map(\.sequence) == Array(1...7))
        #expect(second.map(\.sequence) == Array(1...6))
        #expect(second.allSatisfy { $0.instanceID == "ins_b" && $0.id.hasPrefix("aud_b") })
        #expect(second.first?.previousHash == AuditChain.genesis)
        #expect(AuditChain.verify(first) == .intact(count: 7, head: first.last?.hash))
        #expect(AuditChain.verify(second) == .intact(count: 6, head: second.last?.hash))
        #expect(try await auditLog(store, "ins_none").isEmpty)
    }

    static let writesThatFailOrChangeNothingWriteNoEvent: Check = { store in
        try await seed(store)
        try await auditedWrites(store)
        // A taken id: the write fails, and so does its event.
        await expectError(.conflict) {
            try await store.createUser(User(id: "user_a2", instanceID: "ins_a", createdAt: t0, updatedAt: t0), audit: audit("aud_x1", "user.created"))
        }
        // A session for a user that does not exist.
        await expectError(.constraint) {
            try await store.createSession(auditSession("sess_x", user: "user_none", at: t0), audit: audit("aud_x2", "auth.session_created"))
        }
        // Already revoked: nothing changes, nothing is recorded.
        let (again, entry) = try await store.revokeSession(
            instanceID: "ins_a", id: "sess_a1", at: t0 + 30, leeway: 0, audit: audit("aud_x3", "auth.session_revoked"))
        #expect(again.status == .revoked && entry == nil)
        // Unknown session.
        await expectError(.notFound) {
            _ = try await store.revokeSession(instanceID: "ins_a", id: "sess_none", at: t0, leeway: 0, audit: audit("aud_x4", "auth.session_revoked"))
        }
        let events = try await auditLog(store)
        #expect(events.map(\.sequence) == [1, 2, 3, 4, 5, 6])
        #expect(!events.contains { $0.id.hasPrefix("aud_x") })
        // The failed writes left no hole: the next event is 7 and links to 6.
        let next = try await store.appendAudit(instanceID: "ins_a", audit("aud_a7", "tenant.exported"))
        #expect(next.sequence == 7 && next.previousHash == events.last?.hash)
    }

    static let aRefusedEventUndoesItsChange: Check = { store in
        try await seed(store)
        try await auditedWrites(store)
        let before = try await auditLog(store)
        let feed = try await store.revocations(instanceID: "ins_a", after: 0, limit: 1000)
        var dirty = audit("aud_y1", "user.created", user: "user_y")
        dirty.userAgent = "bad\u{0}agent"
        await expectError(.constraint) {
            try await store.createUser(User(id: "user_y", instanceID: "ins_a", createdAt: t0, updatedAt: t0), audit: dirty)
        }
        #expect(try await store.user(instanceID: "ins_a", id: "user_y") == nil)

        try await store.createSession(auditSession("sess_y", user: "user_1", at: t0 + 40))
        var badType = audit("aud_y2", "auth.session_revoked\n", session: "sess_y")
        badType.data = ["reason": .string("ok")]
        await expectError(.constraint) {
            _ = try await store.revokeSession(instanceID: "ins_a", id: "sess_y", at: t0 + 50, leeway: 0, audit: badType)
        }
        #expect(try await store.session(instanceID: "ins_a", id: "sess_y")?.status == .active)
        var badData = audit("aud_y3", "auth.sessions_revoked", user: "user_1")
        badData.data = ["note": .string("tab\there")]
        await expectError(.constraint) {
            _ = try await store.revokeUserSessions(instanceID: "ins_a", userID: "user_1", except: nil, at: t0 + 60, retainUntil: t0 + day, audit: badData)
        }
        var badKey = audit("aud_y4", "auth.sessions_revoked", user: "user_1")
        badKey.data = ["not a key": .bool(true)]
        await expectError(.constraint) {
            _ = try await store.revokeUserSessions(instanceID: "ins_a", userID: "user_1", except: nil, at: t0 + 60, retainUntil: t0 + day, audit: badKey)
        }
        #expect(try await store.session(instanceID: "ins_a", id: "sess_y")?.status == .active)
        // Neither a revocation entry nor an event was left behind.
        #expect(try await store.revocations(instanceID: "ins_a", after: 0, limit: 1000) == feed)
        #expect(try await auditLog(store) == before)
    }

    static let pruningRemovesOnlyAPrefixAndKeepsTheChain: Check = { store in
        try await seed(store)
        // Ten events a minute apart, but the sixth written under a clock a day ahead: it is not old
        // enough, so pruning stops before it even though the later ones are.
        for index in 1...10 {
            let at = index == 6 ? t0 + day : t0 + Int64(index) * 60_000
            _ = try await store.appendAudit(instanceID: "ins_a", audit("aud_p\(index)", "tenant.exported", at: at))
        }
        let all = try await auditLog(store)
        let record = AuditDraft(id: "aud_pruned1", type: AuditChain.prunedType, occurredAt: t0 + 2 * day, actor: .system)
        #expect(try await store.pruneAudit(instanceID: "ins_a", before: t0 + 11 * 60_000, record: record) == 5)
        let kept = try await auditLog(store)
        #expect(kept.map(\.sequence) == [6, 7, 8, 9, 10, 11])
        #expect(Array(kept.prefix(5)) == Array(all.suffix(5)))
        let pruned = kept.last
        #expect(pruned?.type == AuditChain.prunedType && pruned?.previousHash == all.last?.hash)
        #expect(pruned?.data["through_seq"] == .integer(5))
        #expect(pruned?.data["last_hash"] == .string(AuditChain.hex(all[4].hash)))
        #expect(pruned?.data["removed"] == .integer(5))
        #expect(AuditChain.verify(kept) == .intact(count: 6, head: pruned?.hash))
        // Nothing old enough: nothing removed and no event.
        #expect(try await store.pruneAudit(instanceID: "ins_a", before: t0, record: record) == 0)
        #expect(try await auditLog(store).count == 6)
        // A second prune: the latest audit.pruned event anchors the start; the first one stays.
        let second = AuditDraft(id: "aud_pruned2", type: AuditChain.prunedType, occurredAt: t0 + 3 * day, actor: .system)
        #expect(try await store.pruneAudit(instanceID: "ins_a", before: t0 + day + 1, record: second) == 5)
        let after = try await auditLog(store)
        #expect(after.map(\.id) == ["aud_pruned1", "aud_pruned2"])
        #expect(after.last?.data["through_seq"] == .integer(10))
        #expect(AuditChain.verify(after) == .intact(count: 2, head: after.last?.hash))
        // Appending after a prune continues the numbering and the chain.
        let next = try await store.appendAudit(instanceID: "ins_a", audit("aud_p11", "tenant.exported", at: t0 + 4 * day))
        #expect(next.sequence == 13 && next.previousHash == after.last?.hash)
        #expect(AuditChain.verify(try await auditLog(store)) == .intact(count: 3, head: next.hash))
    }

    static let auditListFiltersPagesAndOrders: Check = { store in
        try await seed(store)
        try await seed(store, instance: "ins_b")
        try await auditedWrites(store)
        try await auditedWrites(store, instance: "ins_b", prefix: "b")
        func ids(_ query: AuditQuery) async throws -> [String] { try await store.auditEvents(query).map(\.id) }
        #expect(try await ids(AuditQuery(instanceID: "ins_a", type: "auth.session_created", limit: 100)) == ["aud_a2", "aud_a3", "aud_a4"])
        #expect(try await ids(AuditQuery(instanceID: "ins_a", sessionID: "sess_a1", limit: 100)) == ["aud_a2", "aud_a5"])
        #expect(try await ids(AuditQuery(instanceID: "ins_a", userID: "user_a2", limit: 100)).count == 6)
        #expect(try await ids(AuditQuery(instanceID: "ins_a", userID: "user_b2", limit: 100)).isEmpty)
        #expect(try await ids(AuditQuery(instanceID: "ins_a", type: "auth.session_created", sessionID: "sess_a3", limit: 100)) == ["aud_a4"])
        // Oldest first after a cursor, newest first before one, at most `limit`.
        #expect(try await ids(AuditQuery(instanceID: "ins_a", cursor: 2, limit: 3)) == ["aud_a3", "aud_a4", "aud_a5"])
        #expect(try await ids(AuditQuery(instanceID: "ins_a", cursor: 5, limit: 3, order: .newestFirst)) == ["aud_a4", "aud_a3", "aud_a2"])
        #expect(try await ids(AuditQuery(instanceID: "ins_a", limit: 2, order: .newestFirst)) == ["aud_a6", "aud_a5"])
        #expect(try await ids(AuditQuery(instanceID: "ins_a", type: "auth.session_created", cursor: 4, limit: 10, order: .newestFirst))
            == ["aud_a3", "aud_a2"])
        #expect(try await ids(AuditQuery(instanceID: "ins_a", cursor: 6, limit: 10)).isEmpty)
        // Paging oldest first by the last sequence seen reads the whole log once.
        var paged: [String] = []
        var cursor: Int64?
        repeat {
            let page = try await store.auditEvents(AuditQuery(instanceID: "ins_b", cursor: cursor, limit: 4))
            paged += page.map(\.id)
            cursor = page.count == 4 ? page.last?.sequence : nil
        } while cursor != nil
        #expect(paged == ["aud_b1", "aud_b2", "aud_b3", "aud_b4", "aud_b5", "aud_b6"])
        // A filter with a control character finds nothing rather than failing.
        #expect(try await ids(AuditQuery(instanceID: "ins_a", type: "user.created\u{0}", limit: 100)).isEmpty)
    }
}
