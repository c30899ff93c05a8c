import PostgresNIO
public import SessionStorage

extension PostgresSessionStore {
    public func createTemplate(_ template: JWTTemplateRecord, audit: AuditDraft?) async throws(StorageError) {
        try template.checkStorable()
        try await write { db in
            guard try await db.exists("SELECT 1 FROM instance WHERE id = \(template.instanceID)") else { throw Self.missing("instance", template.instanceID) }
            try await db.execute("""
                INSERT INTO jwt_template (id, instance_id, name, claims, lifetime, allowed_clock_skew, signing_algorithm, signing_key_algorithm,
                    signing_key_material, created_at, updated_at)
                VALUES (\(template.id), \(template.instanceID), \(template.name), \(template.claims), \(Int64(template.lifetime)),
                    \(Int64(template.allowedClockSkew)), \(template.signingAlgorithm), \(template.customSigningKey?.algorithm),
                    \(template.customSigningKey?.material), \(template.createdAt), \(template.updatedAt))
                """)
            try await Self.appendAudit(db, instanceID: template.instanceID, audit)
        }
    }

    static func decodeTemplate(_ row: Row) throws -> JWTTemplateRecord {
        var key: JWTTemplateRecord.SigningKey?
        if let algorithm = try row.optionalText("signing_key_algorithm"), let material = try row.optionalText("signing_key_material") {
            key = JWTTemplateRecord.SigningKey(algorithm: algorithm, material: material)
        }
        return JWTTemplateRecord(
            id: try row.text("id"), instanceID: try row.text("instance_id"), name: try row.text("name"), claims: try row.text("claims"),
            lifetime: .init(try row.int("lifetime")), allowedClockSkew: .init(try row.int("allowed_clock_skew")),
            signingAlgorithm: try row.text("signing_algorithm"), customSigningKey: key, createdAt: try row.int("created_at"),
            updatedAt: try row.int("updated_at"))
    }

    public func template(instanceID: String, id: String) async throws(StorageError) -> JWTTemplateRecord? {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in
            try await db.one("SELECT * FROM jwt_template WHERE id = \(id) AND instance_id = \(instanceID)").map(Self.decodeTemplate)
        }
    }

    public func template(instanceID: String, name: String) async throws(StorageError) -> JWTTemplateRecord? {
        guard StoredText.isClean(name), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in
            try await db.one("SELECT * FROM jwt_template WHERE name = \(name) AND instance_id = \(instanceID)").map(Self.decodeTemplate)
        }
    }

    public func templates(instanceID: String, limit: Int, offset: Int) async throws(StorageError) -> Page<JWTTemplateRecord> {
        guard StoredText.isClean(instanceID) else { return Page(items: [], totalCount: 0) }
        return try await read { db in
            let total = try await db.one("SELECT count(*) AS total FROM jwt_template WHERE instance_id = \(instanceID)")?.int("total") ?? 0
            let rows = try await db.rows("""
                SELECT * FROM jwt_template WHERE instance_id = \(instanceID) ORDER BY created_at, id LIMIT \(max(0, limit)) OFFSET \(max(0, offset))
                """)
            return Page(items: try rows.map(Self.decodeTemplate), totalCount: Int(total))
        }
    }

    public func updateTemplate(_ template: JWTTemplateRecord, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation {
        try template.checkStorable()
        return try await write { db in
            guard try await db.exists("""
                UPDATE jwt_template SET name = \(template.name), claims = \(template.claims), lifetime = \(Int64(template.lifetime)),
                    allowed_clock_skew = \(Int64(template.allowedClockSkew)), signing_algorithm = \(template.signingAlgorithm),
                    signing_key_algorithm = \(template.customSigningKey?.algorithm), signing_key_material = \(template.customSigningKey?.material),
                    updated_at = \(template.updatedAt)
                WHERE id = \(template.id) AND instance_id = \(template.instanceID) RETURNING 1
                """)
            else { throw Self.missing("template", template.id) }
            try await Self.appendAudit(db, instanceID: template.instanceID, audit)
            return try await Self.appendRevocation(
                db, instanceID: template.instanceID, target: .templateChanged(id: template.id), at: template.updatedAt, retainUntil: retainUntil)
        }
    }

    public func deleteTemplate(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("template", id) }
        return try await write { db in
            guard try await db.exists("DELETE FROM jwt_template WHERE id = \(id) AND instance_id = \(instanceID) RETURNING 1") else {
                throw Self.missing("template", id)
            }
            try await Self.appendAudit(db, instanceID: instanceID, audit)
            return try await Self.appendRevocation(db, instanceID: instanceID, target: .templateChanged(id: id), at: at, retainUntil: retainUntil)
        }
    }

    public func templateKeyMaterials() async throws(StorageError) -> [TemplateKeyMaterial] {
        try await read { db in
            try await db.rows("""
                SELECT instance_id, id, signing_key_algorithm, signing_key_material FROM jwt_template
                WHERE signing_key_material IS NOT NULL ORDER BY instance_id, id
                """
            ).map { row in
                TemplateKeyMaterial(
                    instanceID: try row.text("instance_id"), templateID: try row.text("id"), algorithm: try row.text("signing_key_algorithm"),
                    material: try row.text("signing_key_material"))
            }
        }
    }

    public func replaceTemplateKeyMaterials(_ replacements: [TemplateKeyMaterial.Replacement]) async throws(StorageError) -> Int {
        // Key material is opaque (a PEM has line breaks) but PostgreSQL text cannot hold a NUL.
        for replacement in replacements where replacement.material.utf8.contains(0) {
            throw StorageError(.constraint, "key material holds a NUL")
        }
        return try await write { db in
            var replaced = 0
            for replacement in replacements where !replacement.stored.material.utf8.contains(0)
                && StoredText.isClean(replacement.stored.templateID) && StoredText.isClean(replacement.stored.instanceID)
            {
                replaced += try await db.count("""
                    UPDATE jwt_template SET signing_key_material = \(replacement.material)
                    WHERE id = \(replacement.stored.templateID) AND instance_id = \(replacement.stored.instanceID)
                        AND signing_key_material = \(replacement.stored.material) RETURNING 1
                    """)
            }
            return replaced
        }
    }
}
