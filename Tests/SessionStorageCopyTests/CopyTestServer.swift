import Foundation
import PostgresNIO
import SessionStorage
import SessionStorageCopy
import SessionStoragePostgres
import SessionStorageSQLite
import Testing

/// The PostgreSQL server these tests copy into: `POSTGRES_URL` (a superuser's URL, as
/// `Scripts/postgres-cluster.sh start` prints), a database of its own per test. Without it the
/// copying tests are skipped and the report says why.
enum CopyTestServer {
    static let url: String? = ProcessInfo.processInfo.environment["POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var isConfigured: Bool { url != nil }
    static let skipReason: Comment = "copy tests skipped: POSTGRES_URL unset (make test-unit starts a cluster with Scripts/postgres-cluster.sh)"

    static func configuration() throws -> PostgresStoreConfiguration {
        guard let url else { throw StorageError(.unavailable, "POSTGRES_URL unset") }
        var configuration = try PostgresStoreConfiguration(url: url)
        configuration.poolSize = 4
        return configuration
    }

    /// CREATE/DROP DATABASE on the server's maintenance database (names generated here, hex only).
    private static func admin(_ sql: String) async throws {
        let configuration = try configuration()
        guard configuration.tls == .disable else { throw StorageError(.unavailable, "the copy tests expect sslmode=disable (a local cluster)") }
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: configuration.host, port: configuration.port, username: configuration.username, password: configuration.password,
                database: configuration.database, tls: .disable),
            id: 0, logger: Logger(label: "tessera.tests.copy-admin"))
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "tessera.tests.copy-admin"))
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A migrated PostgreSQL store on a new database, closed and dropped after `body`.
    static func withStore<T>(_ body: (PostgresSessionStore) async throws -> T) async throws -> T {
        let name = "tessera_copy_" + (0..<12).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
        try await admin("CREATE DATABASE \(name)")
        do {
            let store = try await PostgresSessionStore(configuration: try configuration().with(database: name))
            let result: T
            do { result = try await body(store) } catch {
                await store.close()
                throw error
            }
            await store.close()
            try await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            return result
        } catch {
            try? await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Rows per table in the target (every table the store has, bookkeeping left out) and its feed head.
    static func rowCounts(_ store: PostgresSessionStore) async throws -> [String: Int64] {
        try await store.inBulkTransaction { connection, logger in
            var counts: [String: Int64] = [:]
            let tables = try await connection.query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('schema_migrations', 'feed_head')",
                logger: logger)
            var names: [String] = []
            for try await name in tables.decode(String.self) { names.append(name) }
            for name in names {
                for try await count in try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \"\(name)\""), logger: logger)
                    .decode(Int64.self)
                {
                    counts[name] = count
                }
            }
            for try await head in try await connection.query("SELECT seq FROM feed_head", logger: logger).decode(Int64.self) {
                counts["feed_head"] = head
            }
            return counts
        }
    }

    /// A SQLite file in a directory of its own, removed after `body`.
    static func withSQLiteFile<T>(_ body: (String) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-copy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory.appendingPathComponent("tessera.sqlite").path)
    }
}
