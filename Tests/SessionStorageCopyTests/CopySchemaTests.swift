import Foundation
import GRDB
import PostgresNIO
import SessionStorage
@testable import SessionStorageCopy
import SessionStoragePostgres
import SessionStorageSQLite
import Testing

/// The plan against both schemas: a table or column added by a migration on either side, and not
/// taught to the copy, fails here (and a copy refuses to run, naming it).
struct CopySchemaTests {
    /// The tables and columns of a freshly migrated SQLite store, as SQLite lists them.
    static func sqliteSchema(_ path: String) throws -> [String: Set<String>] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            var tables: [String: Set<String>] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            where table != "grdb_migrations" {
                tables[table] = Set(try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]).map { $0["name"] as String })
            }
            return tables
        }
    }

    @Test func thePlanNamesEverySQLiteTableAndColumn() async throws {
        try await CopyTestServer.withSQLiteFile { path in
            _ = try SQLiteSessionStore(path: path)
            let schema = try Self.sqliteSchema(path)
            #expect(Set(schema.keys) == Set(CopyPlan.sourceTables))
            for table in CopyPlan.tables {
                #expect(schema[table.source] == Set(table.columns.map(\.name)), "\(table.source)")
                #expect(table.key.allSatisfy { table.index(of: $0) != nil }, "\(table.source)'s key")
            }
            // And the snapshot's own check agrees.
            let snapshot = try SQLiteSnapshot(path: path)
            defer { snapshot.close() }
            try snapshot.checkSchema()
        }
    }

    @Test(arguments: [
        ("CREATE TABLE webhook (id TEXT PRIMARY KEY)", "unknown table webhook"),
        ("ALTER TABLE session ADD COLUMN risk_score INTEGER", "unknown column session.risk_score"),
        ("DROP TABLE consent", "no table consent"),
    ])
    func aSourceTheCopyDoesNotKnowIsRefusedByName(_ edit: String, _ named: String) async throws {
        try await CopyTestServer.withSQLiteFile { path in
            _ = try SQLiteSessionStore(path: path)
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in try db.execute(sql: edit) }
            try queue.close()
            let snapshot = try SQLiteSnapshot(path: path)
            defer { snapshot.close() }
            let error = #expect(throws: StorageError.self) { try snapshot.checkSchema() }
            #expect(error?.reason.contains(named) == true, "\(error?.reason ?? "")")
        }
    }

    @Test func aFileThatIsNotATesseraDatabaseIsRefused() async throws {
        try await CopyTestServer.withSQLiteFile { path in
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(throws: StorageError.self) { try SQLiteSnapshot(path: path) }
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in try db.execute(sql: "CREATE TABLE notes (body TEXT)") }
            try queue.close()
            let snapshot = try SQLiteSnapshot(path: path)
            defer { snapshot.close() }
            let error = #expect(throws: StorageError.self) { try snapshot.checkSchema() }
            #expect(error?.reason.contains("not a Tessera database") == true, "\(error?.reason ?? "")")
        }
    }

    /// The migrated PostgreSQL schema is exactly the plan's targets plus its bookkeeping.
    @Test(.enabled(if: CopyTestServer.isConfigured, CopyTestServer.skipReason))
    func thePlanFillsEveryPostgreSQLTableAndColumn() async throws {
        try await CopyTestServer.withSQLiteFile { path in
            _ = try SQLiteSessionStore(path: path)
            try await CopyTestServer.withStore { postgres in
                // An empty source into an empty target: the schema checks pass, nothing is copied.
                let summary = try await DatabaseCopy.copy(sqliteAt: path, into: postgres)
                #expect(summary.tables.map(\.source) == CopyPlan.sourceTables && summary.tables.allSatisfy { $0.rows == 0 } && summary.feedHead == 0)
                _ = try await postgres.inBulkTransaction { connection, logger in
                    try await connection.query("ALTER TABLE session ADD COLUMN risk_score INTEGER", logger: logger)
                }
                let error = await #expect(throws: StorageError.self) { try await DatabaseCopy.copy(sqliteAt: path, into: postgres) }
                #expect(error?.reason.contains("unknown column session.risk_score") == true, "\(error?.reason ?? "")")
            }
        }
    }
}
