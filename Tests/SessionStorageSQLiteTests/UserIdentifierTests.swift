import Foundation
import GRDB
import SessionStorage
import SessionStorageSQLite
import Testing

/// What only a file can show: identifiers stay unique across two stores (two processes) on one
/// file, and migration 0009 back-fills them from users written before it.
@Suite(.timeLimit(.minutes(1))) struct UserIdentifierTests {
    static let t0: Int64 = 1_800_000_000_000

    static func user(_ id: String, email: String, at: Int64) -> User {
        User(
            id: id, instanceID: "ins_a", emailAddresses: [User.EmailAddress(id: "idn_\(id)", emailAddress: email, verified: true)],
            primaryEmailAddressID: "idn_\(id)", createdAt: at, updatedAt: at)
    }

    static func prepared(_ path: String) async throws -> SQLiteSessionStore {
        let store = try SQLiteSessionStore(path: path)
        try await store.createInstance(Instance(id: "ins_a", slug: "a", environment: .development, createdAt: t0))
        return store
    }

    @Test func twoStoresOnOneFileLetOneCreateWin() async throws {
        let path = SQLiteSessionStoreTests.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let first = try await Self.prepared(path)
        let second = try SQLiteSessionStore(path: path)
        let wins = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<16 {
                let store = index.isMultiple(of: 2) ? first : second
                group.addTask {
                    do {
                        try await store.createUser(Self.user("user_\(index)", email: index < 8 ? "same@example.com" : "SAME@example.com", at: Self.t0))
                        return true
                    } catch { return false }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
        #expect(try await second.userCount(UserQuery(instanceID: "ins_a")) == 1)
    }

    @Test func migrationBackFillsIdentifiersOldestFirst() async throws {
        let path = SQLiteSessionStoreTests.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        do {
            let store = try await Self.prepared(path)
            try await store.createUser(Self.user("user_old", email: "Dup@Example.com", at: Self.t0 + 1))
            try await store.createUser(Self.user("user_new", email: "other@example.com", at: Self.t0 + 2))
        }
        // The file as a version before 0009 could have left it: two users with one email, no identifier table.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: """
                UPDATE email_address SET email_address = 'dup@EXAMPLE.com' WHERE user_id = 'user_new';
                DROP TABLE user_identifier;
                DROP INDEX client_by_instance;
                DELETE FROM grdb_migrations WHERE identifier LIKE '0009 %';
                """)
        }
        try queue.close()
        let store = try SQLiteSessionStore(path: path)
        #expect(try await store.users(UserQuery(instanceID: "ins_a", emailAddresses: ["DUP@example.COM"])).items.map(\.id) == ["user_old"])
        let error = await #expect(throws: StorageError.self, "a back-filled email cannot be taken again") {
            try await store.createUser(Self.user("user_third", email: "dup@example.com", at: Self.t0 + 3))
        }
        #expect(error?.code == .conflict && error?.field == "email_address")
        // The younger duplicate can still be edited and deleted.
        var younger = try #require(try await store.user(instanceID: "ins_a", id: "user_new"))
        younger.firstName = "Still editable"
        younger.emailAddresses = [User.EmailAddress(id: "idn_fresh", emailAddress: "fresh@example.com", verified: true)]
        _ = try await store.updateUser(younger, retainUntil: Self.t0 + 10)
        _ = try await store.deleteUser(instanceID: "ins_a", id: "user_new", at: Self.t0 + 11, retainUntil: Self.t0 + 12)
    }
}
