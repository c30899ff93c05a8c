public import SessionStorage
public import SessionCrypto

extension SessionManager {
    /// The instance a fresh `session-server` serves.
    public static let defaultInstanceID = "ins_default"

    /// Makes sure the default development instance exists and accepts `secretKey` when one is given.
    /// Returns the key to print when one had to be generated (the instance has never had a key and
    /// none was given): it is stored only as a hash and cannot be shown again.
    public func bootstrapDefaultInstance(secretKey: String?, signingKey: SigningKey? = nil) async throws(ManagementError) -> (Instance, generatedKey: String?) {
        let (instance, needsFirstKey) = try await prepareDefaultInstance(secretKey: secretKey, signingKey: signingKey)
        return (instance, needsFirstKey ? try await addSecretKey(to: instance) : nil)
    }

    /// The first half of `bootstrapDefaultInstance`, for a server that must not store a key it has
    /// not shown yet: makes sure the instance exists and registers `secretKey` when given, and says
    /// whether the instance still needs a first key, which the caller creates with `addSecretKey`
    /// once it can print it. Whether a key is needed is read from the store (has the instance ever
    /// had one?), not from whether the instance is new, so a start that stopped in between is
    /// completed by the next one. The instance gets `signingKey` (else a new key) as its first
    /// signing key when it has none.
    public func prepareDefaultInstance(secretKey: String?, signingKey: SigningKey? = nil) async throws(ManagementError) -> (Instance, needsFirstKey: Bool) {
        if let secretKey {
            guard secretKey.hasPrefix("sk_test_"), secretKey.utf8.count >= 32, secretKey.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            else { throw ManagementError.invalid("TESSERA_SECRET_KEY", "the secret key must be sk_test_ followed by at least 24 letters or digits") }
        }
        let existing = try await storage { () async throws(StorageError) in try await store.instance(id: Self.defaultInstanceID) }
        let instance: Instance
        if let existing {
            instance = existing
        } else {
            instance = Instance(id: Self.defaultInstanceID, slug: Self.defaultSlug, environment: .development, createdAt: clock())
            let audit = try auditDraft(
                "tenant.created", at: instance.createdAt,
                data: ["slug": .string(instance.slug), "environment": .string(instance.environment.rawValue)])
            do { try await store.createInstance(instance, signingKey: nil, audit: audit) } catch {
                // Another process created it first.
                if error.code != .conflict { try await storage { () async throws(StorageError) in throw error } }
            }
        }
        try await ensureSigningKey(for: instance, initial: signingKey)
        guard let secretKey else {
            // Operator keys are stored beside the tenant's (KeyScope) but are not the tenant's first key.
            return (instance, try await secretKeys(in: instance).isEmpty)
        }
        let hash = SHA256.hash(Array(secretKey.utf8))
        if try await storage({ () async throws(StorageError) in try await store.secretKey(hash: hash) }) == nil {
            let record = SecretKeyRecord(
                id: try newID("key"), instanceID: instance.id, hash: hash, displayPrefix: String(secretKey.prefix(12)), createdAt: clock())
            try await addGivenKey(record)
        }
        return (instance, false)
    }

    /// Stores a key given by configuration; another process starting with the same key may have
    /// stored it first, which is as good.
    func addGivenKey(_ record: SecretKeyRecord) async throws(ManagementError) {
        let audit = try auditDraft(
            "secret_key.created", at: record.createdAt, data: ["key_id": .string(record.id), "prefix": .string(record.displayPrefix)])
        do { try await store.addSecretKey(record, audit: audit) } catch {
            if error.code == .conflict { return }
            try await storage { () async throws(StorageError) in throw error }
        }
    }
}
