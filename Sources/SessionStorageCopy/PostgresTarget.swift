import Logging
import PostgresNIO
import SessionStorage

/// The PostgreSQL side of a copy: one connection inside the copy's one transaction.
struct PostgresTarget {
    let connection: PostgresConnection
    let logger: Logger

    private func execute(_ query: PostgresQuery) async throws {
        for try await _ in try await connection.query(query, logger: logger) {}
    }

    /// Readies the transaction: no statement timeout (one batch of a big table, or the final commit,
    /// is not a runaway request), the tables locked against writers (a server started on the target
    /// meanwhile waits, then finds it full), the schema checked against the plan, and the database
    /// found empty.
    func prepare() async throws {
        try await execute("SET LOCAL statement_timeout = 0")
        // A server already running on the target holds its tables briefly; a stuck one is reported, not waited for.
        try await execute("SET LOCAL lock_timeout = 10000")
        let tables = (CopyPlan.tables.map(\.target) + CopyPlan.targetBookkeeping.keys.sorted()).map(quoted).joined(separator: ", ")
        do {
            try await execute(PostgresQuery(unsafeSQL: "LOCK TABLE \(tables) IN EXCLUSIVE MODE"))
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "55P03" {
            throw StorageError(.unavailable, "the target database is in use (its tables stayed locked for 10 s): stop every server on it")
        }
        try await checkSchema()
        try await checkEmpty()
    }

    /// The target's tables and columns must be exactly the plan's (plus its bookkeeping tables).
    private func checkSchema() async throws {
        var found: [String: Set<String>] = [:]
        let rows = try await connection.query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()", logger: logger)
        for try await (table, column) in rows.decode((String, String).self) { found[table, default: []].insert(column) }
        var expected = CopyPlan.targetBookkeeping
        for table in CopyPlan.tables { expected[table.target] = Set(table.targetColumns) }
        if let difference = SchemaDifference(expected: expected, found: found).summary {
            throw StorageError(.unavailable, "the target database's schema is not the one this version copies into (\(difference))")
        }
    }

    /// A database exactly as the migrations leave it: no row in any table, the feed head at 0.
    /// Anything else is refused before a row is written: a copy never merges into live data.
    private func checkEmpty() async throws {
        var holding: [String] = []
        for table in CopyPlan.tables {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(quoted(table.target)) LIMIT 1"), logger: logger)
            for try await _ in rows { holding.append(table.target) }
        }
        var head: Int64?
        for try await seq in try await connection.query("SELECT seq FROM feed_head", logger: logger).decode(Int64.self) { head = seq }
        if head != 0 { holding.append("feed_head") }
        guard holding.isEmpty else {
            throw StorageError(
                .conflict,
                "the target database is not empty (rows in \(holding.joined(separator: ", "))): copy into a new database, migrated and never served from; nothing was written")
        }
    }

    /// Inserts a batch of rows (the plan's target columns, in order) with one statement.
    func insert(_ table: CopyPlan.Table, _ rows: [[CopyValue]]) async throws {
        guard !rows.isEmpty else { return }
        let columns = table.targetColumns
        let kinds = table.columns.map(\.kind) + (table.targetColumns.count > table.columns.count ? [.text] : [])
        var bindings = PostgresBindings(capacity: rows.count * columns.count)
        var tuples: [String] = []
        tuples.reserveCapacity(rows.count)
        var placeholder = 0
        for row in rows {
            var names: [String] = []
            for (value, kind) in zip(row, kinds) {
                value.bind(into: &bindings, kind: kind)
                placeholder += 1
                names.append("$\(placeholder)")
            }
            tuples.append("(" + names.joined(separator: ", ") + ")")
        }
        let sql = "INSERT INTO \(quoted(table.target)) (\(columns.map(quoted).joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))"
        try await execute(PostgresQuery(unsafeSQL: sql, binds: bindings))
    }

    /// The highest sequence ever assigned: the next entry written on PostgreSQL follows it.
    func setFeedHead(_ sequence: Int64) async throws {
        try await execute("UPDATE feed_head SET seq = \(sequence)")
    }
}
