public import SessionStorage
public import SessionStoragePostgres

/// Copies a SQLite database (the file a server has been running on, possibly still running) into an
/// empty PostgreSQL database: every row of every table, as stored, byte for byte.
///
/// One snapshot of the source (`SQLiteSnapshot`: one read transaction), one transaction on the
/// target: either every row arrives, or nothing does and the target stays as empty as it was.
/// Revocation entries keep their sequence numbers and the feed head its position, so a follower's
/// cursor means the same on both, and the next entry written on PostgreSQL follows the last one
/// SQLite ever assigned; the audit log's rows keep their hashes, so each tenant's chain verifies
/// as it did.
public enum DatabaseCopy {
    /// How many rows each table received, in the order they were copied, and the feed head set.
    public struct Summary: Sendable, Hashable {
        public struct Table: Sendable, Hashable {
            /// The SQLite table's name (`user` is `app_user` in PostgreSQL).
            public let source: String
            public let target: String
            public let rows: Int
        }

        public let tables: [Table]
        /// The highest revocation sequence ever assigned in the source, now PostgreSQL's feed head.
        public let feedHead: Int64

        /// Rows copied from the SQLite table `source`, or nil if the copy has no such table.
        public func rows(_ source: String) -> Int? { tables.first { $0.source == source }?.rows }
    }

    /// Rows per page read from SQLite (and per INSERT, unless their values weigh more than `chunkBytes`).
    static let batchRows = 1_000

    /// Copies the database at `path` into `store`'s database, which must hold no row (a new
    /// database: `PostgresSessionStore` has migrated it, and no server has been started on it).
    public static func copy(sqliteAt path: String, into store: PostgresSessionStore) async throws(StorageError) -> Summary {
        try await copy(sqliteAt: path, into: store, chunkBytes: 64 << 20)
    }

    /// `chunkBytes`: see `PostgresTarget.chunkBytes` (tests make it small).
    static func copy(sqliteAt path: String, into store: PostgresSessionStore, chunkBytes: Int) async throws(StorageError) -> Summary {
        let snapshot = try SQLiteSnapshot(path: path)
        defer { snapshot.close() }
        try snapshot.checkSchema()
        return try await store.inBulkTransaction { connection, logger in
            let target = PostgresTarget(connection: connection, logger: logger, chunkBytes: chunkBytes)
            try await target.prepare()
            var tables: [Summary.Table] = []
            for table in CopyPlan.tables {
                let rows = try await copy(table, from: snapshot, to: target)
                // Every row of the snapshot, no more and no less (the keyset pages must tile the table).
                let expected = try snapshot.count(table)
                guard rows == expected else {
                    throw StorageError(.unavailable, "\(table.source): \(rows) rows copied but the snapshot holds \(expected): nothing was copied")
                }
                tables.append(Summary.Table(source: table.source, target: table.target, rows: rows))
            }
            let head = try snapshot.feedHead()
            try await target.setFeedHead(head)
            return Summary(tables: tables, feedHead: head)
        }
    }

    private static func copy(_ table: CopyPlan.Table, from snapshot: SQLiteSnapshot, to target: PostgresTarget) async throws -> Int {
        var after: [CopyValue]?
        var copied = 0
        let keyIndexes = table.key.compactMap(table.index(of:))
        while true {
            let rows = try snapshot.rows(table, after: after, limit: batchRows)
            guard let last = rows.last else { break }
            do {
                try await target.insert(table, try converted(table, rows, snapshot))
            } catch let error as StorageError {
                throw error
            } catch {
                // The server's words stay out (they can quote a value); the table and the batch's first key go in.
                let mapped = PostgresSessionStore.storageError(error)
                let first = keyIndexes.map { describe(rows[0][$0]) }.joined(separator: ", ")
                throw StorageError(mapped.code, "PostgreSQL refused a row of \(table.source) (from key \(first)): \(mapped.reason); nothing was copied")
            }
            copied += rows.count
            after = keyIndexes.map { last[$0] }
            if rows.count < batchRows { break }
        }
        return copied
    }

    private static func describe(_ value: CopyValue) -> String {
        switch value {
        case .text(let text): String(reflecting: text)
        case .integer(let number): String(number)
        default: "?"
        }
    }

    /// The rows as PostgreSQL's columns (`CopyPlan.Table.targetColumns`).
    private static func converted(_ table: CopyPlan.Table, _ rows: [[CopyValue]], _ snapshot: SQLiteSnapshot) throws -> [[CopyValue]] {
        switch table.conversion {
        case .none:
            return rows
        case .tenantEntries:
            guard let column = table.index(of: "signing_key_id") else { return rows }
            return rows.map { row in
                var row = row
                if let key = row[column].text, key.hasPrefix(CopyPlan.tenantChangedPrefix) {
                    row[column] = .null
                    row.append(.text(String(key.dropFirst(CopyPlan.tenantChangedPrefix.count))))
                } else {
                    row.append(.null)
                }
                return row
            }
        case .userSearchKey:
            return try withSearchKeys(table, rows, snapshot)
        }
    }

    private static func withSearchKeys(_ table: CopyPlan.Table, _ rows: [[CopyValue]], _ snapshot: SQLiteSnapshot) throws -> [[CopyValue]] {
        func text(_ row: [CopyValue], _ column: String) -> String? { table.index(of: column).flatMap { row[$0].text } }
        let ids = rows.compactMap { text($0, "id") }
        let contacts = try snapshot.contacts(userIDs: ids)
        return rows.map { row in
            let id = text(row, "id") ?? ""
            // Only the fields the key is made of; the rest of the record does not enter it.
            let user = User(
                id: id, instanceID: text(row, "instance_id") ?? "", externalID: text(row, "external_id"), firstName: text(row, "first_name"),
                lastName: text(row, "last_name"), username: text(row, "username"),
                emailAddresses: (contacts.emails[id] ?? []).map { User.EmailAddress(id: "", emailAddress: $0, verified: false) },
                phoneNumbers: (contacts.phones[id] ?? []).map { User.PhoneNumber(id: "", phoneNumber: $0, verified: false) },
                createdAt: 0, updatedAt: 0)
            return row + [.text(PostgresSessionStore.searchKey(for: user))]
        }
    }
}
