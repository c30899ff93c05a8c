import ArgumentParser
import Foundation
import Logging
import SessionStorage
import SessionStoragePostgres
import SessionStorageSQLite

/// `session-server migrate`: applies the schema migrations a database lacks, then exits, for
/// operators who migrate before rolling out new nodes rather than letting the first node do it.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the database's missing schema migrations and exit (nodes also apply them when they start).",
        discussion: """
            Forward-only: a database migrated by a newer version is refused, never written to. On PostgreSQL the \
            migrations run under an advisory lock, so running this while nodes start is safe: whoever comes first \
            applies them and the others find them applied. The database is the server's: --database, before or after \
            `migrate`, or TESSERA_DATABASE (a SQLite file or a postgres:// URL).
            """)

    /// The server's own options: `--database` is parsed once, whichever side of `migrate` it is on.
    @ParentCommand var server: SessionServerCommand

    /// Only warnings: the pool retries a refused connection and says so at info, once per attempt.
    static var logger: Logger {
        var logger = Logger(label: "tessera.migrate")
        logger.logLevel = .warning
        return logger
    }

    func run() async throws {
        let setting = try SessionServerCommand.databaseSetting(server.database)
        switch setting {
        case .sqlite(let path):
            // Opening the file applies its migrations in one transaction.
            _ = try SQLiteSessionStore(path: path)
            print("migrated \(path)")
        case .postgres(let configuration):
            let outcome: Result<(applied: [Int32], all: [Int32]), StorageError> = await {
                do throws(StorageError) {
                    let store = try await PostgresSessionStore(configuration: configuration, migrate: false, logger: Self.logger)
                    let result: Result<(applied: [Int32], all: [Int32]), StorageError>
                    do throws(StorageError) { result = .success((try await store.migrate(), try await store.appliedMigrations())) } catch {
                        result = .failure(error)
                    }
                    await store.close()
                    return result
                } catch {
                    return .failure(error)
                }
            }()
            switch outcome {
            case .success(let (applied, all)):
                print(
                    applied.isEmpty
                        ? "\(configuration.description): up to date (migrations \(all.map(String.init).joined(separator: ", ")))"
                        : "\(configuration.description): applied migrations \(applied.map(String.init).joined(separator: ", "))")
            case .failure(let error):
                throw StartupError("PostgreSQL (\(configuration.description)): \(error.reason)")
            }
        }
    }
}
