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

    @Test func unopenableDatabasesAreUnavailable() {
        #expect(throws: StorageError(.unavailable, "")) { try SQLiteSessionStore(path: "/proc/tessera/cannot/db.sqlite") }
    }
}
