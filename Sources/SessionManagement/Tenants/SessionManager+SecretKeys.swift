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
            .filter { KeyScope.of(displayPrefix: $0.displayPrefix) != .operator }
    }

    /// Makes sure an operator key exists: `given` (`TESSERA_OPERATOR_KEY`) is accepted as one;
    /// without it, a key is generated when none is live and returned to be shown once.
    public func bootstrapOperatorKey(_ given: String?) async throws(ManagementError) -> String? {
        let instance = try await tenant(slug: "default")
        if let given {
            guard given.hasPrefix("op_test_"), given.utf8.count >= 32, given.utf8.allSatisfy({ ResourceID.isIDByte($0) && $0 != UInt8(ascii: "-") })
            else { throw ManagementError.invalid("TESSERA_OPERATOR_KEY", "the operator key must be op_test_ followed by at least 24 letters or digits") }
            let hash = SHA256.hash(Array(given.utf8))
            if try await storage({ () async throws(StorageError) in try await store.secretKey(hash: hash) }) == nil {
                let record = SecretKeyRecord(
                    id: try newID("key"), instanceID: instance.id, hash: hash, displayPrefix: String(given.prefix(12)), createdAt: clock())
                try await addGivenKey(record)
            }
            return nil
        }
        let keys = try await storage { () async throws(StorageError) in try await store.secretKeys(instanceID: instance.id) }
        guard !keys.contains(where: { KeyScope.of(displayPrefix: $0.displayPrefix) == .operator && $0.revokedAt == nil }) else { return nil }
        return try await addSecretKey(to: instance, scope: .operator)
    }

    /// Revokes a secret or verifier key; idempotent. Once this returns, this process refuses the
    /// key; every other process on the same store refuses it within its catch-up interval.
    public func revokeSecretKey(in instance: Instance, id: String) async throws(ManagementError) -> SecretKeyRecord {
        guard try await secretKeys(in: instance).contains(where: { $0.id == id }) else {
            throw ManagementError(.notFound, "No secret key was found with id \(id)", resource: .secretKey)
        }
        try await startRevocations()
        let now = clock()
        let audit = try auditDraft("secret_key.revoked", at: now, data: ["key_id": .string(id)])
        let (key, entry) = try await storage { () async throws(StorageError) in
            try await store.revokeSecretKey(instanceID: instance.id, id: id, at: now, retainUntil: now + secretKeyEntryRetention, audit: audit)
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
