import Foundation
import GRDB
import SessionNetwork
public import SessionStorage

extension SQLiteSessionStore {
    public func createSession(_ session: Session, audit: AuditDraft?) async throws(StorageError) {
        try session.checkStorable()
        try await write { db in
            guard try Bool.fetchOne(
                db, sql: "SELECT 1 FROM user WHERE id = ? AND instance_id = ? AND deleted_at IS NULL",
                arguments: [session.userID, session.instanceID]) != nil
            else { throw StorageError(.constraint, "no user \(session.userID) in instance \(session.instanceID)") }
            guard try Bool.fetchOne(
                db, sql: "SELECT 1 FROM client WHERE id = ? AND instance_id = ?", arguments: [session.clientID, session.instanceID]) != nil
            else { throw StorageError(.constraint, "no client \(session.clientID) in instance \(session.instanceID)") }
            try db.cachedStatement(sql: Self.insertSessionSQL).execute(arguments: Self.sessionColumns(session))
            try Self.appendAudit(db, instanceID: session.instanceID, audit)
        }
    }

    /// The recorded address as the 16 bytes the address index orders; `nil` when none was recorded
    /// or it is not an address (the text is stored as given either way).
    static func addressBytes(_ activity: Session.Activity?) -> Data? {
        activity?.ipAddress.flatMap { IPAddress($0) }.map { Data($0.bytes) }
    }

