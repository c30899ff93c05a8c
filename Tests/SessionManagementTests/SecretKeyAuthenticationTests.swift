import Foundation
import GRDB
import SessionCrypto
import SessionManagement
import SessionStorage
import SessionTokens
import SessionStorageSQLite
import TestFixtures
import Testing

/// Which secret keys open an instance: the environment in the key must be the instance's, and a
/// key revoked in the database stops working once the authentication cache lets go of it.
@Suite struct SecretKeyAuthenticationTests {
    /// A key stored for an instance but spelled for the other environment (`sk_test_` on a
    /// production instance, `sk_live_` on a development one) is refused, although its hash is stored.
    @Test(arguments: [(Instance.Environment.production, "sk_test_"), (.development, "sk_live_")])
    func aKeyOfTheOtherEnvironmentIsRefused(_ environment: Instance.Environment, _ prefix: String) async throws {
        let harness = try await Harness(environment: environment)
        #expect(try await harness.manager.authenticate(secretKey: harness.secretKey) == harness.instance)
        let stray = prefix + String(repeating: "ab", count: 24)
        try await harness.store.addSecretKey(
            SecretKeyRecord(
                id: "key_stray", instanceID: harness.instance.id, hash: SHA256.hash(Array(stray.utf8)),
                displayPrefix: String(stray.prefix(prefix.count + 4)), createdAt: harness.clock.now))
        await #expect(throws: ManagementError(.unauthenticated, "")) { try await harness.manager.authenticate(secretKey: stray) }
    }

    /// Another process (or another copy of the service) revokes the key in the shared database;
    /// this manager has it cached, and must refuse it once the cache lifetime has passed.
    @Test func aKeyRevokedInTheDatabaseStopsWorkingAfterTheCacheLifetime() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-auth-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        let clock = TestClock()
        let keys = KeyEncryptionKeys(current: try .generate())
        let configuration = ManagementConfiguration(issuer: "https://tessera.test", authenticationCacheLifetime: 30_000)
        let manager = SessionManager(store: try SQLiteSessionStore(path: path), configuration: configuration, keyEncryption: keys, clock: { clock.now })
        let (tenant, secretKey) = try await manager.createTenant(TenantDraft(slug: "app", signingAlgorithm: .es256))
        let instance = tenant.instance
        #expect(try await manager.authenticate(secretKey: secretKey) == instance)

        let database = try DatabaseQueue(path: path)
        try await database.write { db in try db.execute(sql: "UPDATE secret_key SET revoked_at = ?", arguments: [clock.now]) }
        // A manager with nothing cached refuses the key at once: the revocation itself took.
        let fresh = SessionManager(store: try SQLiteSessionStore(path: path), configuration: configuration, keyEncryption: keys, clock: { clock.now })
        await #expect(throws: ManagementError(.unauthenticated, "")) { try await fresh.authenticate(secretKey: secretKey) }

        clock.advance(by: 30_000)
        await #expect(throws: ManagementError(.unauthenticated, "")) { try await manager.authenticate(secretKey: secretKey) }
    }
}
