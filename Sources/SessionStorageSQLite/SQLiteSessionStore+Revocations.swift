import GRDB
public import SessionStorage

extension SQLiteSessionStore {
    /// Appends an entry inside the caller's transaction; SQLite's AUTOINCREMENT numbers it.
    static func appendRevocation(
        _ db: Database, instanceID: String, target: Revocation.Target, at: Int64, retainUntil: Int64
    ) throws -> Revocation {
        switch target {
        case .session(let id):
            try db.execute(
                sql: "INSERT INTO revocation (instance_id, session_id, revoked_at, retain_until) VALUES (?, ?, ?, ?)",
                arguments: [instanceID, id, at, retainUntil])
        case .user(let id, let notBefore, let sessionIDs):
            try db.execute(
                sql: "INSERT INTO revocation (instance_id, user_id, not_before, session_ids, revoked_at, retain_until) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [instanceID, id, notBefore, sessionIDs.joined(separator: " "), at, retainUntil])
        case .secretKey(let id):
            try db.execute(
                sql: "INSERT INTO revocation (instance_id, secret_key_id, revoked_at, retain_until) VALUES (?, ?, ?, ?)",
                arguments: [instanceID, id, at, retainUntil])
        case .tenantChanged(let id):
            // Stored in the signing-key column (a reload of the tenant either way) with a prefix no
            // `kid` (base64url) can have.
            try db.execute(
                sql: "INSERT INTO revocation (instance_id, signing_key_id, revoked_at, retain_until) VALUES (?, ?, ?, ?)",
                arguments: [instanceID, Self.tenantChangedPrefix + id, at, retainUntil])
        case .signingKey(let id):
            try db.execute(
                sql: "INSERT INTO revocation (instance_id, signing_key_id, revoked_at, retain_until) VALUES (?, ?, ?, ?)",
                arguments: [instanceID, id, at, retainUntil])
        case .userUpdated(let id):
            try db.execute(
                sql: "INSERT INTO revocation (instance_id, updated_user_id, revoked_at, retain_until) VALUES (?, ?, ?, ?)",
                arguments: [instanceID, id, at, retainUntil])
        case .otherSessions(let id, let kept, let notBefore, let sessionIDs):
            try db.execute(
                sql: """
                    INSERT INTO revocation (instance_id, user_id, not_before, session_ids, except_session_id, revoked_at, retain_until)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [instanceID, id, notBefore, sessionIDs.joined(separator: " "), kept, at, retainUntil])
        case .consent(let id, let userID, let clientID, let notBefore):
            // A user-scoped entry (user_id, not_before, no sessions) narrowed to one client.
            try db.execute(
                sql: """
                    INSERT INTO revocation (instance_id, user_id, not_before, session_ids, consent_id, consent_client_id, revoked_at, retain_until)
                    VALUES (?, ?, ?, '', ?, ?, ?, ?)
                    """,
                arguments: [instanceID, userID, notBefore, id, clientID, at, retainUntil])
        case .templateChanged(let id):
            try db.execute(
                sql: "INSERT INTO revocation (instance_id, changed_template_id, revoked_at, retain_until) VALUES (?, ?, ?, ?)",
                arguments: [instanceID, id, at, retainUntil])
        }
        return Revocation(sequence: db.lastInsertedRowID, instanceID: instanceID, target: target, revokedAt: at, retainUntil: retainUntil)
    }

    static let tenantChangedPrefix = "tenant:"

    static func decodeRevocation(_ row: Row) -> Revocation {
        let target: Revocation.Target
        if let session = row["session_id"] as String? {
            target = .session(id: session)
        } else if let key = row["secret_key_id"] as String? {
            target = .secretKey(id: key)
        } else if let key = row["signing_key_id"] as String? {
            target = key.hasPrefix(tenantChangedPrefix) ? .tenantChanged(id: String(key.dropFirst(tenantChangedPrefix.count))) : .signingKey(id: key)
        } else if let user = row["updated_user_id"] as String? {
            target = .userUpdated(id: user)
        } else if let template = row["changed_template_id"] as String? {
            target = .templateChanged(id: template)
        } else if let consent = row["consent_id"] as String? {
            target = .consent(id: consent, userID: row["user_id"], clientID: row["consent_client_id"] ?? "", notBefore: row["not_before"])
        } else {
            let sessions: String = row["session_ids"] ?? ""
            let listed = sessions.split(separator: " ").map(String.init)
            if let kept = row["except_session_id"] as String? {
                target = .otherSessions(userID: row["user_id"], keptSessionID: kept, notBefore: row["not_before"], sessionIDs: listed)
            } else {
                target = .user(id: row["user_id"], notBefore: row["not_before"], sessionIDs: listed)
            }
        }
        return Revocation(
            sequence: row["sequence"], instanceID: row["instance_id"], target: target, revokedAt: row["revoked_at"],
            retainUntil: row["retain_until"])
    }

    public func revocations(instanceID: String, after sequence: Int64, limit: Int) async throws(StorageError) -> [Revocation] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM revocation WHERE instance_id = ? AND sequence > ? ORDER BY sequence LIMIT ?",
                arguments: [instanceID, sequence, limit]
            ).map(Self.decodeRevocation)
        }
    }

    public func allRevocations(after sequence: Int64, limit: Int) async throws(StorageError) -> [Revocation] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM revocation WHERE sequence > ? ORDER BY sequence LIMIT ?", arguments: [sequence, limit]
            ).map(Self.decodeRevocation)
        }
    }

    public func revocationBounds() async throws(StorageError) -> RevocationBounds {
        try await read { db in
            // AUTOINCREMENT keeps the highest sequence ever used in sqlite_sequence, pruned rows included.
            let highest = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'revocation'") ?? 0
            let lowest = try Int64.fetchOne(db, sql: "SELECT MIN(sequence) FROM revocation")
            return RevocationBounds(lowestLive: lowest, highestAssigned: highest)
        }
    }

    public func pruneRevocations(now: Int64) async throws(StorageError) -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM revocation WHERE retain_until <= ?", arguments: [now])
            return db.changesCount
        }
    }
}
