import Foundation
import GRDB
import PostgresNIO
import SessionStorage
@testable import SessionStorageCopy
import SessionStoragePostgres
import SessionStorageSQLite
import Testing

/// The copy from SQLite into PostgreSQL, against the server POSTGRES_URL names (each test in a
/// database of its own). Skipped, with the reason in the report, without it.
@Suite(.enabled(if: CopyTestServer.isConfigured, CopyTestServer.skipReason), .timeLimit(.minutes(2)))
struct DatabaseCopyTests {
    static let now = SampleData.t0 + 10 * SampleData.day

    /// Rows per SQLite table, read beside the store (the counts the summary must report).
    static func sqliteCounts(_ path: String) throws -> [String: Int] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            var counts: [String: Int] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            where table != "grdb_migrations" {
                counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\"")
            }
            return counts
        }
    }

    @Test func everythingComesAcrossAndReadsBackTheSame() async throws {
        try await CopyTestServer.withSQLiteFile { path in
            let sqlite = try SQLiteSessionStore(path: path)
            try await SampleData.fill(sqlite)
            let before = try await StoreContents.read(sqlite, now: Self.now)
            let counts = try Self.sqliteCounts(path)
            try await CopyTestServer.withStore { postgres in
                let summary = try await DatabaseCopy.copy(sqliteAt: path, into: postgres)
                let after = try await StoreContents.read(postgres, now: Self.now)
                // Tenant by tenant first, so that a difference is reported where it is.
                #expect(after.tenants.map(\.instance.id) == SampleData.tenants)
                for (copied, original) in zip(after.tenants, before.tenants) {
                    #expect(copied.instance == original.instance)
                    #expect(copied.signingKeys == original.signingKeys)
                    #expect(copied.secretKeys == original.secretKeys)
                    #expect(copied.users == original.users)
                    #expect(copied.usersFoundByText == original.usersFoundByText && !original.usersFoundByText.isEmpty)
                    #expect(copied.usersFoundByEmail == original.usersFoundByEmail && original.usersFoundByEmail.count == 2)
                    #expect(copied.clients == original.clients)
                    #expect(copied.sessions == original.sessions)
                    #expect(copied.activeInBlock == original.activeInBlock && !original.activeInBlock.isEmpty)
                    #expect(copied.templates == original.templates)
                    #expect(copied.consents == original.consents)
                    #expect(copied.audit == original.audit)
                    #expect(copied.revocations == original.revocations)
                    guard case .intact(let events, _) = AuditChain.verify(copied.audit), events == original.audit.count else {
                        Issue.record("\(copied.instance.id): \(AuditChain.verify(copied.audit))")
                        continue
                    }
                }
                #expect(after == before)
                // Every table, every row (deleted users and their contacts included, which no read returns).
                #expect(Set(summary.tables.map(\.source)) == Set(counts.keys))
                for table in summary.tables { #expect(table.rows == counts[table.source], "\(table.source)") }
                #expect(try await CopyTestServer.rowCounts(postgres)["app_user"] == Int64(counts["user"] ?? -1))

                // Every kind of entry is there, the tenant change among them (stored differently on each side).
                let kinds = Set(before.allRevocations.map { "\($0.target)".prefix { $0 != "(" } })
                #expect(kinds.isSuperset(of: ["session", "user", "secretKey", "signingKey", "userUpdated", "templateChanged", "tenantChanged", "otherSessions", "consent"]))
                // A follower's cursor means the same position: from any point, the same entries follow.
                #expect(summary.feedHead == before.bounds.highestAssigned)
                #expect(before.bounds.highestAssigned > before.allRevocations.last?.sequence ?? .max, "the sample's last entry was pruned")
                for cursor in Int64(0)...before.bounds.highestAssigned {
                    #expect(try await postgres.allRevocations(after: cursor, limit: 3) == (try await sqlite.allRevocations(after: cursor, limit: 3)))
                    #expect(
                        try await postgres.revocations(instanceID: "ins_b", after: cursor, limit: 2)
                            == (try await sqlite.revocations(instanceID: "ins_b", after: cursor, limit: 2)))
                }
                #expect(try await postgres.revocationBounds() == before.bounds)

                // Both stores go on the same way: the next entry is the head + 1, the next event links to the last.
                let onSQLite = try await sqlite.revokeSession(instanceID: "ins_b", id: "sess_ins_b_2_0", at: Self.now, leeway: 0, audit: nil)
                let onPostgres = try await postgres.revokeSession(instanceID: "ins_b", id: "sess_ins_b_2_0", at: Self.now, leeway: 0, audit: nil)
                #expect(onPostgres.1?.sequence == summary.feedHead + 1)
                #expect(onPostgres.0 == onSQLite.0 && onPostgres.1 == onSQLite.1)
                let draft = SampleData.audit("aud_after_copy", "admin.exported", at: Self.now)
                let next = try await postgres.appendAudit(instanceID: "ins_c", draft)
                #expect(next == (try await sqlite.appendAudit(instanceID: "ins_c", draft)))
                #expect(AuditChain.verify(try await postgres.auditEvents(AuditQuery(instanceID: "ins_c", limit: 10_000))).isIntact)
            }
        }
    }

    /// Statements cut by size rather than by page (as a page of big values is): every row once, none lost at a cut.
    @Test func statementsCutBySizeCarryEveryRowOnce() async throws {
        try await CopyTestServer.withSQLiteFile { path in
            let sqlite = try SQLiteSessionStore(path: path)
            try await SampleData.fill(sqlite)
            try await CopyTestServer.withStore { postgres in
                let summary = try await DatabaseCopy.copy(sqliteAt: path, into: postgres, chunkBytes: 400)
                #expect(try await StoreContents.read(postgres, now: Self.now) == (try await StoreContents.read(sqlite, now: Self.now)))
                for table in summary.tables { #expect(table.rows == (try Self.sqliteCounts(path))[table.source], "\(table.source)") }
            }
        }
    }

    @Test func aTargetThatHoldsDataIsRefusedAndLeftAsItWas() async throws {
        try await CopyTestServer.withSQLiteFile { path in
            try await SampleData.fill(try SQLiteSessionStore(path: path))
            try await CopyTestServer.withStore { postgres in
                try await postgres.createInstance(Instance(id: "ins_default", slug: "default", environment: .development, createdAt: 1))
                let before = try await CopyTestServer.rowCounts(postgres)
                let error = await #expect(throws: StorageError.self) { try await DatabaseCopy.copy(sqliteAt: path, into: postgres) }
                #expect(error?.code == .conflict)
                #expect(error?.reason.contains("not empty (rows in instance)") == true, "\(error?.reason ?? "")")
                #expect(try await CopyTestServer.rowCounts(postgres) == before)
                #expect(try await postgres.instances().map(\.id) == ["ins_default"])
            }
        }
    }

    @Test func aTargetWithOnlyAFeedEntryLeftIsNotEmptyEither() async throws {
        try await CopyTestServer.withSQLiteFile { path in
            try await SampleData.fill(try SQLiteSessionStore(path: path))
            try await CopyTestServer.withStore { postgres in
                // A head moved by an entry since pruned: a database that has served, even with no row left.
                _ = try await postgres.inBulkTransaction { connection, logger in
                    try await connection.query("UPDATE feed_head SET seq = 3", logger: logger)
                }
                let error = await #expect(throws: StorageError.self) { try await DatabaseCopy.copy(sqliteAt: path, into: postgres) }
                #expect(error?.code == .conflict)
                #expect(try await postgres.revocationBounds() == RevocationBounds(lowestLive: nil, highestAssigned: 3))
            }
        }
    }
}

extension AuditChain.Verdict {
    var isIntact: Bool {
        if case .intact = self { return true }
        return false
    }
}
