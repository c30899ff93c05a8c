import PostgresNIO
public import SessionStorage

extension PostgresSessionStore {
    /// Numbers the entry from `feed_head` and inserts it, inside the caller's transaction. Callers
    /// make it the transaction's last statement: the row lock it takes is held until commit, and
    /// every other revoking transaction waits on it, so the shorter it is held the better
    /// (Decision 0018: why this numbering is gap-free and in commit order).
    static func appendRevocation(
        _ db: Database, instanceID: String, target: Revocation.Target, at: Int64, retainUntil: Int64
    ) async throws -> Revocation {
        // Delivered at commit, to every node's listener (PostgresCoordination), and folded with
        // any other in this transaction; sent before the head's row lock is taken, to hold it no longer.
        try await db.execute(PostgresQuery(unsafeSQL: "NOTIFY \(PostgresCoordination.channel)"))
        guard let head = try await db.one("UPDATE feed_head SET seq = seq + 1 RETURNING seq") else {
            throw StorageError(.unavailable, "the feed head row is missing")
        }
        let sequence = try head.int("seq")
        var session: String?, user: String?, notBefore: Int64?, sessionIDs: String?, secretKey: String?, signingKey: String?
        var updatedUser: String?, template: String?, tenant: String?, kept: String?, consent: String?, consentClient: String?
        switch target {
        case .session(let id): session = id
        case .user(let id, let cutOff, let ids):
            user = id
            notBefore = cutOff
            sessionIDs = ids.joined(separator: " ")
        case .secretKey(let id): secretKey = id
        case .signingKey(let id): signingKey = id
        case .userUpdated(let id): updatedUser = id
        case .templateChanged(let id): template = id
        case .tenantChanged(let id): tenant = id
        case .otherSessions(let id, let keptID, let cutOff, let ids):
            user = id
            notBefore = cutOff
            sessionIDs = ids.joined(separator: " ")
            kept = keptID
        case .consent(let id, let userID, let clientID, let cutOff):
            // A user-scoped entry (user_id, not_before, no sessions) narrowed to one client.
            user = userID
            notBefore = cutOff
            sessionIDs = ""
            consent = id
            consentClient = clientID
        }
        try await db.execute("""
            INSERT INTO revocation (sequence, instance_id, session_id, user_id, not_before, session_ids, secret_key_id, signing_key_id,
                updated_user_id, changed_template_id, changed_tenant_id, except_session_id, consent_id, consent_client_id, revoked_at, retain_until)
            VALUES (\(sequence), \(instanceID), \(session), \(user), \(notBefore), \(sessionIDs), \(secretKey), \(signingKey),
                \(updatedUser), \(template), \(tenant), \(kept), \(consent), \(consentClient), \(at), \(retainUntil))
            """)
        return Revocation(sequence: sequence, instanceID: instanceID, target: target, revokedAt: at, retainUntil: retainUntil)
    }

    static func decodeRevocation(_ row: Row) throws -> Revocation {
        let target: Revocation.Target
        if let session = try row.optionalText("session_id") {
            target = .session(id: session)
        } else if let key = try row.optionalText("secret_key_id") {
            target = .secretKey(id: key)
        } else if let key = try row.optionalText("signing_key_id") {
            target = .signingKey(id: key)
        } else if let tenant = try row.optionalText("changed_tenant_id") {
            target = .tenantChanged(id: tenant)
        } else if let user = try row.optionalText("updated_user_id") {
            target = .userUpdated(id: user)
        } else if let template = try row.optionalText("changed_template_id") {
            target = .templateChanged(id: template)
        } else if let consent = try row.optionalText("consent_id") {
            target = .consent(
                id: consent, userID: try row.text("user_id"), clientID: try row.optionalText("consent_client_id") ?? "",
                notBefore: try row.int("not_before"))
        } else {
            let listed = (try row.optionalText("session_ids") ?? "").split(separator: " ").map(String.init)
            if let kept = try row.optionalText("except_session_id") {
                target = .otherSessions(userID: try row.text("user_id"), keptSessionID: kept, notBefore: try row.int("not_before"), sessionIDs: listed)
            } else {
                target = .user(id: try row.text("user_id"), notBefore: try row.int("not_before"), sessionIDs: listed)
            }
        }
        return Revocation(
            sequence: try row.int("sequence"), instanceID: try row.text("instance_id"), target: target, revokedAt: try row.int("revoked_at"),
            retainUntil: try row.int("retain_until"))
    }

    /// Entries are visible only once committed, and numbered in commit order: a reader that saw
    /// entry n has seen every entry below it that will ever exist (Decision 0018).
    public func revocations(instanceID: String, after sequence: Int64, limit: Int) async throws(StorageError) -> [Revocation] {
        guard StoredText.isClean(instanceID) else { return [] }
        return try await read { db in
            try await db.rows(
                "SELECT * FROM revocation WHERE instance_id = \(instanceID) AND sequence > \(sequence) ORDER BY sequence LIMIT \(max(0, limit))"
            ).map(Self.decodeRevocation)
        }
    }

    public func allRevocations(after sequence: Int64, limit: Int) async throws(StorageError) -> [Revocation] {
        try await read { db in
            try await db.rows("SELECT * FROM revocation WHERE sequence > \(sequence) ORDER BY sequence LIMIT \(max(0, limit))")
                .map(Self.decodeRevocation)
        }
    }

    public func revocationBounds() async throws(StorageError) -> RevocationBounds {
        try await read { db in
            // One statement, one snapshot: the lowest live entry and the head agree.
            guard let row = try await db.one("SELECT (SELECT seq FROM feed_head) AS highest, (SELECT min(sequence) FROM revocation) AS lowest") else {
                throw StorageError(.unavailable, "the feed head row is missing")
            }
            return RevocationBounds(lowestLive: try row.optionalInt("lowest"), highestAssigned: try row.optionalInt("highest") ?? 0)
        }
    }

    public func pruneRevocations(now: Int64) async throws(StorageError) -> Int {
        try await write { db in try await db.count("DELETE FROM revocation WHERE retain_until <= \(now) RETURNING 1") }
    }
}
