import PostgresNIO
public import SessionStorage

extension PostgresSessionStore {
    public func createInstance(_ instance: Instance, signingKey: SigningKeyRecord?, audit: AuditDraft?) async throws(StorageError) {
        try StoredText.check(["id": instance.id, "slug": instance.slug])
        for origin in instance.allowedOrigins {
            try StoredText.check(["allowed_origins": origin])
            guard !origin.contains(" ") else { throw StorageError(.constraint, "an allowed origin holds no space") }
        }
        if let signingKey { try Self.checkStorable(signingKey) }
        try await write { db in
            try await db.execute("""
                INSERT INTO instance (id, slug, environment, signing_algorithm, allowed_origins, allows_backend_sign_in, anomaly_action, created_at)
                VALUES (\(instance.id), \(instance.slug), \(instance.environment.rawValue), \(instance.signingAlgorithm),
                    \(instance.allowedOrigins.joined(separator: " ")), \(instance.allowsBackendSignIn), \(instance.anomalyAction.rawValue),
                    \(instance.createdAt))
                """)
            if let signingKey { try await Self.insert(signingKey, db) }
            // The tenant's first event: its chain starts with its creation.
            try await Self.appendAudit(db, instanceID: instance.id, audit)
        }
    }

    static func decodeInstance(_ row: Row) throws -> Instance {
        Instance(
            id: try row.text("id"), slug: try row.text("slug"),
            environment: Instance.Environment(rawValue: try row.text("environment")) ?? .development,
            signingAlgorithm: try row.text("signing_algorithm"),
            allowedOrigins: try row.text("allowed_origins").split(separator: " ").map(String.init),
            allowsBackendSignIn: try row.bool("allows_backend_sign_in"),
            anomalyAction: Instance.AnomalyAction(rawValue: try row.text("anomaly_action")) ?? .flag, createdAt: try row.int("created_at"))
    }

    public func instance(id: String) async throws(StorageError) -> Instance? {
        guard StoredText.isClean(id) else { return nil }
        return try await read { db in try await db.one("SELECT * FROM instance WHERE id = \(id)").map(Self.decodeInstance) }
    }

    public func instance(slug: String) async throws(StorageError) -> Instance? {
        guard StoredText.isClean(slug) else { return nil }
        return try await read { db in try await db.one("SELECT * FROM instance WHERE slug = \(slug)").map(Self.decodeInstance) }
    }

    public func instances() async throws(StorageError) -> [Instance] {
        try await read { db in try await db.rows("SELECT * FROM instance ORDER BY created_at, id").map(Self.decodeInstance) }
    }

