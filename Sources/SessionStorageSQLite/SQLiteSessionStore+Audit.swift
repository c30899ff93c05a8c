import Foundation
import GRDB
public import SessionStorage

extension SQLiteSessionStore {
    /// Links the draft after the tenant's last event and inserts it, inside the caller's
    /// transaction: the change and its event commit together. SQLite's single writer makes the read
    /// of the last event and the insert one step (PostgreSQL will lock the tenant's row).
    @discardableResult
    static func appendAudit(_ db: Database, instanceID: String, _ draft: AuditDraft?) throws -> AuditEvent? {
        guard let draft else { return nil }
        let last = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT seq, hash FROM audit_event WHERE instance_id = ? ORDER BY seq DESC LIMIT 1"),
            arguments: [instanceID])
        let event = AuditChain.link(
            draft, instanceID: instanceID, sequence: (last?["seq"] as Int64? ?? 0) + 1,
            previousHash: (last?["hash"] as Data?).map(Array.init) ?? AuditChain.genesis)
        try event.checkStorable()
        try db.cachedStatement(sql: """
            INSERT INTO audit_event (instance_id, seq, id, type, occurred_at, actor_type, actor_id, user_id, session_id, ip_address,
                user_agent, data, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).execute(arguments: [
            instanceID, event.sequence, event.id, event.type, event.occurredAt, event.actor.type.rawValue, event.actor.id, event.userID,
            event.sessionID, event.ipAddress, event.userAgent, AuditChain.canonicalData(event.data), Data(event.previousHash),
            Data(event.hash),
        ])
        return event
    }

    /// A stored event as it was written; a row whose data no longer parses keeps an empty data and a
    /// marker, so that the chain check reports it as altered rather than the read failing. Columns
    /// are read leniently for the same reason: SQLite keeps whatever a hand edit stores (text in
    /// `occurred_at`), and GRDB's typed subscripts would trap on it, crashing a verifier instead of
    /// letting it name the event.
    static func decodeAuditEvent(_ row: Row) -> AuditEvent {
        func text(_ column: String) -> String? {
            let value: DatabaseValue = row[column]
            return value.isNull ? nil : String.fromDatabaseValue(value) ?? "\u{FFFD}\(value)"
        }
        func integer(_ column: String) -> Int64 { Int64.fromDatabaseValue(row[column] as DatabaseValue) ?? 0 }
        func bytes(_ column: String) -> [UInt8] { Data.fromDatabaseValue(row[column] as DatabaseValue).map(Array.init) ?? [] }
        let stored = text("data") ?? ""
        let data = AuditChain.parseData(stored) ?? ["unreadable_data": .string(stored)]
        return AuditEvent(
            id: text("id") ?? "", instanceID: text("instance_id") ?? "", sequence: integer("seq"), type: text("type") ?? "",
            occurredAt: integer("occurred_at"),
            actor: AuditEvent.Actor(type: text("actor_type").flatMap(AuditEvent.ActorType.init(rawValue:)) ?? .system, id: text("actor_id") ?? ""),
            userID: text("user_id"), sessionID: text("session_id"), ipAddress: text("ip_address"), userAgent: text("user_agent"), data: data,
            previousHash: bytes("prev_hash"), hash: bytes("hash"))
    }

    public func auditEvents(_ query: AuditQuery) async throws(StorageError) -> [AuditEvent] {
        guard StoredText.isClean(query.instanceID), StoredText.isClean(query.type ?? ""), StoredText.isClean(query.userID ?? ""),
            StoredText.isClean(query.sessionID ?? "")
        else { return [] }
        var conditions = ["instance_id = :instance"]
        var arguments: [String: (any DatabaseValueConvertible)?] = ["instance": query.instanceID, "limit": query.limit]
        if let type = query.type {
            conditions.append("type = :type")
            arguments["type"] = type
        }
        if let user = query.userID {
            conditions.append("user_id = :user")
            arguments["user"] = user
        }
        if let session = query.sessionID {
            conditions.append("session_id = :session")
            arguments["session"] = session
        }
        if let cursor = query.cursor {
            conditions.append(query.order == .oldestFirst ? "seq > :cursor" : "seq < :cursor")
            arguments["cursor"] = cursor
        }
        let sql = "SELECT * FROM audit_event WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq \(query.order == .oldestFirst ? "ASC" : "DESC") LIMIT :limit"
        let statementArguments = StatementArguments(arguments)
        return try await read { db in try Row.fetchAll(db.cachedStatement(sql: sql), arguments: statementArguments).map(Self.decodeAuditEvent) }
    }

    public func appendAudit(instanceID: String, _ draft: AuditDraft) async throws(StorageError) -> AuditEvent {
        guard StoredText.isClean(instanceID) else { throw Self.missing("instance", instanceID) }
        return try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM instance WHERE id = ?", arguments: [instanceID]) != nil else {
                throw Self.missing("instance", instanceID)
            }
            return try Self.appendAudit(db, instanceID: instanceID, draft)!
        }
    }

    public func pruneAudit(instanceID: String, before: Int64, record: AuditDraft) async throws(StorageError) -> Int {
        guard StoredText.isClean(instanceID) else { return 0 }
        return try await write { db in
            // Only a prefix: the events before the first one that is not old enough (the clock may have stepped back).
            let firstKept = try Int64.fetchOne(
                db, sql: "SELECT min(seq) FROM audit_event WHERE instance_id = ? AND occurred_at >= ?", arguments: [instanceID, before])
            let bound = firstKept ?? Int64.max
            guard let last = try Row.fetchOne(
                db, sql: "SELECT seq, hash FROM audit_event WHERE instance_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1",
                arguments: [instanceID, bound])
            else { return 0 }
            let through: Int64 = last["seq"]
            try db.execute(sql: "DELETE FROM audit_event WHERE instance_id = ? AND seq <= ?", arguments: [instanceID, through])
            let removed = db.changesCount
            var draft = record
            draft.data["through_seq"] = .integer(through)
            draft.data["last_hash"] = .string(AuditChain.hex(Array(last["hash"] as Data)))
            draft.data["removed"] = .integer(Int64(removed))
            try Self.appendAudit(db, instanceID: instanceID, draft)
            return removed
        }
    }

    // MARK: OAuth consents

    static func decodeConsent(_ row: Row) -> Consent {
        let scopes: String = row["scopes"]
        return Consent(
            id: row["id"], instanceID: row["instance_id"], userID: row["user_id"], clientID: row["client_id"], clientName: row["client_name"],
            scopes: scopes.split(separator: " ").map(String.init), status: Consent.Status(rawValue: row["status"]) ?? .revoked,
            grantedAt: row["granted_at"], revokedAt: row["revoked_at"], lastUsedAt: row["last_used_at"])
    }

    public func grantConsent(_ consent: Consent, audit: AuditDraft?) async throws(StorageError) -> Consent {
        try consent.checkStorable()
        guard consent.status == .active else { throw StorageError(.constraint, "a consent is granted active") }
        return try await write { db in
            guard try Bool.fetchOne(
                db, sql: "SELECT 1 FROM user WHERE id = ? AND instance_id = ? AND deleted_at IS NULL", arguments: [consent.userID, consent.instanceID])
                != nil
            else { throw StorageError(.constraint, "no user \(consent.userID) in instance \(consent.instanceID)") }
            var stored = consent
            if let existing = try Row.fetchOne(
                db, sql: "SELECT * FROM consent WHERE instance_id = ? AND user_id = ? AND client_id = ? AND status = 'active'",
                arguments: [consent.instanceID, consent.userID, consent.clientID]
            ).map(Self.decodeConsent) {
                stored.id = existing.id
                stored.lastUsedAt = existing.lastUsedAt
                try db.execute(
                    sql: "UPDATE consent SET client_name = ?, scopes = ?, granted_at = ? WHERE id = ?",
                    arguments: [stored.clientName, stored.scopes.joined(separator: " "), stored.grantedAt, stored.id])
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO consent (id, instance_id, user_id, client_id, client_name, scopes, status, granted_at)
                        VALUES (?, ?, ?, ?, ?, ?, 'active', ?)
                        """,
                    arguments: [
                        stored.id, stored.instanceID, stored.userID, stored.clientID, stored.clientName, stored.scopes.joined(separator: " "),
                        stored.grantedAt,
                    ])
            }
            var draft = audit
            draft?.data["consent_id"] = .string(stored.id)
            try Self.appendAudit(db, instanceID: consent.instanceID, draft)
            return stored
        }
    }

    public func consent(instanceID: String, id: String) async throws(StorageError) -> Consent? {
        guard StoredText.isClean(instanceID), StoredText.isClean(id) else { return nil }
        return try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM consent WHERE id = ? AND instance_id = ?", arguments: [id, instanceID]).map(Self.decodeConsent)
        }
    }

    public func consents(instanceID: String, userID: String) async throws(StorageError) -> [Consent] {
        guard StoredText.isClean(instanceID), StoredText.isClean(userID) else { return [] }
        return try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM consent WHERE instance_id = ? AND user_id = ? ORDER BY granted_at DESC, id DESC",
                arguments: [instanceID, userID]
            ).map(Self.decodeConsent)
        }
    }

    public func revokeConsent(
        instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?
    ) async throws(StorageError) -> (Consent, Revocation?) {
        guard StoredText.isClean(instanceID), StoredText.isClean(id) else { throw Self.missing("consent", id) }
        let result: ConsentRevocation = try await write { db in
            guard var consent = try Row.fetchOne(
                db, sql: "SELECT * FROM consent WHERE id = ? AND instance_id = ?", arguments: [id, instanceID]
            ).map(Self.decodeConsent)
            else { throw Self.missing("consent", id) }
            guard consent.status == .active else { return ConsentRevocation(consent: consent, entry: nil) }
            try db.execute(sql: "UPDATE consent SET status = 'revoked', revoked_at = ? WHERE id = ?", arguments: [at, id])
            consent.status = .revoked
            consent.revokedAt = at
            // Read in this transaction: a mint that recorded its use first is under the cut-off.
            let cutOff = max(at, consent.lastUsedAt ?? at)
            let entry = try Self.appendRevocation(
                db, instanceID: instanceID, target: .consent(id: id, userID: consent.userID, clientID: consent.clientID, notBefore: cutOff), at: at,
                retainUntil: retainUntil)
            try Self.appendAudit(db, instanceID: instanceID, audit)
            return ConsentRevocation(consent: consent, entry: entry)
        }
        return (result.consent, result.entry)
    }

    public func markConsentUsed(instanceID: String, id: String, at: Int64) async throws(StorageError) -> Bool {
        guard StoredText.isClean(instanceID), StoredText.isClean(id) else { return false }
        return try await write { db in
            try db.execute(
                sql: "UPDATE consent SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ? AND instance_id = ? AND status = 'active'",
                arguments: [at, id, instanceID])
            return db.changesCount == 1
        }
    }

    public func updateInstance(_ instance: Instance, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> (Instance, Revocation) {
        for origin in instance.allowedOrigins { try StoredText.check(["allowed_origins": origin]) }
        guard StoredText.isClean(instance.id) else { throw Self.missing("instance", instance.id) }
        let result: InstanceUpdate = try await write { db in
            try db.execute(
                sql: "UPDATE instance SET allowed_origins = ?, anomaly_action = ? WHERE id = ?",
                arguments: [instance.allowedOrigins.joined(separator: " "), instance.anomalyAction.rawValue, instance.id])
            guard db.changesCount == 1 else { throw Self.missing("instance", instance.id) }
            try Self.appendAudit(db, instanceID: instance.id, audit)
            guard let stored = try Row.fetchOne(db, sql: "SELECT * FROM instance WHERE id = ?", arguments: [instance.id]).map(Self.decodeInstance)
            else { throw Self.missing("instance", instance.id) }
            let entry = try Self.appendRevocation(
                db, instanceID: instance.id, target: .tenantChanged(id: instance.id), at: audit?.occurredAt ?? 0, retainUntil: retainUntil)
            return InstanceUpdate(instance: stored, entry: entry)
        }
        return (result.instance, result.entry)
    }
}

/// A settings change's outcome carried out of the write transaction.
struct InstanceUpdate: Sendable {
    let instance: Instance
    let entry: Revocation
}

/// A consent revocation's outcome carried out of the write transaction.
struct ConsentRevocation: Sendable {
    let consent: Consent
    let entry: Revocation?
}
