import ArgumentParser
import Foundation
import Logging
import SessionStorage
import SessionStoragePostgres
import SessionStorageSQLite

/// Where the sessions live: a SQLite file, or a PostgreSQL database that several nodes share.
enum DatabaseSetting {
    case sqlite(path: String)
    case postgres(PostgresStoreConfiguration)

    /// For the start-up banner and logs: a URL without its password.
    var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let configuration): configuration.description
        }
    }

    /// Opens the store, applying the migrations it lacks (under an advisory lock on PostgreSQL,
    /// so that nodes starting together apply them once).
    func open(logger: Logger) async throws -> any SessionStore {
        switch self {
        case .sqlite(let path): return try SQLiteSessionStore(path: path)
        case .postgres(let configuration):
            // The pool's own events (a connection failed, and is retried) are noise at info.
            var poolLogger = logger
            poolLogger.logLevel = max(logger.logLevel, .warning)
            do { return try await PostgresSessionStore(configuration: configuration, logger: poolLogger) } catch {
                throw StartupError("PostgreSQL (\(configuration.description)): \(error.reason)")
            }
        }
    }

    /// Closes a PostgreSQL store's connections (a SQLite file closes with the process).
    static func close(_ store: any SessionStore) async {
        if let store = store as? PostgresSessionStore { await store.close() }
    }
}

extension SessionServerCommand {
    /// A `postgres://` or `postgresql://` URL selects PostgreSQL; anything else must be a file path. A
    /// URL of another scheme is refused rather than taken for a relative file of that name, which
    /// would start an empty SQLite store that nobody asked for; messages never show the URL's
    /// password (only the scheme, or the redacted URL).
    static func databaseSetting(_ value: String) throws -> DatabaseSetting {
        guard !value.isEmpty else { throw ValidationError("--database (TESSERA_DATABASE) is empty: give the SQLite file's path or a postgres:// URL") }
        if PostgresStoreConfiguration.isURL(value) {
            do { return .postgres(try PostgresStoreConfiguration(url: value)) } catch {
                throw ValidationError("--database (TESSERA_DATABASE): \(error.reason)")
            }
        }
        if let separator = value.range(of: "://") {
            let scheme = value[..<separator.lowerBound]
            let shown = scheme.count <= 16 && scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) ? String(scheme) : "a"
            throw ValidationError(
                "--database (TESSERA_DATABASE) takes a SQLite file path or a postgres:// URL, not \(shown == "a" ? "a URL" : "a \(shown):// URL")")
        }
        guard !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw ValidationError("--database (TESSERA_DATABASE) holds a control character")
        }
        return .sqlite(path: value)
    }
}
