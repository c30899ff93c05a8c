import Foundation
import GRDB
public import SessionStorage

/// The default `SessionStore`: the system libsqlite3 through GRDB.
///
/// A file database runs in WAL mode with `synchronous=FULL`, so an acknowledged write (a revocation
/// above all) survives a crash or power loss; readers never wait for the writer. Migrations run
/// when the store opens. The files are created mode 0600 (see `prepareFiles`). `:memory:` opens a private in-memory database for tests.
public final class SQLiteSessionStore: SessionStore {
    let writer: any DatabaseWriter

    /// Opens (creating it if needed) the database at `path`, or an in-memory one for `":memory:"`.
    public init(path: String, busyTimeout: Double = 5) throws(StorageError) {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            if path == ":memory:" {
                writer = try DatabaseQueue(configuration: configuration)
            } else {
                try Self.prepareFiles(path: path)
                writer = try DatabasePool(path: path, configuration: configuration)
            }
            try Self.migrate(writer)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(.unavailable, "cannot open \(path): \(error)")
        }
    }

    /// Applies the migrations. Processes opening a new file together each read "nothing applied"
    /// and race to apply the same migration; the loser's transaction rolls back (a duplicate column,
    /// a table that exists), and reading the applied list again finds the winner's work.
    static func migrate(_ writer: any DatabaseWriter) throws {
        var attempt = 0
        while true {
            do {
                try Schema.migrator.migrate(writer)
                return
            } catch {
                attempt += 1
                if try writer.read({ db in try Schema.migrator.hasCompletedMigrations(db) }) { return }
                guard attempt < 5 else { throw error }
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }

    /// The journal mode in force (`wal` for files), for operators and tests.
    public func journalMode() async throws(StorageError) -> String {
        try await read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: Access with error mapping

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StorageError) -> T {
        do { return try await writer.write(body) } catch { throw Self.map(error) }
    }

    /// Reads run synchronously on the calling thread: they are indexed lookups on a WAL reader
    /// connection, which the writer never blocks, and GRDB's async hop onto its reader queues cost
    /// far more than the queries (measured by `make bench`'s store section).
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StorageError) -> T {
        do { return try readNow(body) } catch { throw Self.map(error) }
    }

    /// Not `async`, so that GRDB's synchronous `read` is the overload chosen.
    private func readNow<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }

    /// SQLite's constraint failures become `conflict` (unique keys) or `constraint` (the rest);
    /// anything else means the database could not do the work, and nothing was committed.
    static func map(_ error: any Error) -> StorageError {
        if let error = error as? StorageError { return error }
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_CONSTRAINT {
            switch error.extendedResultCode {
            // SQLite's own message names tables and columns: it stays out of errors that reach callers.
            case .SQLITE_CONSTRAINT_PRIMARYKEY, .SQLITE_CONSTRAINT_UNIQUE:
                return StorageError(.conflict, "a unique value is taken")
            default:
                return StorageError(.constraint, "the record breaks a rule of the schema")
            }
        }
        if let error = error as? DatabaseError { return StorageError(.unavailable, "the database failed (\(error.resultCode))") }
        return StorageError(.unavailable, "the database failed")
    }

    static func missing(_ what: String, _ id: String) -> StorageError {
        StorageError(.notFound, "no \(what) with id \(id)")
    }
}
