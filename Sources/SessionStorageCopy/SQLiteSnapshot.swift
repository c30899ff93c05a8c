import Foundation
import GRDB
import SessionStorage
import SessionStoragePostgres

/// One consistent view of a SQLite database, read while a server may still be writing to it.
///
/// The file is opened read-only (no migration, no write, no lock a writer waits on) and one read
/// transaction is begun and pinned by a first read: in WAL mode every later read sees that
/// snapshot, whatever the server commits meanwhile, until `close`. A queue runs every access on one
/// connection, so the pages read table by table all come from the same transaction.
final class SQLiteSnapshot: Sendable {
    private let queue: DatabaseQueue
    let path: String

    init(path: String) throws(StorageError) {
        // A missing file would otherwise surface as SQLite's bare "unable to open".
        guard FileManager.default.isReadableFile(atPath: path) else { throw StorageError(.unavailable, "cannot read \(path)") }
        self.path = path
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        // The transaction stays open from one access to the next: that is the snapshot.
        configuration.allowsUnsafeTransactions = true
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.unsafeRead { db in
                try db.beginTransaction(.deferred)
                // BEGIN takes no snapshot; the first read does, and the transaction keeps it.
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
            }
        } catch {
            throw Self.failure(path, error)
        }
    }

    /// Ends the read transaction and closes the file.
    func close() {
        try? queue.unsafeRead { db in if db.isInsideTransaction { try db.rollback() } }
        try? queue.close()
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StorageError) -> T {
        do {
            // Inside the open transaction: GRDB runs `body` in it rather than in a new one.
            return try queue.read(body)
        } catch {
            throw Self.failure(path, error)
        }
    }

    private static func failure(_ path: String, _ error: any Error) -> StorageError {
        if let error = error as? StorageError { return error }
        if let error = error as? DatabaseError { return StorageError(.unavailable, "cannot read \(path): \(error.message ?? "\(error.resultCode)")") }
        return StorageError(.unavailable, "cannot read \(path)")
    }

    /// Refuses a file whose tables or columns are not exactly the plan's: not a Tessera database, one
    /// from an older version (start this version's session-server on it once to migrate it), or a
    /// newer one whose data this version would leave behind.
    func checkSchema() throws(StorageError) {
        let found = try read { db -> [String: Set<String>] in
            var tables: [String: Set<String>] = [:]
            for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
            where !CopyPlan.sourceBookkeeping.contains(name) {
                tables[name] = Set(try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [name]).map { $0["name"] as String })
            }
            return tables
        }
        guard found["instance"] != nil else { throw StorageError(.unavailable, "\(path) is not a Tessera database") }
        let expected = Dictionary(uniqueKeysWithValues: CopyPlan.tables.map { ($0.source, Set($0.columns.map(\.name))) })
        if let difference = SchemaDifference(expected: expected, found: found).summary {
            throw StorageError(
                .unavailable,
                "\(path) does not have the tables this version copies (\(difference)): migrate it by starting this version's session-server on it once, or copy it with the version that wrote it")
        }
    }

    /// Up to `limit` rows of `table` after the row whose key is `after` (from the first row when
    /// nil), in key order, each as the plan's columns.
    func rows(_ table: CopyPlan.Table, after: [CopyValue]?, limit: Int) throws(StorageError) -> [[CopyValue]] {
        // Text and bytes as blobs: the stored bytes, with no conversion on the way (see CopyValue.decode).
        let selected = table.columns.map { column in
            switch column.kind {
            case .text, .bytes: "CAST(\(quoted(column.name)) AS BLOB)"
            case .bigint, .int32, .boolean: quoted(column.name)
            }
        }
        let keys = table.key.map(quoted)
        var sql = "SELECT \(selected.joined(separator: ", ")) FROM \(quoted(table.source))"
        var arguments = StatementArguments()
        if let after {
            sql += " WHERE (\(keys.joined(separator: ", "))) > (\(Array(repeating: "?", count: keys.count).joined(separator: ", ")))"
            for value in after {
                switch value {
                case .text(let text): _ = arguments.append(contentsOf: [text])
                case .integer(let number): _ = arguments.append(contentsOf: [number])
                // A key is never NULL, a boolean or bytes (the plan's keys are text and integers).
                default: _ = arguments.append(contentsOf: [DatabaseValue.null])
                }
            }
        }
        sql += " ORDER BY \(keys.joined(separator: ", ")) LIMIT \(limit)"
        let raw = try read { db in try Row.fetchAll(db, sql: sql, arguments: arguments) }
        var decoded: [[CopyValue]] = []
        decoded.reserveCapacity(raw.count)
        for row in raw {
            var values: [CopyValue] = []
            values.reserveCapacity(table.columns.count)
            for (index, column) in table.columns.enumerated() {
                values.append(try CopyValue.decode(row[index], kind: column.kind, where: "\(table.source) \(Self.describe(table, row)): column \(column.name)"))
            }
            decoded.append(values)
        }
        return decoded
    }

    /// The row's key, for error messages (ids and sequence numbers, never a secret column).
    private static func describe(_ table: CopyPlan.Table, _ row: Row) -> String {
        let parts = table.key.map { name -> String in
            guard let index = table.index(of: name) else { return name }
            switch (row[index] as DatabaseValue).storage {
            case .blob(let data): return "\(name) \(String(reflecting: String(decoding: data, as: UTF8.self)))"
            case .int64(let number): return "\(name) \(number)"
            default: return "\(name) ?"
            }
        }
        return "(" + parts.joined(separator: ", ") + ")"
    }

    func count(_ table: CopyPlan.Table) throws(StorageError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(quoted(table.source))") ?? 0 }
    }

    /// The highest revocation sequence ever assigned, pruned entries included: AUTOINCREMENT's
    /// counter, or the highest row if that is higher (it never is, but the counter is a row too).
    func feedHead() throws(StorageError) -> Int64 {
        try read { db in
            let counter = try db.tableExists("sqlite_sequence")
                ? try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'revocation'") ?? 0 : 0
            let highest = try Int64.fetchOne(db, sql: "SELECT max(sequence) FROM revocation") ?? 0
            return max(counter, highest, 0)
        }
    }

    /// The email addresses and phone numbers of these users, in their positions, for the search key.
    func contacts(userIDs: [String]) throws(StorageError) -> (emails: [String: [String]], phones: [String: [String]]) {
        guard !userIDs.isEmpty else { return ([:], [:]) }
        let placeholders = Array(repeating: "?", count: userIDs.count).joined(separator: ", ")
        return try read { db in
            func fetch(_ table: String, _ column: String) throws -> [String: [String]] {
                var found: [String: [String]] = [:]
                let rows = try Row.fetchAll(
                    db, sql: "SELECT user_id, CAST(\(column) AS BLOB) FROM \(table) WHERE user_id IN (\(placeholders)) ORDER BY user_id, position",
                    arguments: StatementArguments(userIDs))
                for row in rows {
                    let user: String = row[0]
                    // Read as bytes like every text column; a value that is not UTF-8 fails its own table's copy.
                    let value: Data = row[1] ?? Data()
                    found[user, default: []].append(String(decoding: value, as: UTF8.self))
                }
                return found
            }
            return (try fetch("email_address", "email_address"), try fetch("phone_number", "phone_number"))
        }
    }
}

/// A table or column name in double quotes (the plan's names are fixed identifiers; `user` is a keyword).
func quoted(_ name: String) -> String { "\"\(name)\"" }
