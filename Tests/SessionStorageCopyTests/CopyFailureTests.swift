import Foundation
import GRDB
import SessionStorage
import SessionStorageCopy
import SessionStoragePostgres
import SessionStorageSQLite
import Testing

/// Sources the API would never write (rows put there beside the store, as an older version, a
/// hand edit or a broken disk might): a value PostgreSQL can hold comes across as stored; one it
/// cannot stops the copy by name, and the target is left exactly as empty as it was.
@Suite(.enabled(if: CopyTestServer.isConfigured, CopyTestServer.skipReason), .timeLimit(.minutes(2)))
struct CopyFailureTests {
    /// A small store (one tenant of the sample is enough) and `edit` run on its file beside it.
    static func source(_ path: String, edit: (Database) throws -> Void) async throws -> SQLiteSessionStore {
        let store = try SQLiteSessionStore(path: path)
        try await SampleData.fill(store)
        var configuration = Configuration()
        // Off, as the sqlite3 shell has it: the rows below break the schema's foreign keys on purpose.
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.write(edit)
        try queue.close()
        return store
    }

    static func expectEmpty(_ postgres: PostgresSessionStore) async throws {
        let counts = try await CopyTestServer.rowCounts(postgres)
        #expect(!counts.isEmpty)
        #expect(counts.values.allSatisfy { $0 == 0 }, "\(counts.filter { $0.value != 0 })")
    }

    @Test func aRowPostgreSQLRefusesLeavesTheTargetEmptyAndUsable() async throws {
        try await CopyTestServer.withSQLiteFile { path in
            _ = try await Self.source(path) { db in
                // An address of a user that does not exist: SQLite kept it (foreign keys off), PostgreSQL's key refuses it.
                try db.execute(sql: "INSERT INTO email_address (id, user_id, position, email_address, verified) VALUES ('idn_orphan', 'user_gone', 0, 'x@example.com', 1)")
            }
            try await CopyTestServer.withStore { postgres in
                let error = await #expect(throws: StorageError.self) { try await DatabaseCopy.copy(sqliteAt: path, into: postgres) }
                #expect(error?.code == .constraint)
                #expect(error?.reason.contains("email_address") == true && error?.reason.contains("x@example.com") == false, "\(error?.reason ?? "")")
                try await Self.expectEmpty(postgres)
                // Nothing half-done stays behind: with the row gone, the same target takes the copy.
                let queue = try DatabaseQueue(path: path)
                try await queue.write { db in try db.execute(sql: "DELETE FROM email_address WHERE id = 'idn_orphan'") }
                try queue.close()
                let summary = try await DatabaseCopy.copy(sqliteAt: path, into: postgres)
                #expect(summary.rows("session") ?? 0 > 0)
            }
        }
    }

    @Test(arguments: [
        ("UPDATE session SET user_agent = CAST(X'4D6F7A00696C6C61' AS TEXT) WHERE id = 'sess_ins_b_1_0'", "session (id \"sess_ins_b_1_0\"): column user_agent holds a NUL"),
        ("UPDATE user SET first_name = CAST(X'C328' AS TEXT) WHERE id = 'user_ins_c_2'", "user (id \"user_ins_c_2\"): column first_name is not valid UTF-8"),
        ("UPDATE email_address SET position = 4294967296 WHERE id = 'idn_user_ins_b_1_e1'", "email_address (id \"idn_user_ins_b_1_e1\"): column position is outside"),
        ("UPDATE session SET created_at = 'yesterday' WHERE id = 'sess_ins_c_0_3'", "session (id \"sess_ins_c_0_3\"): column created_at holds a value of another type"),
        ("UPDATE revocation SET revoked_at = 1.5 WHERE sequence = 2", "revocation (sequence 2): column revoked_at holds a value of another type"),
    ])
    func aValuePostgreSQLCannotHoldIsNamedAndNothingIsWritten(_ edit: String, _ message: String) async throws {
        try await CopyTestServer.withSQLiteFile { path in
            _ = try await Self.source(path) { db in
                try db.execute(sql: edit)
                #expect(db.changesCount == 1)
            }
            try await CopyTestServer.withStore { postgres in
                let error = await #expect(throws: StorageError.self) { try await DatabaseCopy.copy(sqliteAt: path, into: postgres) }
                #expect(error?.code == .constraint)
                #expect(error?.reason.contains(message) == true, "\(error?.reason ?? "")")
                try await Self.expectEmpty(postgres)
            }
        }
    }

    @Test func controlCharactersHugeValuesAndExtremeNumbersComeAcrossAsStored() async throws {
        let odd = "\u{01}\u{1B}[31m\t\r\n\u{7F}\u{202E}\u{FEFF}\u{10FFFF} \u{1F469}\u{200D}\u{1F4BB}"
        let huge = String(repeating: "\u{00e9}x\u{1F600}", count: 100_000)
        try await CopyTestServer.withSQLiteFile { path in
            let sqlite = try await Self.source(path) { db in
                try db.execute(sql: "UPDATE user SET first_name = ?, unsafe_metadata = ? WHERE id = 'user_ins_b_1'", arguments: [odd, huge])
                try db.execute(
                    sql: "UPDATE session SET user_agent = ?, created_at = ?, expire_at = ?, abandon_at = ? WHERE id = 'sess_ins_b_1_0'",
                    arguments: [odd + huge, Int64.min, Int64.max, Int64.max])
                try db.execute(sql: "UPDATE audit_event SET user_agent = ? WHERE instance_id = 'ins_b' AND seq = 1", arguments: [odd])
            }
            try await CopyTestServer.withStore { postgres in
                _ = try await DatabaseCopy.copy(sqliteAt: path, into: postgres)
                let user = try await postgres.user(instanceID: "ins_b", id: "user_ins_b_1")
                #expect(user?.firstName == odd && user?.unsafeMetadata == huge)
                #expect(user == (try await sqlite.user(instanceID: "ins_b", id: "user_ins_b_1")))
                let session = try await postgres.session(instanceID: "ins_b", id: "sess_ins_b_1_0")
                #expect(session?.activity?.userAgent == odd + huge && session?.createdAt == .min && session?.expireAt == .max)
                #expect(session == (try await sqlite.session(instanceID: "ins_b", id: "sess_ins_b_1_0")))
                // The edited event no longer hashes to its stored hash: copied as it is, the chain says so on both sides.
                let events = try await postgres.auditEvents(AuditQuery(instanceID: "ins_b", limit: 10_000))
                #expect(events == (try await sqlite.auditEvents(AuditQuery(instanceID: "ins_b", limit: 10_000))))
                #expect(AuditChain.verify(events) == AuditChain.verify(try await sqlite.auditEvents(AuditQuery(instanceID: "ins_b", limit: 10_000))))
                #expect(!AuditChain.verify(events).isIntact)
            }
        }
    }
}
