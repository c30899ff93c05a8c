public import SessionStorage
import SessionCrypto

extension SessionManager {
    /// How long a secret-key entry stays on the list: long enough for every process to have
    /// followed it (they catch up several times a second); after that the stored `revoked_at`
    /// refuses the key on any cache miss.
    var secretKeyEntryRetention: Int64 { max(configuration.authenticationCacheLifetime, 3_600_000) }

    /// Every secret and verifier key of the instance, revoked ones included, oldest first. The
    /// keys themselves were never stored; records carry only their display prefix.
    public func secretKeys(in instance: Instance) async throws(ManagementError) -> [SecretKeyRecord] {
        try await storage { () async throws(StorageError) in try await store.secretKeys(instanceID: instance.id) }
    }

    /// Revokes a secret or verifier key; idempotent. Once this returns, this process refuses the
    /// key; every other process on the same store refuses it within its catch-up interval.
    public func revokeSecretKey(in instance: Instance, id: String) async throws(ManagementError) -> SecretKeyRecord {
        try await startRevocations()
        let now = clock()
        let (key, entry) = try await storage { () async throws(StorageError) in
            try await store.revokeSecretKey(instanceID: instance.id, id: id, at: now, retainUntil: now + secretKeyEntryRetention)
        }
        if let entry { try await deliver(entry) }
        return key
    }

    /// Adds a key and returns it with its record: the key is shown this once.
    public func createSecretKey(in instance: Instance, scope: KeyScope = .full) async throws(ManagementError) -> (SecretKeyRecord, secretKey: String) {
        let secret = try await addSecretKey(to: instance, scope: scope)
        let hash = SHA256.hash(Array(secret.utf8))
        guard let record = try await storage({ () async throws(StorageError) in try await store.secretKey(hash: hash) }) else {
            throw ManagementError(.unavailable, "the new key was not found after it was stored")
        }
        return (record, secret)
    }
}
