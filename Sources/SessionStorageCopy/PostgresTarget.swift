import Logging
import PostgresNIO
import SessionStorage

/// The PostgreSQL side of a copy: one connection inside the copy's one transaction.
struct PostgresTarget {
    let connection: PostgresConnection
    let logger: Logger
    /// The most bytes of values one INSERT carries (a PostgreSQL value, an array parameter included, holds at most 1 GB).
    let chunkBytes: Int

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

    /// Inserts rows (the plan's target columns, in order): one statement per chunk of at most `chunkBytes` of values
    /// (or one row), each column one array parameter.
    func insert(_ table: CopyPlan.Table, _ rows: [[CopyValue]]) async throws {
        var chunk: [[CopyValue]] = []
        var bytes = 0
        for row in rows {
            let size = row.reduce(0) { $0 + $1.byteCount }
            if !chunk.isEmpty, bytes + size > chunkBytes {
                try await insertChunk(table, chunk)
                chunk.removeAll(keepingCapacity: true)
                bytes = 0
            }
            chunk.append(row)
            bytes += size
        }
        if !chunk.isEmpty { try await insertChunk(table, chunk) }
    }

    private func insertChunk(_ table: CopyPlan.Table, _ rows: [[CopyValue]]) async throws {
        let names = table.targetColumns
        // The derived column (search key or tenant id) is text.
        let kinds = table.columns.map(\.kind) + Array(repeating: .text, count: names.count - table.columns.count)
        var bindings = PostgresBindings(capacity: names.count)
        var arrays: [String] = []
        for (index, kind) in kinds.enumerated() {
            let column = ColumnArray(kind: kind, values: rows.map { $0[index] })
            bindings.append(column)
            arrays.append("$\(index + 1)::\(column.sqlType)")
        }
        let sql = "INSERT INTO \(quoted(table.target)) (\(names.map(quoted).joined(separator: ", "))) SELECT * FROM unnest(\(arrays.joined(separator: ", ")))"
        try await execute(PostgresQuery(unsafeSQL: sql, binds: bindings))
    }

    /// The highest sequence ever assigned: the next entry written on PostgreSQL follows it.
    func setFeedHead(_ sequence: Int64) async throws {
        try await execute("UPDATE feed_head SET seq = \(sequence)")
    }
}
