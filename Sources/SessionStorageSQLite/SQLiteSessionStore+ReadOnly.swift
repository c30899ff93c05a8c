import Foundation
import GRDB
public import SessionStorage

extension SQLiteSessionStore {
    /// A tenant's whole audit log, oldest first, read from the database file at `path` without
    /// opening a store: the connection is read-only, runs no migration and never writes, so an
    /// operator can check a chain while a server runs on the file (WAL readers do not wait for the
    /// writer, and see one committed snapshot) or on a copy taken off a backup.
    ///
    /// Rows are decoded as the store decodes them (`decodeAuditEvent`): a row altered into a shape
    /// the store would not write still yields an event, which `AuditChain.verify` then reports.
    public static func auditEvents(readingDatabaseAt path: String, tenantSlug: String) throws(StorageError) -> [AuditEvent] {
        // A missing file would otherwise surface as SQLite's bare "unable to open".
        guard FileManager.default.isReadableFile(atPath: path) else { throw StorageError(.unavailable, "cannot read \(path)") }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                guard try db.tableExists("audit_event") else {
                    throw StorageError(.unavailable, "\(path) has no audit log (not a Tessera database, or one from before migration 0008)")
                }
                guard let instanceID = try String.fetchOne(db, sql: "SELECT id FROM instance WHERE slug = ?", arguments: [tenantSlug]) else {
                    throw StorageError(.notFound, "no tenant \(tenantSlug) in \(path)")
                }
                return try Row.fetchAll(db, sql: "SELECT * FROM audit_event WHERE instance_id = ? ORDER BY seq", arguments: [instanceID])
                    .map(decodeAuditEvent)
            }
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw StorageError(.unavailable, "cannot read \(path): \(error.message ?? "\(error.resultCode)")")
        } catch {
            throw StorageError(.unavailable, "cannot read \(path)")
        }
    }
}
