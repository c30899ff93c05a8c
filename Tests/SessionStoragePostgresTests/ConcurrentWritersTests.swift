import SessionStorage
import SessionStoragePostgres
import Testing

/// Several nodes writing one tenant at once: every write succeeds (no deadlock surfaces, the lock
/// order holds), the tenant's audit chain stays one unbroken chain, and the feed stays gap-free.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipReason), .timeLimit(.minutes(1)))
struct ConcurrentWritersTests {
    static let t0: Int64 = 1_800_000_000_000
    static let day: Int64 = 86_400_000

    static func audit(_ id: String, _ type: String, user: String? = nil, session: String? = nil) -> AuditDraft {
        AuditDraft(id: id, type: type, occurredAt: t0, actor: .system, userID: user, sessionID: session)
    }

    @Test func mixedAuditedWritesFromManyConnectionsKeepOneChainAndOneFeed() async throws {
        try await PostgresTestServer.withDatabase { base in
            var configuration = base
            configuration.poolSize = 8
            // Two stores: two nodes, each with its own pool, on one database.
            let nodes = [try await PostgresSessionStore(configuration: configuration), try await PostgresSessionStore(configuration: configuration)]
            let store = nodes[0]
            try await store.createInstance(Instance(id: "ins_a", slug: "ins-a", environment: .development, createdAt: Self.t0))
            try await store.createClient(Client(id: "client_1", instanceID: "ins_a", createdAt: Self.t0, updatedAt: Self.t0))
            for user in 0..<4 { try await store.createUser(User(id: "user_\(user)", instanceID: "ins_a", createdAt: Self.t0, updatedAt: Self.t0)) }
            var sessions: [Session] = []
            for index in 0..<48 {
                let session = Session(
                    id: "sess_\(index)", instanceID: "ins_a", userID: "user_\(index % 4)", clientID: "client_1", lastActiveAt: Self.t0,
                    expireAt: Self.t0 + Self.day, abandonAt: Self.t0 + Self.day, createdAt: Self.t0 + Int64(index), updatedAt: Self.t0)
                try await store.createSession(session)
                sessions.append(session)
            }
            let created = sessions
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, session) in created.enumerated() {
                    let node = nodes[index % 2]
                    group.addTask {
                        switch index % 6 {
                        case 0:
                            _ = try await node.revokeSession(
                                instanceID: "ins_a", id: session.id, at: Self.t0 + 1, leeway: 5000,
                                audit: Self.audit("aud_r\(index)", "auth.session_revoked", session: session.id))
                        case 1:
                            _ = try await node.recordActivity(
                                instanceID: "ins_a", id: session.id, activity: Session.Activity(ipAddress: "192.0.2.\(index)"), at: Self.t0 + 2,
                                anomaly: Self.audit("aud_a\(index)", "session.anomaly", session: session.id))
                        case 2:
                            _ = try await node.touchSession(instanceID: "ins_a", id: session.id, at: Self.t0 + 60_000, interval: 1000, horizon: Self.t0 + 90_000)
                        case 3:
                            _ = try await node.revokeUserSessions(
                                instanceID: "ins_a", userID: session.userID, except: session.id, at: Self.t0 + 3, retainUntil: Self.t0 + Self.day,
                                audit: Self.audit("aud_u\(index)", "auth.sessions_revoked", user: session.userID))
                        case 4:
                            try await node.createSession(
                                Session(
                                    id: "sess_new_\(index)", instanceID: "ins_a", userID: session.userID, clientID: "client_1", lastActiveAt: Self.t0,
                                    expireAt: Self.t0 + Self.day, abandonAt: Self.t0 + Self.day, createdAt: Self.t0 + 100, updatedAt: Self.t0),
                                audit: Self.audit("aud_c\(index)", "auth.session_created", session: "sess_new_\(index)"))
                        default:
                            _ = try await node.appendAudit(instanceID: "ins_a", Self.audit("aud_x\(index)", "tenant.exported"))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let events = try await store.auditEvents(AuditQuery(instanceID: "ins_a", limit: 1000))
            #expect(events.map(\.sequence) == Array(1...Int64(events.count)), "one chain, numbered without holes")
            #expect(AuditChain.verify(events) == .intact(count: events.count, head: events.last?.hash))
            #expect(events.count >= 8 + 8 + 8 + 8, "every audited write left its event")
            let feed = try await nodes[1].allRevocations(after: 0, limit: 1000)
            #expect(feed.map(\.sequence) == Array(1...Int64(feed.count)), "the feed is gap-free")
            for node in nodes { await node.close() }
        }
    }
}