    public func updateInstance(_ instance: Instance, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> (Instance, Revocation) {
        for origin in instance.allowedOrigins { try StoredText.check(["allowed_origins": origin]) }
        guard StoredText.isClean(instance.id) else { throw Self.missing("instance", instance.id) }
        let result: InstanceUpdate = try await write { db in
            guard let row = try await db.one("""
                UPDATE instance SET allowed_origins = \(instance.allowedOrigins.joined(separator: " ")), anomaly_action = \(instance.anomalyAction.rawValue)
                WHERE id = \(instance.id) RETURNING *
                """)
            else { throw Self.missing("instance", instance.id) }
            try await Self.appendAudit(db, instanceID: instance.id, audit)
            let entry = try await Self.appendRevocation(
                db, instanceID: instance.id, target: .tenantChanged(id: instance.id), at: audit?.occurredAt ?? 0, retainUntil: retainUntil)
            return InstanceUpdate(instance: try Self.decodeInstance(row), entry: entry)
        }
        return (result.instance, result.entry)
    }

    // MARK: Signing keys

    static func checkStorable(_ key: SigningKeyRecord) throws(StorageError) {
        try StoredText.check(["kid": key.keyID, "instance_id": key.instanceID, "algorithm": key.algorithm, "material": key.material])
    }

    static func insert(_ key: SigningKeyRecord, _ db: Database) async throws {
        guard let row = try await db.one("SELECT signing_algorithm FROM instance WHERE id = \(key.instanceID)") else {
            throw missing("instance", key.instanceID)
        }
        let algorithm = try row.text("signing_algorithm")
        guard algorithm == key.algorithm else { throw StorageError(.constraint, "instance \(key.instanceID) signs with \(algorithm), not \(key.algorithm)") }
        try await db.execute("""
            INSERT INTO signing_key (kid, instance_id, generation, algorithm, material, created_at, activates_at)
            VALUES (\(key.keyID), \(key.instanceID), \(key.generation), \(key.algorithm), \(key.material), \(key.createdAt), \(key.activatesAt))
            """)
    }

    static func decodeSigningKey(_ row: Row) throws -> SigningKeyRecord {
        SigningKeyRecord(
            keyID: try row.text("kid"), instanceID: try row.text("instance_id"), generation: try row.int("generation"),
            algorithm: try row.text("algorithm"), material: try row.text("material"), createdAt: try row.int("created_at"),
            activatesAt: try row.int("activates_at"))
    }

    public func signingKeys(instanceID: String) async throws(StorageError) -> [SigningKeyRecord] {
        guard StoredText.isClean(instanceID) else { return [] }
        return try await read { db in
            try await db.rows("SELECT * FROM signing_key WHERE instance_id = \(instanceID) ORDER BY generation").map(Self.decodeSigningKey)
        }
    }

    public func addSigningKey(_ key: SigningKeyRecord, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation {
        try Self.checkStorable(key)
        return try await write { db in
            try await Self.insert(key, db)
            try await Self.appendAudit(db, instanceID: key.instanceID, audit)
            return try await Self.appendRevocation(
                db, instanceID: key.instanceID, target: .signingKey(id: key.keyID), at: key.createdAt, retainUntil: retainUntil)
        }
    }

    public func allSigningKeys() async throws(StorageError) -> [SigningKeyRecord] {
        try await read { db in try await db.rows("SELECT * FROM signing_key ORDER BY instance_id, generation").map(Self.decodeSigningKey) }
    }

    public func replaceSigningKeyMaterials(_ replacements: [SigningKeyRecord.Replacement]) async throws(StorageError) -> Int {
        for replacement in replacements { try StoredText.check(["material": replacement.material]) }
        return try await write { db in
            var replaced = 0
            // A stored value PostgreSQL could not hold (a NUL) matches no row, as in every driver.
            for replacement in replacements where StoredText.isClean(replacement.stored.keyID) && StoredText.isClean(replacement.stored.material) {
                replaced += try await db.count("""
                    UPDATE signing_key SET material = \(replacement.material)
                    WHERE kid = \(replacement.stored.keyID) AND material = \(replacement.stored.material) RETURNING 1
                    """)
            }
            return replaced
        }
    }

    // MARK: Secret keys

    public func addSecretKey(_ key: SecretKeyRecord, audit: AuditDraft?) async throws(StorageError) {
        try StoredText.check(["id": key.id, "instance_id": key.instanceID, "display_prefix": key.displayPrefix])
        try await write { db in
            guard try await db.exists("SELECT 1 FROM instance WHERE id = \(key.instanceID)") else { throw Self.missing("instance", key.instanceID) }
            try await db.execute("""
                INSERT INTO secret_key (id, instance_id, hash, display_prefix, created_at, revoked_at)
                VALUES (\(key.id), \(key.instanceID), \(key.hash.bytea), \(key.displayPrefix), \(key.createdAt), \(key.revokedAt))
                """)
            try await Self.appendAudit(db, instanceID: key.instanceID, audit)
        }
    }

    static func decodeSecretKey(_ row: Row) throws -> SecretKeyRecord {
        SecretKeyRecord(
            id: try row.text("id"), instanceID: try row.text("instance_id"), hash: try row.bytes("hash"), displayPrefix: try row.text("display_prefix"),
            createdAt: try row.int("created_at"), lastUsedAt: try row.optionalInt("last_used_at"), revokedAt: try row.optionalInt("revoked_at"))
    }

    public func secretKey(hash: [UInt8]) async throws(StorageError) -> SecretKeyRecord? {
        try await read { db in
            try await db.one("SELECT * FROM secret_key WHERE hash = \(hash.bytea) AND revoked_at IS NULL").map(Self.decodeSecretKey)
        }
    }

    public func secretKeys(instanceID: String) async throws(StorageError) -> [SecretKeyRecord] {
        guard StoredText.isClean(instanceID) else { return [] }
        return try await read { db in
            try await db.rows("SELECT * FROM secret_key WHERE instance_id = \(instanceID) ORDER BY created_at, id").map(Self.decodeSecretKey)
        }
    }

    public func revokeSecretKey(
        instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?
    ) async throws(StorageError) -> (SecretKeyRecord, Revocation?) {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("secret key", id) }
        let result: SecretKeyRevocation = try await write { db in
            // FOR UPDATE: two nodes revoking the same key at once, one records it.
            guard var key = try await db.one("SELECT * FROM secret_key WHERE id = \(id) AND instance_id = \(instanceID) FOR UPDATE")
                .map(Self.decodeSecretKey)
            else { throw Self.missing("secret key", id) }
            guard key.revokedAt == nil else { return SecretKeyRevocation(key: key, entry: nil) }
            try await db.execute("UPDATE secret_key SET revoked_at = \(at) WHERE id = \(id)")
            key.revokedAt = at
            try await Self.appendAudit(db, instanceID: instanceID, audit)
            let entry = try await Self.appendRevocation(db, instanceID: instanceID, target: .secretKey(id: id), at: at, retainUntil: retainUntil)
            return SecretKeyRevocation(key: key, entry: entry)
        }
        return (result.key, result.entry)
    }

    public func markSecretKeyUsed(id: String, at: Int64) async throws(StorageError) {
        guard StoredText.isClean(id) else { return }
        try await write { db in
            try await db.execute("UPDATE secret_key SET last_used_at = greatest(coalesce(last_used_at, 0), \(at)) WHERE id = \(id)")
        }
    }

    // MARK: Clients

    public func createClient(_ client: Client) async throws(StorageError) {
        try StoredText.check(["id": client.id, "instance_id": client.instanceID])
        try await write { db in
            guard try await db.exists("SELECT 1 FROM instance WHERE id = \(client.instanceID)") else { throw Self.missing("instance", client.instanceID) }
            try await db.execute("""
                INSERT INTO client (id, instance_id, created_at, updated_at) VALUES (\(client.id), \(client.instanceID), \(client.createdAt), \(client.updatedAt))
                """)
        }
    }

    public func client(instanceID: String, id: String) async throws(StorageError) -> Client? {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in
            try await db.one("SELECT * FROM client WHERE id = \(id) AND instance_id = \(instanceID)").map { row in
                Client(id: try row.text("id"), instanceID: try row.text("instance_id"), createdAt: try row.int("created_at"), updatedAt: try row.int("updated_at"))
            }
        }
    }
}

/// Outcomes carried out of a write transaction (tuples are not `Sendable` results).
struct SecretKeyRevocation: Sendable {
    let key: SecretKeyRecord
    let entry: Revocation?
}

struct InstanceUpdate: Sendable {
    let instance: Instance
    let entry: Revocation
}
