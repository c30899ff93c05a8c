import Foundation
import GRDB
import SessionStorage
import SessionStorageSQLite
import SessionStoreConformance
import Testing

/// The SQLite driver passes the same conformance suite as the in-memory twin, on a file (WAL) and
/// in memory.
@Suite(.timeLimit(.minutes(1))) struct SQLiteSessionStoreTests {
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
            try await store.createInstance(Instance(id: "ins_a", slug: "ins-a", environment: .development, createdAt: 1))
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
            try await store.createInstance(Instance(id: "ins_a", slug: "ins-a", environment: .development, createdAt: 1))
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

    /// A revocation's status change and its list entry commit together, and so does a user's
    /// deletion: when the entry cannot be written (a trigger the test installs through a second
    /// connection makes its INSERT fail), nothing of the write is left behind.
    @Test func aRevocationThatFailsHalfwayChangesNothing() async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let store = try SQLiteSessionStore(path: path)
        let t0: Int64 = 1_800_000_000_000
        try await store.createInstance(Instance(id: "ins_a", slug: "ins-a", environment: .development, createdAt: t0))
        try await store.createUser(User(id: "user_1", instanceID: "ins_a", createdAt: t0, updatedAt: t0))
        try await store.createClient(Client(id: "client_1", instanceID: "ins_a", createdAt: t0, updatedAt: t0))
        for index in 0..<2 {
            try await store.createSession(
                Session(
                    id: "sess_\(index)", instanceID: "ins_a", userID: "user_1", clientID: "client_1", lastActiveAt: t0,
                    expireAt: t0 + 86_400_000, abandonAt: t0 + 86_400_000, createdAt: t0, updatedAt: t0))
        }
        let database = try DatabaseQueue(path: path)
        try await database.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse_revocations BEFORE INSERT ON revocation BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
        }

        await #expect(throws: StorageError.self) { _ = try await store.revokeSession(instanceID: "ins_a", id: "sess_0", at: t0 + 1, leeway: 1) }
        await #expect(throws: StorageError.self) { _ = try await store.revokeUserSessions(instanceID: "ins_a", userID: "user_1", at: t0 + 1, retainUntil: t0 + 2) }
        await #expect(throws: StorageError.self) { _ = try await store.deleteUser(instanceID: "ins_a", id: "user_1", at: t0 + 1, retainUntil: t0 + 2) }
        for index in 0..<2 {
            let session = try #require(try await store.session(instanceID: "ins_a", id: "sess_\(index)"))
            #expect(session.status == .active && session.updatedAt == t0, "sess_\(index) changed without its entry")
        }
        #expect(try await store.user(instanceID: "ins_a", id: "user_1") != nil)
        #expect(try await store.revocations(instanceID: "ins_a", after: 0, limit: 10).isEmpty)

        // With the trigger gone, the same revocation goes through whole.
        try await database.write { db in try db.execute(sql: "DROP TRIGGER refuse_revocations") }
        let (revoked, entry) = try await store.revokeSession(instanceID: "ins_a", id: "sess_0", at: t0 + 1, leeway: 1)
        #expect(revoked.status == .revoked && entry?.target == .session(id: "sess_0"))
    }

    @Test func unopenableDatabasesAreUnavailable() {
        #expect(throws: StorageError(.unavailable, "")) { try SQLiteSessionStore(path: "/proc/tessera/cannot/db.sqlite") }
    }
}
