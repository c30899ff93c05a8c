import PostgresNIO
public import SessionStorage

extension PostgresSessionStore {
    static func decodeConsent(_ row: Row) throws -> Consent {
        Consent(
            id: try row.text("id"), instanceID: try row.text("instance_id"), userID: try row.text("user_id"), clientID: try row.text("client_id"),
            clientName: try row.text("client_name"), scopes: try row.text("scopes").split(separator: " ").map(String.init),
            status: Consent.Status(rawValue: try row.text("status")) ?? .revoked, grantedAt: try row.int("granted_at"),
            revokedAt: try row.optionalInt("revoked_at"), lastUsedAt: try row.optionalInt("last_used_at"))
    }

    public func grantConsent(_ consent: Consent, audit: AuditDraft?) async throws(StorageError) -> Consent {
        try consent.checkStorable()
        guard consent.status == .active else { throw StorageError(.constraint, "a consent is granted active") }
        return try await write { db in
            // The user's row, locked: two grants for the same user and client queue, the second updates the first in place.
            guard try await db.exists("""
                SELECT 1 FROM app_user WHERE id = \(consent.userID) AND instance_id = \(consent.instanceID) AND deleted_at IS NULL FOR NO KEY UPDATE
                """)
            else { throw StorageError(.constraint, "no user \(consent.userID) in instance \(consent.instanceID)") }
            var stored = consent
            let scopes = stored.scopes.joined(separator: " ")
            if let existing = try await db.one("""
                SELECT * FROM consent
                WHERE instance_id = \(consent.instanceID) AND user_id = \(consent.userID) AND client_id = \(consent.clientID) AND status = 'active'
                FOR UPDATE
                """
            ).map(Self.decodeConsent) {
                stored.id = existing.id
                stored.lastUsedAt = existing.lastUsedAt
                try await db.execute(
                    "UPDATE consent SET client_name = \(stored.clientName), scopes = \(scopes), granted_at = \(stored.grantedAt) WHERE id = \(stored.id)")
            } else {
                try await db.execute("""
                    INSERT INTO consent (id, instance_id, user_id, client_id, client_name, scopes, status, granted_at)
                    VALUES (\(stored.id), \(stored.instanceID), \(stored.userID), \(stored.clientID), \(stored.clientName), \(scopes), 'active',
                        \(stored.grantedAt))
                    """)
            }
            var draft = audit
            draft?.data["consent_id"] = .string(stored.id)
            try await Self.appendAudit(db, instanceID: consent.instanceID, draft)
            return stored
        }
    }

    public func consent(instanceID: String, id: String) async throws(StorageError) -> Consent? {
        guard StoredText.isClean(instanceID), StoredText.isClean(id) else { return nil }
        return try await read { db in try await db.one("SELECT * FROM consent WHERE id = \(id) AND instance_id = \(instanceID)").map(Self.decodeConsent) }
    }

    public func consents(instanceID: String, userID: String) async throws(StorageError) -> [Consent] {
        guard StoredText.isClean(instanceID), StoredText.isClean(userID) else { return [] }
        return try await read { db in
            try await db.rows("SELECT * FROM consent WHERE instance_id = \(instanceID) AND user_id = \(userID) ORDER BY granted_at DESC, id DESC")
                .map(Self.decodeConsent)
        }
    }

    public func revokeConsent(
        instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?
    ) async throws(StorageError) -> (Consent, Revocation?) {
        guard StoredText.isClean(instanceID), StoredText.isClean(id) else { throw Self.missing("consent", id) }
        let result: ConsentRevocation = try await write { db in
            // Locked: a mint that recorded its use committed first (and is under the cut-off) or sees the consent revoked.
            guard var consent = try await db.one("SELECT * FROM consent WHERE id = \(id) AND instance_id = \(instanceID) FOR UPDATE")
                .map(Self.decodeConsent)
            else { throw Self.missing("consent", id) }
            guard consent.status == .active else { return ConsentRevocation(consent: consent, entry: nil) }
            try await db.execute("UPDATE consent SET status = 'revoked', revoked_at = \(at) WHERE id = \(id)")
            consent.status = .revoked
            consent.revokedAt = at
            let cutOff = max(at, consent.lastUsedAt ?? at)
            try await Self.appendAudit(db, instanceID: instanceID, audit)
            let entry = try await Self.appendRevocation(
                db, instanceID: instanceID, target: .consent(id: id, userID: consent.userID, clientID: consent.clientID, notBefore: cutOff), at: at,
                retainUntil: retainUntil)
            return ConsentRevocation(consent: consent, entry: entry)
        }
        return (result.consent, result.entry)
    }

    public func markConsentUsed(instanceID: String, id: String, at: Int64) async throws(StorageError) -> Bool {
        guard StoredText.isClean(instanceID), StoredText.isClean(id) else { return false }
        return try await write { db in
            try await db.exists("""
                UPDATE consent SET last_used_at = greatest(coalesce(last_used_at, 0), \(at))
                WHERE id = \(id) AND instance_id = \(instanceID) AND status = 'active' RETURNING 1
                """)
        }
    }
}

/// A consent revocation's outcome carried out of the write transaction.
struct ConsentRevocation: Sendable {
    let consent: Consent
    let entry: Revocation?
}
