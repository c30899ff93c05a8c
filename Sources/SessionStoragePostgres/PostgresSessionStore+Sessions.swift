import PostgresNIO
import SessionNetwork
public import SessionStorage

extension PostgresSessionStore {
    public func createSession(_ session: Session, audit: AuditDraft?) async throws(StorageError) {
        try session.checkStorable()
        try await write { db in
            // FOR SHARE: a deletion of the user waits for this session to commit, then revokes it.
            guard try await db.exists("""
                SELECT 1 FROM app_user WHERE id = \(session.userID) AND instance_id = \(session.instanceID) AND deleted_at IS NULL FOR SHARE
                """)
            else { throw StorageError(.constraint, "no user \(session.userID) in instance \(session.instanceID)") }
            guard try await db.exists("SELECT 1 FROM client WHERE id = \(session.clientID) AND instance_id = \(session.instanceID)") else {
                throw StorageError(.constraint, "no client \(session.clientID) in instance \(session.instanceID)")
            }
            try await Self.insertSession(db, session)
            try await Self.appendAudit(db, instanceID: session.instanceID, audit)
        }
    }

    public func session(instanceID: String, id: String) async throws(StorageError) -> Session? {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in try await Self.fetchSession(db, instanceID: instanceID, id: id) }
    }

    public func sessions(_ query: SessionQuery) async throws(StorageError) -> Page<Session> {
        guard StoredText.isClean(query.instanceID), StoredText.isClean(query.userID ?? ""), StoredText.isClean(query.clientID ?? "")
        else { return Page(items: [], totalCount: 0) }
        var builder = QueryBuilder()
        var conditions = ["instance_id = \(builder.bind(query.instanceID))"]
        if let userID = query.userID { conditions.append("user_id = \(builder.bind(userID))") }
        if let clientID = query.clientID { conditions.append("client_id = \(builder.bind(clientID))") }
        if let status = query.status { conditions.append(Self.statusCondition(status, now: builder.bind(query.now))) }
        let filter = conditions.joined(separator: " AND ")
        var count = builder
        count.sql = "SELECT count(*) AS total FROM session WHERE \(filter)"
        var page = builder
        let limit = page.bind(max(0, query.limit))
        let offset = page.bind(max(0, query.offset))
        page.sql = "SELECT \(Self.sessionColumnList) FROM session WHERE \(filter) ORDER BY created_at DESC, id DESC LIMIT \(limit) OFFSET \(offset)"
        return try await read { db in
            let total = try await db.one(count.query)?.int("total") ?? 0
            return Page(items: try await db.rows(page.query).map(Self.decodeSession), totalCount: Int(total))
        }
    }

    public func activeSessions(_ query: ActiveSessionQuery) async throws(StorageError) -> [Session] {
        guard StoredText.isClean(query.instanceID), StoredText.isClean(query.userID ?? ""), StoredText.isClean(query.after?.id ?? "")
        else { return [] }
        var builder = QueryBuilder()
        var conditions = ["instance_id = \(builder.bind(query.instanceID))", Self.statusCondition(.active, now: builder.bind(query.now))]
        if let userID = query.userID { conditions.append("user_id = \(builder.bind(userID))") }
        if query.anomalousOnly { conditions.append("anomalous") }
        if let addresses = query.addresses {
            conditions.append("ip_bytes BETWEEN \(builder.bind(addresses.first.bytes.bytea)) AND \(builder.bind(addresses.last.bytes.bytea))")
        }
        if let after = query.after {
            let createdAt = builder.bind(after.createdAt)
            conditions.append("(created_at < \(createdAt) OR (created_at = \(createdAt) AND id < \(builder.bind(after.id))))")
        }
        let limit = builder.bind(max(0, query.limit))
        builder.sql = """
            SELECT \(Self.sessionColumnList) FROM session WHERE \(conditions.joined(separator: " AND "))
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """
        let statement = builder.query
        return try await read { db in try await db.rows(statement).map(Self.decodeSession) }
    }

    public func recordActivity(
        instanceID: String, id: String, activity: Session.Activity, at: Int64, anomaly: AuditDraft?
    ) async throws(StorageError) -> Session {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("session", id) }
        var probe = Session(id: id, instanceID: instanceID, userID: "", clientID: "", lastActiveAt: 0, expireAt: 0, abandonAt: 0, createdAt: 0, updatedAt: 0)
        probe.activity = activity
        try probe.checkStorable()
        return try await write { db in
            // A revoked or ended session records nothing.
            let changed = try await db.exists("""
                UPDATE session SET has_activity = TRUE, user_agent = \(activity.userAgent), ip_address = \(activity.ipAddress),
                    device_type = \(activity.deviceType), is_mobile = \(activity.isMobile), browser_name = \(activity.browserName),
                    browser_version = \(activity.browserVersion), os_name = \(activity.osName), city = \(activity.city),
                    country = \(activity.country), ip_bytes = \(Self.addressBytes(activity)),
                    last_active_at = greatest(last_active_at, \(at)), updated_at = \(at)
                WHERE id = \(id) AND instance_id = \(instanceID) AND status = 'active' RETURNING 1
                """)
            if changed, anomaly != nil {
                try await db.execute("UPDATE session SET anomalous = TRUE WHERE id = \(id) AND instance_id = \(instanceID)")
                try await Self.appendAudit(db, instanceID: instanceID, anomaly)
            }
            guard let session = try await Self.fetchSession(db, instanceID: instanceID, id: id) else { throw Self.missing("session", id) }
            return session
        }
    }

    public func revokeSession(
        instanceID: String, id: String, at: Int64, leeway: Int64, audit: AuditDraft?
    ) async throws(StorageError) -> (Session, Revocation?) {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("session", id) }
        let result: RevokeResult = try await write { db in
            // Locked: a mint moving the horizon commits before this read or waits, then sees the session revoked.
            guard var session = try await Self.fetchSession(db, instanceID: instanceID, id: id, locking: true) else {
                throw Self.missing("session", id)
            }
            guard session.status == .active else { return RevokeResult(session: session, entry: nil) }
            let wasLive = session.effectiveStatus(at: at) == .active
            try await db.execute("UPDATE session SET status = 'revoked', updated_at = \(at) WHERE id = \(id)")
            session.status = .revoked
            session.updatedAt = at
            guard wasLive else { return RevokeResult(session: session, entry: nil) }
            try await Self.appendAudit(db, instanceID: instanceID, audit)
            let entry = try await Self.appendRevocation(
                db, instanceID: instanceID, target: .session(id: id), at: at, retainUntil: session.revocationRetention(leeway: leeway))
            return RevokeResult(session: session, entry: entry)
        }
        return (result.session, result.entry)
    }

    public func revokeUserSessions(
        instanceID: String, userID: String, except: String?, at: Int64, retainUntil: Int64, audit: AuditDraft?
    ) async throws(StorageError) -> Revocation {
        guard StoredText.isClean(userID), StoredText.isClean(instanceID) else { throw Self.missing("user", userID) }
        if let except { try StoredText.check(["except": except]) }
        return try await write { db in
            // FOR NO KEY UPDATE: a session being created for the user (FOR SHARE) commits first and is listed.
            guard try await db.exists("""
                SELECT 1 FROM app_user WHERE id = \(userID) AND instance_id = \(instanceID) AND deleted_at IS NULL FOR NO KEY UPDATE
                """)
            else { throw Self.missing("user", userID) }
            return try await Self.revokeAll(db, instanceID: instanceID, userID: userID, except: except, at: at, retainUntil: retainUntil, audit: audit)
        }
    }

    /// Every active session of the user (but `except`) becomes revoked, and one entry listing them
    /// is appended, with the event (which gains `revoked_count`).
    static func revokeAll(
        _ db: Database, instanceID: String, userID: String, except: String?, at: Int64, retainUntil: Int64, audit: AuditDraft?
    ) async throws -> Revocation {
        let kept = except ?? ""
        let sessions = try await db.rows("""
            UPDATE session SET status = 'revoked', updated_at = \(at)
            WHERE instance_id = \(instanceID) AND user_id = \(userID) AND status = 'active' AND id <> \(kept) RETURNING id
            """
        ).map { try $0.text("id") }.sorted()
        let target: Revocation.Target = except.map {
            .otherSessions(userID: userID, keptSessionID: $0, notBefore: at, sessionIDs: sessions)
        } ?? .user(id: userID, notBefore: at, sessionIDs: sessions)
        var draft = audit
        draft?.data["revoked_count"] = .integer(Int64(sessions.count))
        try await appendAudit(db, instanceID: instanceID, draft)
        return try await appendRevocation(db, instanceID: instanceID, target: target, at: at, retainUntil: retainUntil)
    }

    public func touchSession(instanceID: String, id: String, at: Int64, interval: Int64, horizon: Int64?) async throws(StorageError) -> Session {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("session", id) }
        return try await write { db in
            // One statement: the interval and the horizon are judged on the row as last committed. The
            // difference is computed in NUMERIC, so no clock value can overflow it.
            guard let row = try await db.one("""
                UPDATE session SET
                    last_active_at = CASE WHEN \(at)::numeric - last_active_at >= \(interval) THEN \(at) ELSE last_active_at END,
                    updated_at = CASE WHEN \(at)::numeric - last_active_at >= \(interval) THEN \(at) ELSE updated_at END,
                    token_horizon = CASE WHEN status = 'active' AND \(horizon)::bigint IS NOT NULL THEN greatest(token_horizon, \(horizon)::bigint)
                        ELSE token_horizon END
                WHERE id = \(id) AND instance_id = \(instanceID)
                RETURNING \(unescaped: Self.sessionColumnList)
                """)
            else { throw Self.missing("session", id) }
            return try Self.decodeSession(row)
        }
    }
}

/// A revocation's outcome carried out of the write transaction.
struct RevokeResult: Sendable {
    let session: Session
    let entry: Revocation?
}
