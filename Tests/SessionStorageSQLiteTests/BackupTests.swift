import Foundation
import GRDB
import SessionStorage
import SessionStorageSQLite
import Testing

/// `SQLiteSessionStore.backup`: a copy of a database that is open and written, owner-only, never over an existing
/// file unless asked, never over its own source. (Under a real server's load: Tests/EndToEnd/backup.py.)
@Suite(.timeLimit(.minutes(1))) struct BackupTests {
    func mode(_ file: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) & 0o777
    }

    @Test func copiesAnOpenDatabaseOwnerOnlyAndRefusesToOverwrite() async throws {
        let path = SQLiteSessionStoreTests.temporaryPath()
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let previous = umask(0o022)
        defer { umask(previous) }
        let store = try SQLiteSessionStore(path: path)
        try await store.createInstance(Instance(id: "ins_a", slug: "ins-a", environment: .development, createdAt: 1))
        let out = directory + "/copy.sqlite"
        // The store stays open (its WAL holds the instance, not yet checkpointed), as under a running server.
        let summary = try SQLiteSessionStore.backup(readingDatabaseAt: path, to: out, overwrite: false)
        #expect(summary.pages > 0 && summary.bytes >= summary.pages * 512)
        #expect(try mode(out) == 0o600)
        let copy = try SQLiteSessionStore(path: out)
        #expect(try await copy.instance(id: "ins_a")?.slug == "ins-a")
        try await store.createInstance(Instance(id: "ins_b", slug: "ins-b", environment: .production, createdAt: 2))
        let refused = #expect(throws: StorageError.self) { try SQLiteSessionStore.backup(readingDatabaseAt: path, to: out, overwrite: false) }
        #expect(refused?.reason.contains("--force") == true)
        #expect(try await copy.instance(id: "ins_b") == nil, "the refused backup left the copy alone")
        let forced = directory + "/forced.sqlite"
        FileManager.default.createFile(atPath: forced, contents: Data("not a database".utf8))
        _ = try SQLiteSessionStore.backup(readingDatabaseAt: path, to: forced, overwrite: true)
        #expect(try await SQLiteSessionStore(path: forced).instance(id: "ins_b")?.environment == .production)
        #expect(try mode(forced) == 0o600)
        // Never the source itself, even with overwrite, and no leftovers from any attempt.
        #expect(throws: StorageError.self) { try SQLiteSessionStore.backup(readingDatabaseAt: path, to: path, overwrite: true) }
        #expect(throws: StorageError.self) { try SQLiteSessionStore.backup(readingDatabaseAt: directory + "/missing", to: directory + "/x", overwrite: false) }
        #expect(!FileManager.default.fileExists(atPath: directory + "/x"))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(!names.contains { $0.contains(".partial-") }, "\(names)")
        #expect(try await store.instance(id: "ins_a") != nil, "the source is untouched")
    }

    @Test func refusesAFileThatIsNotATesseraDatabase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let other = directory + "/other.sqlite"
        let queue = try DatabaseQueue(path: other)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t(x)") }
        let error = #expect(throws: StorageError.self) { try SQLiteSessionStore.backup(readingDatabaseAt: other, to: directory + "/copy", overwrite: false) }
        #expect(error?.reason.contains("not a Tessera database") == true)
        #expect(!FileManager.default.fileExists(atPath: directory + "/copy"))
    }
}
