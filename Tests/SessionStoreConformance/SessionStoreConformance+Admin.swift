import SessionNetwork
import SessionStorage
import Testing

/// What the tenant admin surface needs of a store: the active sessions of an instance by keyset
/// pages, filtered by user and by address block, and the activity recorded on them.
extension SessionStoreConformance {
    static func session(_ index: Int, user: String, address: String?, at: Int64, instance: String = "ins_a") -> Session {
        Session(
            id: "sess_\(instance)_x\(index)", instanceID: instance, userID: user, clientID: "client_\(instance)_\(user)", lastActiveAt: at,
            expireAt: at + 7 * day, abandonAt: at + 30 * day, createdAt: at, updatedAt: at,
            activity: address.map { Session.Activity(ipAddress: $0) })
    }

    static let activeSessionsPageByKeysetWithFilters: Check = { store in
        try await seed(store)
        try await seed(store, user: "user_2")
        try await seed(store, instance: "ins_b")
        let addresses = ["203.0.113.5", "203.0.113.77", "198.51.100.1", "2001:db8::1", nil, "203.0.114.1"]
        var created: [Session] = []
        for index in 0..<12 {
            // Pairs share a millisecond: the id breaks the tie.
            let session = Self.session(index, user: index % 2 == 0 ? "user_1" : "user_2", address: addresses[index % 6], at: t0 + Int64(index / 2))
            try await store.createSession(session)
            created.append(session)
        }
        try await store.createSession(Self.session(99, user: "user_ins_b", address: "203.0.113.5", at: t0, instance: "ins_b"))
        let newestFirst = created.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        // Revoked and expired sessions are not listed.
        _ = try await store.revokeSession(instanceID: "ins_a", id: newestFirst[3].id, at: t0 + 100, leeway: 0)
        let live = newestFirst.filter { $0.id != newestFirst[3].id }

        var pages: [[Session]] = []
        var cursor: SessionCursor?
        repeat {
            let page = try await store.activeSessions(ActiveSessionQuery(instanceID: "ins_a", after: cursor, limit: 4, now: t0 + 100))
            pages.append(page)
            cursor = page.count == 4 ? page.last.map { SessionCursor(createdAt: $0.createdAt, id: $0.id) } : nil
            // A session created between pages, newer than every one listed: never shows up in a later page.
            if pages.count == 1 { try await store.createSession(Self.session(50, user: "user_1", address: nil, at: t0 + 1000)) }
        } while cursor != nil
        #expect(pages.flatMap { $0 }.map(\.id) == live.map(\.id))
        #expect(try await store.activeSessions(ActiveSessionQuery(instanceID: "ins_a", limit: 100, now: t0 + 8 * day)).map(\.id) == [], "all expired by then")

        let user2 = try await store.activeSessions(ActiveSessionQuery(instanceID: "ins_a", userID: "user_2", limit: 100, now: t0 + 100))
        #expect(user2.map(\.id) == live.filter { $0.userID == "user_2" }.map(\.id))
        func inBlock(_ text: String) async throws -> [String] {
            try await store.activeSessions(ActiveSessionQuery(instanceID: "ins_a", addresses: IPNetwork(text), limit: 100, now: t0 + 100)).map(\.id)
        }
        func expected(_ block: String) -> [String] {
            let network = IPNetwork(block)!
            return live.filter { $0.activity?.ipAddress.flatMap { IPAddress($0) }.map(network.contains) ?? false }.map(\.id)
        }
        for block in ["203.0.113.0/24", "203.0.113.5", "203.0.112.0/23", "2001:db8::/32", "0.0.0.0/0", "::/0", "10.0.0.0/8"] {
            #expect(try await inBlock(block) == expected(block), "block \(block)")
        }
        #expect(expected("203.0.113.0/24").count >= 3 && expected("2001:db8::/32").count >= 1, "the blocks select something")
        let narrowed = try await store.activeSessions(
            ActiveSessionQuery(instanceID: "ins_a", userID: "user_1", addresses: IPNetwork("203.0.113.0/24"), limit: 100, now: t0 + 100))
        #expect(narrowed.allSatisfy { $0.userID == "user_1" && $0.activity?.ipAddress?.hasPrefix("203.0.113.") == true })
        // Ids with control characters match nothing.
        #expect(try await store.activeSessions(ActiveSessionQuery(instanceID: "ins_a\0", limit: 10, now: t0)).isEmpty)
    }

    static let activityIsRecordedOnActiveSessionsOnly: Check = { store in
        let sessions = try await seed(store, sessions: 2)
        let activity = Session.Activity(
            userAgent: "Mozilla/5.0", ipAddress: "2001:db8::7", deviceType: "desktop", isMobile: false, browserName: "Chrome",
            browserVersion: "120.0", osName: "Mac OS X", city: "London", country: "GB")
        let recorded = try await store.recordActivity(instanceID: "ins_a", id: sessions[0].id, activity: activity, at: t0 + 5000)
        #expect(recorded.activity == activity && recorded.lastActiveAt == t0 + 5000)
        #expect(try await store.session(instanceID: "ins_a", id: sessions[0].id) == recorded)
        #expect(try await store.activeSessions(ActiveSessionQuery(instanceID: "ins_a", addresses: IPNetwork("2001:db8::/64"), limit: 10, now: t0 + 5000))
            .map(\.id) == [sessions[0].id])
        _ = try await store.revokeSession(instanceID: "ins_a", id: sessions[1].id, at: t0 + 1, leeway: 0)
        let unchanged = try await store.recordActivity(instanceID: "ins_a", id: sessions[1].id, activity: activity, at: t0 + 6000)
        #expect(unchanged.activity == nil && unchanged.status == .revoked)
        await expectError(.notFound) { _ = try await store.recordActivity(instanceID: "ins_b", id: sessions[0].id, activity: activity, at: t0) }
        var hostile = activity
        hostile.userAgent = "Mozilla\u{0}"
        await expectError(.constraint) { _ = try await store.recordActivity(instanceID: "ins_a", id: sessions[0].id, activity: hostile, at: t0) }
    }

    static let usersAreFoundByExternalID: Check = { store in
        try await seed(store)
        try await seed(store, instance: "ins_b")
        try await store.createUser(User(id: "user_x", instanceID: "ins_a", externalID: "crm-42", createdAt: t0, updatedAt: t0))
        #expect(try await store.user(instanceID: "ins_a", externalID: "crm-42")?.id == "user_x")
        #expect(try await store.user(instanceID: "ins_b", externalID: "crm-42") == nil)
        #expect(try await store.user(instanceID: "ins_a", externalID: "crm-4") == nil)
        #expect(try await store.user(instanceID: "ins_a", externalID: "crm-42\0") == nil)
        _ = try await store.deleteUser(instanceID: "ins_a", id: "user_x", at: t0 + 1, retainUntil: t0 + 2)
        #expect(try await store.user(instanceID: "ins_a", externalID: "crm-42") == nil)
    }
}
