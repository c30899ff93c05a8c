import PostgresNIO
public import SessionStorage

extension PostgresSessionStore {
    /// Applies the migrations the database lacks, in order, in one transaction under a
    /// transaction-scoped advisory lock: nodes starting together queue on the lock, the first applies
    /// them, the others then find them recorded in `schema_migrations` and apply nothing. Returns the
    /// versions applied by this call. For operators who run migrations separately
    /// (`session-server migrate`), and run by `init` unless told not to.
    ///
    /// A database with a version this build does not know (a newer node migrated it) is refused:
    /// forward-only means an older binary never writes to a schema it does not understand.
    @discardableResult
    public func migrate() async throws(StorageError) -> [Int32] {
        try await write { db in
            // Neither the wait for another node's migrations nor an index built over a big table is a
            // runaway statement: the configured statement_timeout does not apply to this transaction.
            try await db.execute("SET LOCAL statement_timeout = 0")
            try await db.execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))")
            try await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
            let applied = Set(try await db.rows("SELECT version FROM schema_migrations").map { try $0.raw["version"].decode(Int32.self) })
            let known = Set(PostgresSchema.migrations.map(\.version))
            if let unknown = applied.subtracting(known).max() {
                throw StorageError(.unavailable, "the database has migration \(unknown), which this build does not know: it was migrated by a newer version")
            }
            var done: [Int32] = []
            for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                for statement in migration.statements { try await db.execute(PostgresQuery(unsafeSQL: statement)) }
                try await db.execute("""
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(migration.version), \(migration.name), (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
                    """)
                done.append(migration.version)
            }
            return done
        }
    }

    /// The versions recorded in `schema_migrations`, oldest first (empty before the first migration).
    public func appliedMigrations() async throws(StorageError) -> [Int32] {
        try await read { db in
            guard try await db.exists("SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'") else {
                return []
            }
            return try await db.rows("SELECT version FROM schema_migrations ORDER BY version").map { try $0.raw["version"].decode(Int32.self) }
        }
    }
}
