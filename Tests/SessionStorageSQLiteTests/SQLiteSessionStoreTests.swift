import Foundation
import SessionStorage
import SessionStorageSQLite
import SessionStoreConformance
import Testing

/// The SQLite driver passes the same conformance suite as the in-memory twin, on a file (WAL) and
/// in memory.
@Suite struct SQLiteSessionStoreTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tessera-\(UInt64.random(in: 0...UInt64.max))/db.sqlite").path
    }

    @Test(arguments: SessionStoreConformance.names)
    func conformanceOnAFile(_ check: String) async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        try await SessionStoreConformance.run(check, on: SQLiteSessionStore(path: path))
    }

    @Test(arguments: SessionStoreConformance.names)
    func conformanceInMemory(_ check: String) async throws {
        try await SessionStoreConformance.run(check, on: SQLiteSessionStore(path: ":memory:"))
    }

    @Test func fileDatabasesRunInWALModeAndSurviveReopening() async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        do {
            let store = try SQLiteSessionStore(path: path)
            #expect(try await store.journalMode() == "wal")
            try await store.createInstance(Instance(id: "ins_a", environment: .development, createdAt: 1))
        }
        // Reopening runs the migrations again (a no-op) and finds the data.
        let reopened = try SQLiteSessionStore(path: path)
        #expect(try await reopened.instance(id: "ins_a")?.environment == .development)
    }

    /// The database holds sessions and sealed key material: owner-only whatever the umask, main
    /// file, `-wal` and `-shm` alike, in a 0700 directory when the store creates it; an older file
    /// left 0644 is narrowed on open.
    @Test func databaseFilesAreOwnerOnlyWhateverTheUmask() async throws {
        let path = Self.temporaryPath()
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let previous = umask(0o022)
        defer { umask(previous) }
        func mode(_ file: String) throws -> Int {
            try #require(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) & 0o777
        }
        do {
            let store = try SQLiteSessionStore(path: path)
            try await store.createInstance(Instance(id: "ins_a", environment: .development, createdAt: 1))
            #expect(try mode(directory) == 0o700)
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(FileManager.default.fileExists(atPath: file), "\(file) exists while the store is open")
                #expect(try mode(file) == 0o600, "\(file)")
            }
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        _ = try SQLiteSessionStore(path: path)
        #expect(try mode(path) == 0o600)
    }

    @Test func unopenableDatabasesAreUnavailable() {
        #expect(throws: StorageError(.unavailable, "")) { try SQLiteSessionStore(path: "/proc/tessera/cannot/db.sqlite") }
    }
}
