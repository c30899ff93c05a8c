import Foundation
import GRDB
public import SessionStorage

extension SQLiteSessionStore {
    public func createInstance(_ instance: Instance, signingKey: SigningKeyRecord?, audit: AuditDraft?) async throws(StorageError) {
        try StoredText.check(["id": instance.id, "slug": instance.slug])
        for origin in instance.allowedOrigins {
            try StoredText.check(["allowed_origins": origin])
            guard !origin.contains(" ") else { throw StorageError(.constraint, "an allowed origin holds no space") }
        }
        if let signingKey { try Self.checkStorable(signingKey) }
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO instance (id, slug, environment, signing_algorithm, allowed_origins, allows_backend_sign_in, anomaly_action,
                        created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    instance.id, instance.slug, instance.environment.rawValue, instance.signingAlgorithm,
                    instance.allowedOrigins.joined(separator: " "), instance.allowsBackendSignIn, instance.anomalyAction.rawValue,
                    instance.createdAt,
                ])
            if let signingKey { try Self.insert(signingKey, db) }
            // The tenant's first event: its chain starts with its creation.
            try Self.appendAudit(db, instanceID: instance.id, audit)
        }
    }

    static func decodeInstance(_ row: Row) -> Instance {
        let origins: String = row["allowed_origins"]
        return Instance(
            id: row["id"], slug: row["slug"], environment: Instance.Environment(rawValue: row["environment"]) ?? .development,
            signingAlgorithm: row["signing_algorithm"], allowedOrigins: origins.split(separator: " ").map(String.init),
            allowsBackendSignIn: row["allows_backend_sign_in"],
            anomalyAction: Instance.AnomalyAction(rawValue: row["anomaly_action"] ?? "flag") ?? .flag, createdAt: row["created_at"])
    }

    public func instance(id: String) async throws(StorageError) -> Instance? {
        guard StoredText.isClean(id) else { return nil }
        return try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM instance WHERE id = ?", arguments: [id]).map(Self.decodeInstance)
        }
    }

    public func instance(slug: String) async throws(StorageError) -> Instance? {
        guard StoredText.isClean(slug) else { return nil }
        return try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM instance WHERE slug = ?", arguments: [slug]).map(Self.decodeInstance)
        }
    }

    public func instances() async throws(StorageError) -> [Instance] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM instance ORDER BY created_at, id").map(Self.decodeInstance)
        }
    }

    // MARK: Signing keys

    static func checkStorable(_ key: SigningKeyRecord) throws(StorageError) {
        try StoredText.check(["kid": key.keyID, "instance_id": key.instanceID, "algorithm": key.algorithm, "material": key.material])
    }

    static func insert(_ key: SigningKeyRecord, _ db: Database) throws {
        guard let algorithm = try String.fetchOne(db, sql: "SELECT signing_algorithm FROM instance WHERE id = ?", arguments: [key.instanceID]) else {
            throw missing("instance", key.instanceID)
        }
        guard algorithm == key.algorithm else { throw StorageError(.constraint, "instance \(key.instanceID) signs with \(algorithm), not \(key.algorithm)") }
        try db.execute(
            sql: "INSERT INTO signing_key (kid, instance_id, generation, algorithm, material, created_at, activates_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [key.keyID, key.instanceID, key.generation, key.algorithm, key.material, key.createdAt, key.activatesAt])
    }

    static func decodeSigningKey(_ row: Row) -> SigningKeyRecord {
        SigningKeyRecord(
            keyID: row["kid"], instanceID: row["instance_id"], generation: row["generation"], algorithm: row["algorithm"],
            material: row["material"], createdAt: row["created_at"], activatesAt: row["activates_at"])
    }

    public func signingKeys(instanceID: String) async throws(StorageError) -> [SigningKeyRecord] {
        guard StoredText.isClean(instanceID) else { return [] }
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM signing_key WHERE instance_id = ? ORDER BY generation", arguments: [instanceID])
                .map(Self.decodeSigningKey)
        }
    }

    public func addSigningKey(_ key: SigningKeyRecord, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation {
        try Self.checkStorable(key)
        return try await write { db in
            try Self.insert(key, db)
            try Self.appendAudit(db, instanceID: key.instanceID, audit)
            return try Self.appendRevocation(
                db, instanceID: key.instanceID, target: .signingKey(id: key.keyID), at: key.createdAt, retainUntil: retainUntil)
        }
    }

    public func allSigningKeys() async throws(StorageError) -> [SigningKeyRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM signing_key ORDER BY instance_id, generation").map(Self.decodeSigningKey)
        }
    }

    public func replaceSigningKeyMaterials(_ replacements: [SigningKeyRecord.Replacement]) async throws(StorageError) -> Int {
        for replacement in replacements { try StoredText.check(["material": replacement.material]) }
        return try await write { db in
            var replaced = 0
            for replacement in replacements {
                try db.execute(
                    sql: "UPDATE signing_key SET material = ? WHERE kid = ? AND material = ?",
                    arguments: [replacement.material, replacement.stored.keyID, replacement.stored.material])
                replaced += db.changesCount
            }
            return replaced
        }
    }

    public func addSecretKey(_ key: SecretKeyRecord, audit: AuditDraft?) async throws(StorageError) {
        try StoredText.check(["id": key.id, "instance_id": key.instanceID, "display_prefix": key.displayPrefix])
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM instance WHERE id = ?", arguments: [key.instanceID]) != nil else {
                throw Self.missing("instance", key.instanceID)
            }
            try db.execute(
                sql: "INSERT INTO secret_key (id, instance_id, hash, display_prefix, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [key.id, key.instanceID, Data(key.hash), key.displayPrefix, key.createdAt, key.revokedAt])
            try Self.appendAudit(db, instanceID: key.instanceID, audit)
        }
    }

    public func secretKey(hash: [UInt8]) async throws(StorageError) -> SecretKeyRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM secret_key WHERE hash = ? AND revoked_at IS NULL", arguments: [Data(hash)])
                .map(Self.decodeSecretKey)
        }
    }

    static func decodeSecretKey(_ row: Row) -> SecretKeyRecord {
        SecretKeyRecord(
            id: row["id"], instanceID: row["instance_id"], hash: Array(row["hash"] as Data), displayPrefix: row["display_prefix"],
            createdAt: row["created_at"], lastUsedAt: row["last_used_at"], revokedAt: row["revoked_at"])
    }

    public func secretKeys(instanceID: String) async throws(StorageError) -> [SecretKeyRecord] {
        guard StoredText.isClean(instanceID) else { return [] }
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM secret_key WHERE instance_id = ? ORDER BY created_at, id", arguments: [instanceID])
                .map(Self.decodeSecretKey)
        }
    }

    public func revokeSecretKey(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> (SecretKeyRecord, Revocation?) {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("secret key", id) }
        let result: SecretKeyRevocation = try await write { db in
            guard var key = try Row.fetchOne(db, sql: "SELECT * FROM secret_key WHERE id = ? AND instance_id = ?", arguments: [id, instanceID])
                .map(Self.decodeSecretKey)
            else { throw Self.missing("secret key", id) }
            guard key.revokedAt == nil else { return SecretKeyRevocation(key: key, entry: nil) }
            try db.execute(sql: "UPDATE secret_key SET revoked_at = ? WHERE id = ?", arguments: [at, id])
            key.revokedAt = at
            let entry = try Self.appendRevocation(db, instanceID: instanceID, target: .secretKey(id: id), at: at, retainUntil: retainUntil)
            try Self.appendAudit(db, instanceID: instanceID, audit)
            return SecretKeyRevocation(key: key, entry: entry)
        }
        return (result.key, result.entry)
    }

    public func markSecretKeyUsed(id: String, at: Int64) async throws(StorageError) {
        guard StoredText.isClean(id) else { return }
        try await write { db in
            try db.execute(sql: "UPDATE secret_key SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?", arguments: [at, id])
        }
    }


    public func createClient(_ client: Client) async throws(StorageError) {
        try StoredText.check(["id": client.id, "instance_id": client.instanceID])
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM instance WHERE id = ?", arguments: [client.instanceID]) != nil else {
                throw Self.missing("instance", client.instanceID)
            }
            try db.execute(
                sql: "INSERT INTO client (id, instance_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
                arguments: [client.id, client.instanceID, client.createdAt, client.updatedAt])
        }
    }

    public func client(instanceID: String, id: String) async throws(StorageError) -> Client? {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM client WHERE id = ? AND instance_id = ?", arguments: [id, instanceID]).map { row in
                Client(id: row["id"], instanceID: row["instance_id"], createdAt: row["created_at"], updatedAt: row["updated_at"])
            }
        }
    }
}

/// A key revocation's outcome carried out of the write transaction.
struct SecretKeyRevocation: Sendable {
    let key: SecretKeyRecord
    let entry: Revocation?
}
