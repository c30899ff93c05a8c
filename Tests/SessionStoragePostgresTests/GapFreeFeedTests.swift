import Foundation
import PostgresNIO
import SessionStorage
import SessionStoragePostgres
import Testing

/// Decision 0018: the revocation feed is numbered in commit order with no holes, however many
/// connections revoke at once, so a follower that moves its cursor past n never misses an entry below n.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipReason), .timeLimit(.minutes(1)))
struct GapFreeFeedTests {
    static let t0: Int64 = 1_800_000_000_000
    static let day: Int64 = 86_400_000

    static func seed(_ store: PostgresSessionStore, sessions count: Int) async throws -> [Session] {
        try await store.createInstance(Instance(id: "ins_a", slug: "ins-a", environment: .development, createdAt: t0))
        try await store.createUser(User(id: "user_1", instanceID: "ins_a", createdAt: t0, updatedAt: t0))
        try await store.createClient(Client(id: "client_1", instanceID: "ins_a", createdAt: t0, updatedAt: t0))
        var sessions: [Session] = []
        for index in 0..<count {
            let session = Session(
                id: "sess_\(index)", instanceID: "ins_a", userID: "user_1", clientID: "client_1", lastActiveAt: t0, expireAt: t0 + day,
                abandonAt: t0 + day, createdAt: t0 + Int64(index), updatedAt: t0)
            try await store.createSession(session)
            sessions.append(session)
        }
        return sessions
    }

    /// Eight tasks revoke 200 sessions over the pool's connections while a follower polls from its
    /// cursor: it must read 1, 2, 3, … with no entry skipped, repeated or out of order.
    @Test func aFollowerSeesEveryEntryOnceInOrderWhileManyConnectionsRevoke() async throws {
        try await PostgresTestServer.withDatabase { base in
            var configuration = base
            configuration.poolSize = 8
            let store = try await PostgresSessionStore(configuration: configuration)
            let sessions = try await Self.seed(store, sessions: 200)
            let writers = 8
            async let revoked: Void = withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for (index, session) in sessions.enumerated() where index % writers == writer {
                            _ = try await store.revokeSession(instanceID: "ins_a", id: session.id, at: Self.t0 + 1, leeway: 5000)
                        }
                    }
                }
                try await group.waitForAll()
            }
            var cursor: Int64 = 0
            var seen: [String] = []
            var polls = 0
            let deadline = ContinuousClock.now + .seconds(45)
            while seen.count < sessions.count, ContinuousClock.now < deadline {
                polls += 1
                for entry in try await store.allRevocations(after: cursor, limit: 17) {
                    // A gap here is an entry the follower would never read again: its cursor is past it.
                    try #require(entry.sequence == cursor + 1, "after \(cursor) the feed showed \(entry.sequence)")
                    cursor = entry.sequence
                    guard case .session(let id) = entry.target else { Issue.record("unexpected \(entry.target)"); continue }
                    seen.append(id)
                }
            }
            try await revoked
            #expect(seen.count == sessions.count)
            #expect(Set(seen) == Set(sessions.map(\.id)), "every revocation exactly once")
            #expect(try await store.revocationBounds().highestAssigned == Int64(sessions.count))
            #expect(polls > 1, "the follower read while the writers wrote")
            await store.close()
        }
    }

    /// A transaction that took position k and has not committed holds every later revoker back:
    /// the follower sees neither k nor k+1 until it commits, then both, in order.
    @Test func aSlowTransactionHoldingKKeepsKPlusOneUnseen() async throws {
        try await PostgresTestServer.withStore { store, configuration in
            let sessions = try await Self.seed(store, sessions: 2)
            _ = try await store.revokeSession(instanceID: "ins_a", id: sessions[0].id, at: Self.t0 + 1, leeway: 5000)
            let before = try await store.revocationBounds().highestAssigned
            #expect(before == 1)
            // Another node's revoking transaction, stopped between taking its number and committing:
            // the statements `appendRevocation` runs, on a connection of its own.
            let slow = try await PostgresConnection.connect(
                configuration: .init(
                    host: configuration.host, port: configuration.port, username: configuration.username, password: configuration.password,
                    database: configuration.database, tls: .disable),
                id: 1, logger: Logger(label: "tessera.tests.slow"))
            let logger = Logger(label: "tessera.tests.slow")
            try await slow.query("BEGIN", logger: logger)
            var k: Int64 = 0
            for try await row in try await slow.query("UPDATE feed_head SET seq = seq + 1 RETURNING seq", logger: logger) {
                k = try row.decode(Int64.self)
            }
            #expect(k == before + 1)
            try await slow.query("""
                INSERT INTO revocation (sequence, instance_id, session_id, revoked_at, retain_until)
                VALUES (\(k), 'ins_a', 'sess_elsewhere', \(Self.t0), \(Self.t0 + Self.day))
                """, logger: logger)
            // This node revokes meanwhile: it must wait for k, not take k+1 and commit first.
            let pending = Task { try await store.revokeSession(instanceID: "ins_a", id: sessions[1].id, at: Self.t0 + 2, leeway: 5000) }
            for _ in 0..<10 {
                try await Task.sleep(for: .milliseconds(50))
                #expect(try await store.allRevocations(after: before, limit: 10).isEmpty, "nothing past \(before) is visible while k is open")
            }
            try await slow.query("COMMIT", logger: logger)
            try await slow.close()
            let (_, entry) = try await pending.value
            #expect(entry?.sequence == k + 1)
            let tail = try await store.allRevocations(after: before, limit: 10)
            #expect(tail.map(\.sequence) == [k, k + 1])
            #expect(tail.map(\.target) == [.session(id: "sess_elsewhere"), .session(id: sessions[1].id)])
        }
    }

    /// A transaction that took a number and rolled back gives it back: the next entry gets it.
    @Test func aRolledBackRevocationLeavesNoHole() async throws {
        try await PostgresTestServer.withStore { store, _ in
            let sessions = try await Self.seed(store, sessions: 2)
            // The event is refused (a control character) after the session row changed: the whole
            // transaction rolls back, the feed head with it.
            var bad = AuditDraft(id: "aud_bad", type: "auth.session_revoked\n", occurredAt: Self.t0, actor: .system)
            bad.sessionID = sessions[0].id
            await #expect(throws: StorageError.self) {
                _ = try await store.revokeSession(instanceID: "ins_a", id: sessions[0].id, at: Self.t0 + 1, leeway: 5000, audit: bad)
            }
            #expect(try await store.revocationBounds().highestAssigned == 0)
            let (_, entry) = try await store.revokeSession(instanceID: "ins_a", id: sessions[1].id, at: Self.t0 + 2, leeway: 5000)
            #expect(entry?.sequence == 1)
        }
    }
}