    static func fetchSession(_ db: Database, instanceID: String, id: String) throws -> Session? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(sessionColumnList) FROM session WHERE id = ? AND instance_id = ?"), arguments: [id, instanceID])
            .map(decodeSession)
    }

    public func session(instanceID: String, id: String) async throws(StorageError) -> Session? {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in try Self.fetchSession(db, instanceID: instanceID, id: id) }
    }

    /// The SQL for an effective status: stored statuses, with `active` split by the clock exactly as
    /// `Session.effectiveStatus(at:)` does.
    static func statusCondition(_ status: Session.Status) -> String {
        switch status {
        case .active: "status = 'active' AND expire_at > :now AND abandon_at > :now"
        case .expired: "(status = 'expired' OR (status = 'active' AND expire_at <= :now))"
        case .abandoned: "(status = 'abandoned' OR (status = 'active' AND expire_at > :now AND abandon_at <= :now))"
        default: "status = '\(status.rawValue)'"
        }
    }

    public func sessions(_ query: SessionQuery) async throws(StorageError) -> Page<Session> {
        guard StoredText.isClean(query.instanceID), StoredText.isClean(query.userID ?? ""), StoredText.isClean(query.clientID ?? "")
        else { return Page(items: [], totalCount: 0) }
        var conditions = ["instance_id = :instance"]
        var arguments: [String: (any DatabaseValueConvertible)?] = [
            "instance": query.instanceID, "now": query.now, "limit": query.limit, "offset": query.offset,
        ]
        if let userID = query.userID {
            conditions.append("user_id = :user")
            arguments["user"] = userID
        }
        if let clientID = query.clientID {
            conditions.append("client_id = :client")
            arguments["client"] = clientID
        }
        if let status = query.status { conditions.append(Self.statusCondition(status)) }
        let filter = conditions.joined(separator: " AND ")
        let statementArguments = StatementArguments(arguments)
        return try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM session WHERE \(filter)", arguments: statementArguments) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(Self.sessionColumnList) FROM session WHERE \(filter) ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset",
                arguments: statementArguments)
            return Page(items: rows.map(Self.decodeSession), totalCount: total)
        }
    }

    public func activeSessions(_ query: ActiveSessionQuery) async throws(StorageError) -> [Session] {
        guard StoredText.isClean(query.instanceID), StoredText.isClean(query.userID ?? ""), StoredText.isClean(query.after?.id ?? "")
        else { return [] }
        var conditions = ["instance_id = :instance", Self.statusCondition(.active)]
        var arguments: [String: (any DatabaseValueConvertible)?] = ["instance": query.instanceID, "now": query.now, "limit": query.limit]
        if let userID = query.userID {
            conditions.append("user_id = :user")
            arguments["user"] = userID
        }
        if query.anomalousOnly { conditions.append("anomalous = 1") }
        if let addresses = query.addresses {
            conditions.append("ip_bytes BETWEEN :first AND :last")
            arguments["first"] = Data(addresses.first.bytes)
            arguments["last"] = Data(addresses.last.bytes)
        }
        if let after = query.after {
            conditions.append("(created_at < :after_created OR (created_at = :after_created AND id < :after_id))")
            arguments["after_created"] = after.createdAt
            arguments["after_id"] = after.id
        }
        let filter = conditions.joined(separator: " AND ")
        let statementArguments = StatementArguments(arguments)
        guard query.addresses != nil, query.userID == nil else {
            // By user (the user's index), or the whole tenant newest first (the active-sessions index).
            let sql = "SELECT \(Self.sessionColumnList) FROM session WHERE \(filter) ORDER BY created_at DESC, id DESC LIMIT :limit"
            return try await read { db in try Row.fetchAll(db.cachedStatement(sql: sql), arguments: statementArguments).map(Self.decodeSession) }
        }
        return try await read { db in try Self.activeSessionsInBlock(db, filter: filter, arguments: statementArguments, limit: query.limit) }
    }

    /// How many of a block's active sessions are sorted in memory at most; a block holding more is
    /// walked newest first instead.
    static let addressSortLimit = 4096

    /// A page of the active sessions of an address block. A range of the address index cannot also
    /// be in creation order, so: a narrow block (the usual question, "what is signed in from this
    /// address or /24") reads its sessions' keys from the index alone, sorts them and fetches one
    /// page; a block with more sessions than `addressSortLimit` is dense enough among the tenant's
    /// sessions that walking the creation-ordered index, filtering on the address it covers, finds
    /// a page sooner. Both read only index entries until the page's rows are fetched.
    static func activeSessionsInBlock(_ db: Database, filter: String, arguments: StatementArguments, limit: Int) throws -> [Session] {
        // A cursor reads each key in place: no row is copied until the page is known.
        var keys: [(createdAt: Int64, id: String)] = []
        let scan = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT created_at, id FROM session INDEXED BY session_active_by_address WHERE \(filter) LIMIT \(addressSortLimit + 1)"),
            arguments: arguments)
        while let row = try scan.next() { keys.append((row[0], row[1])) }
        guard keys.count <= addressSortLimit else {
            return try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT \(sessionColumnList) FROM session INDEXED BY session_active_by_instance WHERE \(filter) ORDER BY created_at DESC, id DESC LIMIT :limit
                    """), arguments: arguments
            ).map(decodeSession)
        }
        let page = keys.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.prefix(limit)
        return try page.map { key in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(sessionColumnList) FROM session WHERE id = ?"), arguments: [key.id]) else {
                throw StorageError(.unavailable, "a session listed by the address index is missing")
            }
            return decodeSession(row)
        }
    }

    public func recordActivity(
        instanceID: String, id: String, activity: Session.Activity, at: Int64, anomaly: AuditDraft?
    ) async throws(StorageError) -> Session {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("session", id) }
        var probe = Session(id: id, instanceID: instanceID, userID: "", clientID: "", lastActiveAt: 0, expireAt: 0, abandonAt: 0, createdAt: 0, updatedAt: 0)
        probe.activity = activity
        try probe.checkStorable()
        return try await write { db in
            try db.execute(
                sql: """
                    UPDATE session SET has_activity = 1, user_agent = ?, ip_address = ?, device_type = ?, is_mobile = ?, browser_name = ?,
                        browser_version = ?, os_name = ?, city = ?, country = ?, ip_bytes = ?, last_active_at = max(last_active_at, ?),
                        updated_at = ?
                    WHERE id = ? AND instance_id = ? AND status = 'active' -- a revoked or ended session records nothing
                    """,
                arguments: [
                    activity.userAgent, activity.ipAddress, activity.deviceType, activity.isMobile, activity.browserName,
                    activity.browserVersion, activity.osName, activity.city, activity.country, Self.addressBytes(activity), at, at, id,
                    instanceID,
                ])
            if db.changesCount == 1, anomaly != nil {
                try db.execute(sql: "UPDATE session SET anomalous = 1 WHERE id = ? AND instance_id = ?", arguments: [id, instanceID])
                try Self.appendAudit(db, instanceID: instanceID, anomaly)
            }
            guard let session = try Self.fetchSession(db, instanceID: instanceID, id: id) else { throw Self.missing("session", id) }
            return session
        }
    }

    public func revokeSession(
        instanceID: String, id: String, at: Int64, leeway: Int64, audit: AuditDraft?
    ) async throws(StorageError) -> (Session, Revocation?) {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("session", id) }
        let result: RevokeResult = try await write { db in
            guard var session = try Self.fetchSession(db, instanceID: instanceID, id: id) else { throw Self.missing("session", id) }
            guard session.status == .active else { return RevokeResult(session: session, entry: nil) }
            let wasLive = session.effectiveStatus(at: at) == .active
            try db.execute(sql: "UPDATE session SET status = 'revoked', updated_at = ? WHERE id = ?", arguments: [at, id])
            session.status = .revoked
            session.updatedAt = at
            guard wasLive else { return RevokeResult(session: session, entry: nil) }
            // Read in this transaction: a mint that moved the horizon committed before it, or fails after it.
            let entry = try Self.appendRevocation(
                db, instanceID: instanceID, target: .session(id: id), at: at, retainUntil: session.revocationRetention(leeway: leeway))
            try Self.appendAudit(db, instanceID: instanceID, audit)
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
            guard try Bool.fetchOne(
                db, sql: "SELECT 1 FROM user WHERE id = ? AND instance_id = ? AND deleted_at IS NULL", arguments: [userID, instanceID]) != nil
            else { throw Self.missing("user", userID) }
            return try Self.revokeAll(db, instanceID: instanceID, userID: userID, except: except, at: at, retainUntil: retainUntil, audit: audit)
        }
    }

    /// Every active session of the user (but `except`) becomes revoked, and one entry listing them
    /// is appended, with the event (which gains `revoked_count`).
    static func revokeAll(
        _ db: Database, instanceID: String, userID: String, except: String?, at: Int64, retainUntil: Int64, audit: AuditDraft?
    ) throws -> Revocation {
        let kept = except ?? ""
        let sessions = try String.fetchAll(
            db, sql: "SELECT id FROM session WHERE instance_id = ? AND user_id = ? AND status = 'active' AND id != ? ORDER BY id",
            arguments: [instanceID, userID, kept])
        try db.execute(
            sql: "UPDATE session SET status = 'revoked', updated_at = ? WHERE instance_id = ? AND user_id = ? AND status = 'active' AND id != ?",
            arguments: [at, instanceID, userID, kept])
        let target: Revocation.Target = except.map {
            .otherSessions(userID: userID, keptSessionID: $0, notBefore: at, sessionIDs: sessions)
        } ?? .user(id: userID, notBefore: at, sessionIDs: sessions)
        var draft = audit
        draft?.data["revoked_count"] = .integer(Int64(sessions.count))
        try appendAudit(db, instanceID: instanceID, draft)
        return try appendRevocation(db, instanceID: instanceID, target: target, at: at, retainUntil: retainUntil)
    }

    public func touchSession(instanceID: String, id: String, at: Int64, interval: Int64, horizon: Int64?) async throws(StorageError) -> Session {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("session", id) }
        return try await write { db in
            try db.execute(
                sql: "UPDATE session SET last_active_at = ?, updated_at = ? WHERE id = ? AND instance_id = ? AND ? - last_active_at >= ?",
                arguments: [at, at, id, instanceID, at, interval])
            if let horizon {
                try db.execute(
                    sql: "UPDATE session SET token_horizon = max(token_horizon, ?) WHERE id = ? AND instance_id = ? AND status = 'active'",
                    arguments: [horizon, id, instanceID])
            }
            guard let session = try Self.fetchSession(db, instanceID: instanceID, id: id) else { throw Self.missing("session", id) }
            return session
        }
    }
}

/// A revocation's outcome carried out of the write transaction (tuples are not `Sendable` results).
struct RevokeResult: Sendable {
    let session: Session
    let entry: Revocation?
}
