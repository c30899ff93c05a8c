import ArgumentParser
import SessionStorage
import SessionStorageSQLite

/// `sessionctl backup`: a consistent copy of a live SQLite database (SQLite's online backup API), safe while a server
/// writes to it. Restoring is Docs/Operations.md's: stop the server, put the copy in place, remove -wal and -shm, start.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy a live SQLite database consistently (online backup; the server keeps writing).",
        discussion: """
            Opens --database read-only and copies one snapshot of it with SQLite's backup API (no write lock is taken), \
            checks the copy (PRAGMA quick_check) and only then names it --out, with mode 0600: it holds sealed signing \
            keys and secret-key hashes. An existing --out is refused unless --force.
            """)

    @Option(help: "The live database file (the server's --database).") var database: String
    @Option(help: "Where to write the copy (refused if it exists, unless --force).") var out: String
    @Flag(help: "Replace an existing --out.") var force = false

    func run() throws {
        do throws(StorageError) {
            let summary = try SQLiteSessionStore.backup(readingDatabaseAt: database, to: out, overwrite: force)
            print("backed up \(database) to \(out): \(summary.pages) pages, \(summary.bytes) bytes, quick_check ok")
        } catch {
            throw CLI.fail(error.reason)
        }
    }
}
