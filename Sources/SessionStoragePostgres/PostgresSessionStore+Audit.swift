import PostgresNIO
public import SessionStorage

extension PostgresSessionStore {
    /// Links the draft after the tenant's last event and inserts it, inside the caller's
    /// transaction: the change and its event commit together. The tenant's row, locked first
    /// (`FOR NO KEY UPDATE`, which rows referring to the tenant do not wait on), makes the read of the
    /// last event and the insert one step however many nodes append at once.
    @discardableResult
    static func appendAudit(_ db: Database, instanceID: String, _ draft: AuditDraft?) async throws -> AuditEvent? {
        guard let draft else { return nil }
        guard try await db.exists("SELECT 1 FROM instance WHERE id = \(instanceID) FOR NO KEY UPDATE") else { throw missing("instance", instanceID) }
        let last = try await db.one("SELECT seq, hash FROM audit_event WHERE instance_id = \(instanceID) ORDER BY seq DESC LIMIT 1")
        let event = AuditChain.link(
            draft, instanceID: instanceID, sequence: (try last?.int("seq") ?? 0) + 1, previousHash: try last?.bytes("hash") ?? AuditChain.genesis)
        try event.checkStorable()
        try await db.execute("""
            INSERT INTO audit_event (instance_id, seq, id, type, occurred_at, actor_type, actor_id, user_id, session_id, ip_address, user_agent,
                data, prev_hash, hash)
            VALUES (\(instanceID), \(event.sequence), \(event.id), \(event.type), \(event.occurredAt), \(event.actor.type.rawValue),
                \(event.actor.id), \(event.userID), \(event.sessionID), \(event.ipAddress), \(event.userAgent),
                \(AuditChain.canonicalData(event.data)), \(event.previousHash.bytea), \(event.hash.bytea))
            """)
        return event
    }

    /// A stored event as it was written; data that no longer parses (a hand edit) keeps an empty
    /// data and a marker, so that the chain check reports the event as altered rather than the read failing.
    static func decodeAuditEvent(_ row: Row) throws -> AuditEvent {
        let stored = try row.text("data")
        let data = AuditChain.parseData(stored) ?? ["unreadable_data": .string(stored)]
        return AuditEvent(
            id: try row.text("id"), instanceID: try row.text("instance_id"), sequence: try row.int("seq"), type: try row.text("type"),
            occurredAt: try row.int("occurred_at"),
            actor: AuditEvent.Actor(type: AuditEvent.ActorType(rawValue: try row.text("actor_type")) ?? .system, id: try row.text("actor_id")),
            userID: try row.optionalText("user_id"), sessionID: try row.optionalText("session_id"), ipAddress: try row.optionalText("ip_address"),
            userAgent: try row.optionalText("user_agent"), data: data, previousHash: try row.bytes("prev_hash"), hash: try row.bytes("hash"))
    }

    public func auditEvents(_ query: AuditQuery) async throws(StorageError) -> [AuditEvent] {
        guard StoredText.isClean(query.instanceID), StoredText.isClean(query.type ?? ""), StoredText.isClean(query.userID ?? ""),
            StoredText.isClean(query.sessionID ?? "")
        else { return [] }
        var builder = QueryBuilder()
        var conditions = ["instance_id = \(builder.bind(query.instanceID))"]
        if let type = query.type { conditions.append("type = \(builder.bind(type))") }
        if let user = query.userID { conditions.append("user_id = \(builder.bind(user))") }
        if let session = query.sessionID { conditions.append("session_id = \(builder.bind(session))") }
        if let cursor = query.cursor { conditions.append(query.order == .oldestFirst ? "seq > \(builder.bind(cursor))" : "seq < \(builder.bind(cursor))") }
        let limit = builder.bind(max(0, query.limit))
        builder.sql = """
            SELECT * FROM audit_event WHERE \(conditions.joined(separator: " AND "))
            ORDER BY seq \(query.order == .oldestFirst ? "ASC" : "DESC") LIMIT \(limit)
            """
        let statement = builder.query
        return try await read { db in try await db.rows(statement).map(Self.decodeAuditEvent) }
    }

    public func appendAudit(instanceID: String, _ draft: AuditDraft) async throws(StorageError) -> AuditEvent {
        guard StoredText.isClean(instanceID) else { throw Self.missing("instance", instanceID) }
        return try await write { db in
            guard let event = try await Self.appendAudit(db, instanceID: instanceID, draft) else { throw Self.missing("instance", instanceID) }
            return event
        }
    }

    public func pruneAudit(instanceID: String, before: Int64, record: AuditDraft) async throws(StorageError) -> Int {
        guard StoredText.isClean(instanceID) else { return 0 }
        return try await write { db in
            // The tenant's lock first: no event is appended between finding the prefix and linking the record.
            guard try await db.exists("SELECT 1 FROM instance WHERE id = \(instanceID) FOR NO KEY UPDATE") else { return 0 }
            // Only a prefix: the events before the first one that is not old enough (the clock may have stepped back).
            let firstKept = try await db.one(
                "SELECT min(seq) AS first FROM audit_event WHERE instance_id = \(instanceID) AND occurred_at >= \(before)")
            let bound = try firstKept?.optionalInt("first") ?? Int64.max
            guard let last = try await db.one("""
                SELECT seq, hash FROM audit_event WHERE instance_id = \(instanceID) AND seq < \(bound) ORDER BY seq DESC LIMIT 1
                """)
            else { return 0 }
            let through = try last.int("seq")
            let removed = try await db.count("DELETE FROM audit_event WHERE instance_id = \(instanceID) AND seq <= \(through) RETURNING 1")
            var draft = record
            draft.data["through_seq"] = .integer(through)
            draft.data["last_hash"] = .string(AuditChain.hex(try last.bytes("hash")))
            draft.data["removed"] = .integer(Int64(removed))
            try await Self.appendAudit(db, instanceID: instanceID, draft)
            return removed
        }
    }
}
