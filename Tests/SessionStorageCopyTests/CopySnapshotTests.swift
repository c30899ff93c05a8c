import Foundation
import SessionStorage
import SessionStorageCopy
import SessionStoragePostgres
import SessionStorageSQLite
import Testing

/// A copy taken while a server goes on writing to the file is one snapshot: every revoked session
/// has its entry and every entry its revoked session, although sessions are read well before the
/// revocation list (pages of 1,000, written to PostgreSQL in between) and the writer commits
/// revocation after revocation the whole time.
@Suite(.enabled(if: CopyTestServer.isConfigured, CopyTestServer.skipReason), .timeLimit(.minutes(2)))
struct CopySnapshotTests {
    @Test func aCopyUnderWritesIsOneConsistentSnapshot() async throws {
        let t0 = SampleData.t0
        let count = 1_500
        try await CopyTestServer.withSQLiteFile { path in
            let source = try SQLiteSessionStore(path: path)
            try await source.createInstance(Instance(id: "ins_default", slug: "default", environment: .development, createdAt: t0))
            let users = (0..<count).map { User(id: "user_\($0)", instanceID: "ins_default", createdAt: t0, updatedAt: t0) }
            let clients = [Client(id: "client_1", instanceID: "ins_default", createdAt: t0, updatedAt: t0)]
            let sessions = (0..<count).map {
                Session(
                    id: String(format: "sess_%05d", $0), instanceID: "ins_default", userID: "user_\($0)", clientID: "client_1", lastActiveAt: t0,
                    expireAt: t0 + 86_400_000, abandonAt: t0 + 86_400_000, createdAt: t0, updatedAt: t0)
            }
            try await source.importRecords(users: users, clients: clients, sessions: sessions)

            // The server: revokes sessions one by one, from the last, a few hundred a second.
            let revoked = Counter()
            let writer = Task {
                for session in sessions.reversed() {
                    _ = try await source.revokeSession(instanceID: "ins_default", id: session.id, at: t0 + 1, leeway: 0, audit: nil)
                    await revoked.increment()
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
            while await revoked.value < 20 { try await Task.sleep(for: .milliseconds(5)) }
            try await CopyTestServer.withStore { postgres in
                let summary = try await DatabaseCopy.copy(sqliteAt: path, into: postgres)
                // The writer finishes: the file ends with every session revoked, the copy with fewer.
                try await writer.value

                let entries = try await postgres.allRevocations(after: 0, limit: 10_000)
                var revokedSessions: [String] = []
                for page in stride(from: 0, to: count, by: 500) {
                    revokedSessions += try await postgres.sessions(SessionQuery(instanceID: "ins_default", status: .revoked, limit: 500, offset: page, now: t0 + 2))
                        .items.map(\.id)
                }
                #expect(entries.count > 0 && entries.count < count)
                #expect(Set(entries.map(\.target)) == Set(revokedSessions.map { Revocation.Target.session(id: $0) }))
                #expect(summary.rows("revocation") == entries.count && summary.feedHead == entries.last?.sequence)
                let later = try await source.revocationBounds().highestAssigned
                #expect(later > summary.feedHead, "the writer went on after the snapshot")
            }
        }
    }
}

/// How many revocations the writer committed.
actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}
