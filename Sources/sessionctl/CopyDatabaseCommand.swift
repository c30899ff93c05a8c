import ArgumentParser
import Foundation
import SessionStorage
import SessionStorageCopy
import SessionStoragePostgres

/// `sessionctl copy-database`: the move from SQLite to PostgreSQL (Docs/Operations.md, "Moving from SQLite to
/// PostgreSQL"). The work is SessionStorageCopy's; this is the edge: the two arguments, checked once, and the report.
struct CopyDatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-database", abstract: "Copy a SQLite database into a new, empty PostgreSQL database.",
        discussion: """
            Reads one consistent snapshot of --from (opened read-only, in one read transaction: a server may still \
            be running on it, but what it writes after the snapshot is not copied, so stop it first for the real \
            move) and writes every row into --to in one transaction: tenants, signing keys and their schedule, \
            secret-key hashes, users and their identifiers, clients, sessions, templates, consents, the audit log \
            with its hash chain, and the revocation feed with its sequence numbers and head (a follower's cursor \
            keeps its meaning; new entries continue after the last). The target is migrated first, and refused \
            unless it holds no row at all: never start session-server on it before the copy. On any error nothing \
            is written. Prints the rows copied per table. \
            Tables: \(CopyPlan.sourceTables.joined(separator: ", ")).
            """)

    @Option(help: "The SQLite database file (the server's --database).") var from: String
    @Option(
        help: ArgumentHelp(
            "The PostgreSQL database: postgres://user[:password]@host[:port]/database?sslmode=… (default: $TESSERA_DATABASE).",
            valueName: "url"))
    var to: String?

    func run() async throws {
        guard let url = to ?? ProcessInfo.processInfo.environment["TESSERA_DATABASE"], !url.isEmpty else {
            throw ValidationError("give --to postgres://… or set TESSERA_DATABASE")
        }
        guard PostgresStoreConfiguration.isURL(url) else { throw ValidationError("--to must be a postgres:// or postgresql:// URL") }
        guard !PostgresStoreConfiguration.isURL(from) else { throw ValidationError("--from is the SQLite file to copy, not a URL") }
        // Before the target is touched (connecting migrates it).
        guard FileManager.default.isReadableFile(atPath: from) else { throw CLI.fail("cannot read \(from)") }
        do throws(StorageError) {
            // Parsed once, here; only its redacted form is ever printed.
            let configuration = try PostgresStoreConfiguration(url: url)
            print("copying \(from) into \(configuration.redactedURL)")
            let store = try await PostgresSessionStore(configuration: configuration)
            let summary: DatabaseCopy.Summary
            do {
                summary = try await DatabaseCopy.copy(sqliteAt: from, into: store)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            let width = summary.tables.map(\.target.count).max() ?? 0
            for table in summary.tables {
                print("  \(table.target)\(String(repeating: " ", count: width - table.target.count))  \(table.rows)")
            }
            print("  feed head at \(summary.feedHead): the next revocation entry is \(summary.feedHead + 1)")
            print("copied \(summary.tables.reduce(0) { $0 + $1.rows }) rows in one transaction")
        } catch {
            throw CLI.fail(error.reason)
        }
    }
}
