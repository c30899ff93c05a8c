import Foundation
import GRDB
public import SessionStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLiteSessionStore {
    /// What `backup` copied.
    public struct BackupSummary: Sendable {
        public let pages: Int
        public let bytes: Int
    }

    /// A consistent copy of the live database at `path` in `destination`, through SQLite's online backup API.
    ///
    /// The source is opened read-only and copied in one backup step, which reads one snapshot inside a single read
    /// transaction: in WAL mode that never takes the writer's lock, so a server on the file goes on writing (a backup
    /// in several steps would restart whenever the server commits, and might never finish under load). The copy is
    /// written to a private (0600: it holds sealed keys and key hashes) temporary file beside `destination`, checked
    /// with `PRAGMA quick_check`, and only then moved into place: `destination` never holds a partial copy. Without
    /// `overwrite`, an existing `destination` is refused (the move is a hard link, which fails if the name exists).
    public static func backup(readingDatabaseAt path: String, to destination: String, overwrite: Bool) throws(StorageError) -> BackupSummary {
        guard FileManager.default.isReadableFile(atPath: path) else { throw StorageError(.unavailable, "cannot read \(path)") }
        if !overwrite, FileManager.default.fileExists(atPath: destination) {
            throw StorageError(.conflict, "\(destination) exists (give --force to replace it)")
        }
        let sourceFile = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        if URL(fileURLWithPath: destination).resolvingSymlinksInPath().path == sourceFile {
            throw StorageError(.conflict, "the backup cannot replace the database it copies")
        }
        let temporary = destination + ".partial-\(getpid())"
        try createPrivateFile(temporary)
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(temporary + suffix) } }
        let summary: BackupSummary
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(5)
            let source = try DatabaseQueue(path: path, configuration: configuration)
            guard try source.read({ db in try db.tableExists("instance") }) else {
                throw StorageError(.unavailable, "\(path) is not a Tessera database")
            }
            do {
                let copy = try DatabaseQueue(path: temporary)
                try source.backup(to: copy)
                summary = try copy.writeWithoutTransaction { db in
                    // The copy keeps the source's WAL mode in its header; a single file is what an operator moves around.
                    try db.execute(sql: "PRAGMA journal_mode = DELETE")
                    let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
                    guard check == ["ok"] else { throw StorageError(.unavailable, "the copy failed its check: \(check.prefix(3).joined(separator: "; "))") }
                    let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                    let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
                    return BackupSummary(pages: pages, bytes: pages.multipliedReportingOverflow(by: pageSize).partialValue)
                }
                try copy.close()
            }
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw StorageError(.unavailable, "cannot back up \(path): \(error.message ?? "\(error.resultCode)")")
        } catch {
            throw StorageError(.unavailable, "cannot back up \(path)")
        }
        try publish(temporary, as: destination, overwrite: overwrite)
        return summary
    }

    /// Creates `path` afresh with mode 0600 whatever the umask (a stale file of that name is an error, not reused).
    private static func createPrivateFile(_ path: String) throws(StorageError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw backupFailure("cannot create \(path)") }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else { throw backupFailure("cannot set mode 0600 on \(path)") }
    }

    /// Flushes the finished copy and gives it its name: `rename` replaces, `link` refuses an existing name.
    private static func publish(_ temporary: String, as destination: String, overwrite: Bool) throws(StorageError) {
        let descriptor = open(temporary, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw backupFailure("cannot open \(temporary)") }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard synced else { throw backupFailure("cannot flush \(temporary)") }
        if overwrite {
            guard rename(temporary, destination) == 0 else { throw backupFailure("cannot move the copy to \(destination)") }
        } else {
            guard link(temporary, destination) == 0 else {
                if errno == EEXIST { throw StorageError(.conflict, "\(destination) exists (give --force to replace it)") }
                throw backupFailure("cannot move the copy to \(destination)")
            }
        }
    }

    private static func backupFailure(_ what: String) -> StorageError {
        StorageError(.unavailable, "\(what): \(String(cString: strerror(errno)))")
    }
}
