import GRDB
public import SessionStorage

extension SQLiteSessionStore {
    public func createTemplate(_ template: JWTTemplateRecord, audit: AuditDraft?) async throws(StorageError) {
        try template.checkStorable()
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM instance WHERE id = ?", arguments: [template.instanceID]) != nil else {
                throw Self.missing("instance", template.instanceID)
            }
            try db.execute(
                sql: """
                    INSERT INTO jwt_template (id, instance_id, name, claims, lifetime, allowed_clock_skew, signing_algorithm,
                        signing_key_algorithm, signing_key_material, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    template.id, template.instanceID, template.name, template.claims, template.lifetime,
                    template.allowedClockSkew, template.signingAlgorithm, template.customSigningKey?.algorithm,
                    template.customSigningKey?.material, template.createdAt, template.updatedAt,
                ])
            try Self.appendAudit(db, instanceID: template.instanceID, audit)
        }
    }

    static func decodeTemplate(_ row: Row) -> JWTTemplateRecord {
        var key: JWTTemplateRecord.SigningKey?
        if let algorithm = row["signing_key_algorithm"] as String?, let material = row["signing_key_material"] as String? {
            key = JWTTemplateRecord.SigningKey(algorithm: algorithm, material: material)
        }
        return JWTTemplateRecord(
            id: row["id"], instanceID: row["instance_id"], name: row["name"], claims: row["claims"], lifetime: row["lifetime"],
            allowedClockSkew: row["allowed_clock_skew"], signingAlgorithm: row["signing_algorithm"], customSigningKey: key,
            createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    public func template(instanceID: String, id: String) async throws(StorageError) -> JWTTemplateRecord? {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM jwt_template WHERE id = ? AND instance_id = ?"), arguments: [id, instanceID])
                .map(Self.decodeTemplate)
        }
    }

    public func template(instanceID: String, name: String) async throws(StorageError) -> JWTTemplateRecord? {
        guard StoredText.isClean(name), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in
            // A cached statement: every template token reads its template, and preparing costs more than the query.
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM jwt_template WHERE name = ? AND instance_id = ?"), arguments: [name, instanceID])
                .map(Self.decodeTemplate)
        }
    }

    public func templates(instanceID: String, limit: Int, offset: Int) async throws(StorageError) -> Page<JWTTemplateRecord> {
        try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM jwt_template WHERE instance_id = ?", arguments: [instanceID]) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM jwt_template WHERE instance_id = ? ORDER BY created_at, id LIMIT ? OFFSET ?",
                arguments: [instanceID, limit, offset])
            return Page(items: rows.map(Self.decodeTemplate), totalCount: total)
        }
    }

    public func updateTemplate(_ template: JWTTemplateRecord, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation {
        try template.checkStorable()
        return try await write { db in
            try db.execute(
                sql: """
                    UPDATE jwt_template SET name = ?, claims = ?, lifetime = ?, allowed_clock_skew = ?, signing_algorithm = ?,
                        signing_key_algorithm = ?, signing_key_material = ?, updated_at = ?
                    WHERE id = ? AND instance_id = ?
                    """,
                arguments: [
                    template.name, template.claims, template.lifetime, template.allowedClockSkew, template.signingAlgorithm,
                    template.customSigningKey?.algorithm, template.customSigningKey?.material, template.updatedAt,
                    template.id, template.instanceID,
                ])
            guard db.changesCount == 1 else { throw Self.missing("template", template.id) }
            try Self.appendAudit(db, instanceID: template.instanceID, audit)
            return try Self.appendRevocation(
                db, instanceID: template.instanceID, target: .templateChanged(id: template.id), at: template.updatedAt, retainUntil: retainUntil)
        }
    }

    public func deleteTemplate(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("template", id) }
        return try await write { db in
            try db.execute(sql: "DELETE FROM jwt_template WHERE id = ? AND instance_id = ?", arguments: [id, instanceID])
            guard db.changesCount == 1 else { throw Self.missing("template", id) }
            try Self.appendAudit(db, instanceID: instanceID, audit)
            return try Self.appendRevocation(db, instanceID: instanceID, target: .templateChanged(id: id), at: at, retainUntil: retainUntil)
        }
    }

    public func templateKeyMaterials() async throws(StorageError) -> [TemplateKeyMaterial] {
        try await read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT instance_id, id, signing_key_algorithm, signing_key_material FROM jwt_template
                    WHERE signing_key_material IS NOT NULL ORDER BY instance_id, id
                    """
            ).map { row in
                TemplateKeyMaterial(
                    instanceID: row["instance_id"], templateID: row["id"], algorithm: row["signing_key_algorithm"],
                    material: row["signing_key_material"])
            }
        }
    }

    public func replaceTemplateKeyMaterials(_ replacements: [TemplateKeyMaterial.Replacement]) async throws(StorageError) -> Int {
        try await write { db in
            var replaced = 0
            for replacement in replacements {
                try db.execute(
                    sql: "UPDATE jwt_template SET signing_key_material = ? WHERE id = ? AND instance_id = ? AND signing_key_material = ?",
                    arguments: [replacement.material, replacement.stored.templateID, replacement.stored.instanceID, replacement.stored.material])
                replaced += db.changesCount
            }
            return replaced
        }
    }
}
