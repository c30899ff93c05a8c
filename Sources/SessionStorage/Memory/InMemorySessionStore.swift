import SessionNetwork
/// The in-memory twin of the SQLite store: the same rules, no durability. For tests and for
/// trying Tessera without a file.
public actor InMemorySessionStore: SessionStore {
    var instanceTable: [String: Instance] = [:]
    var secretKeys: [String: SecretKeyRecord] = [:]
    var signingKeyList: [SigningKeyRecord] = []
    var users: [String: User] = [:]
    var clients: [String: Client] = [:]
    private var sessions: [String: Session] = [:]
    var templates: [String: JWTTemplateRecord] = [:]
    var revocationList: [Revocation] = []
    var lastSequence: Int64 = 0
    var auditLog: [String: [AuditEvent]] = [:]
    /// Per instance: the last sequence and hash that pruning removed.
    var auditPrunedThrough: [String: Int64] = [:]
    var auditPrunedHash: [String: [UInt8]] = [:]
    var consentTable: [String: Consent] = [:]

    public init() {}

    static func missing(_ what: String, _ id: String) -> StorageError {
        StorageError(.notFound, "no \(what) with id \(id)")
    }

    // MARK: Users and clients

    public func createUser(_ user: User, audit: AuditDraft?) throws(StorageError) {
        try user.checkStorable()
        guard instanceTable[user.instanceID] != nil else { throw Self.missing("instance", user.instanceID) }
        guard users[user.id] == nil else { throw StorageError(.conflict, "user \(user.id) exists") }
        try checkExternalID(user)
        try checkIdentifiers(user)
        let event = try prepare(audit, instanceID: user.instanceID)
        users[user.id] = user
        commit(event)
    }

    private func checkExternalID(_ user: User) throws(StorageError) {
        guard let externalID = user.externalID else { return }
        if users.values.contains(where: { $0.instanceID == user.instanceID && $0.externalID == externalID && $0.id != user.id }) {
            throw StorageError(.conflict, "external_id \(externalID) belongs to another user")
        }
    }

    public func user(instanceID: String, id: String) -> User? {
        users[id].flatMap { $0.instanceID == instanceID ? $0 : nil }
    }

    public func user(instanceID: String, externalID: String) -> User? {
        users.values.first { $0.instanceID == instanceID && $0.externalID == externalID }
    }

    public func updateUser(_ user: User, retainUntil: Int64, audit: AuditDraft?) throws(StorageError) -> Revocation {
        try user.checkStorable()
        guard self.user(instanceID: user.instanceID, id: user.id) != nil else { throw Self.missing("user", user.id) }
        try checkExternalID(user)
        try checkIdentifiers(user)
        let event = try prepare(audit, instanceID: user.instanceID)
        users[user.id] = user
        defer { commit(event) }
        return append(instanceID: user.instanceID, target: .userUpdated(id: user.id), at: user.updatedAt, retainUntil: retainUntil)
    }

    public func deleteUser(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) throws(StorageError) -> Revocation {
        guard user(instanceID: instanceID, id: id) != nil else { throw Self.missing("user", id) }
        let event = try prepare(audit, instanceID: instanceID)
        let entry = revokeAll(instanceID: instanceID, userID: id, except: nil, at: at, retainUntil: retainUntil)
        users[id] = nil
        commit(event)
        return entry
    }

    public func createClient(_ client: Client) throws(StorageError) {
        try StoredText.check(["id": client.id, "instance_id": client.instanceID])
        guard instanceTable[client.instanceID] != nil else { throw Self.missing("instance", client.instanceID) }
        guard clients[client.id] == nil else { throw StorageError(.conflict, "client \(client.id) exists") }
        clients[client.id] = client
    }

    public func client(instanceID: String, id: String) -> Client? {
        clients[id].flatMap { $0.instanceID == instanceID ? $0 : nil }
    }

    // MARK: Sessions

    public func createSession(_ session: Session, audit: AuditDraft?) throws(StorageError) {
        try session.checkStorable()
        guard user(instanceID: session.instanceID, id: session.userID) != nil else {
            throw StorageError(.constraint, "no user \(session.userID) in instance \(session.instanceID)")
        }
        guard client(instanceID: session.instanceID, id: session.clientID) != nil else {
            throw StorageError(.constraint, "no client \(session.clientID) in instance \(session.instanceID)")
        }
        guard sessions[session.id] == nil else { throw StorageError(.conflict, "session \(session.id) exists") }
        let event = try prepare(audit, instanceID: session.instanceID)
        sessions[session.id] = session
        commit(event)
    }

    public func session(instanceID: String, id: String) -> Session? {
        sessions[id].flatMap { $0.instanceID == instanceID ? $0 : nil }
    }

    public func sessions(_ query: SessionQuery) -> Page<Session> {
        let all = sessions.values.filter { session in
            session.instanceID == query.instanceID
                && (query.userID.map { $0 == session.userID } ?? true)
                && (query.clientID.map { $0 == session.clientID } ?? true)
                && (query.status.map { $0 == session.effectiveStatus(at: query.now) } ?? true)
        }.sorted(by: Self.newestFirst)
        return Page(items: Array(all.dropFirst(query.offset).prefix(query.limit)), totalCount: all.count)
    }

    public func activeSessions(_ query: ActiveSessionQuery) -> [Session] {
        sessions.values.filter { session in
            guard session.instanceID == query.instanceID, session.effectiveStatus(at: query.now) == .active,
                query.userID.map({ $0 == session.userID }) ?? true, !query.anomalousOnly || session.anomalous
            else { return false }
            if let addresses = query.addresses {
                guard let text = session.activity?.ipAddress, let address = IPAddress(text), addresses.contains(address) else { return false }
            }
            if let after = query.after {
                return (session.createdAt, session.id) < (after.createdAt, after.id)
            }
            return true
        }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.prefix(query.limit).map { $0 }
    }

    public func recordActivity(instanceID: String, id: String, activity: Session.Activity, at: Int64, anomaly: AuditDraft?) throws(StorageError) -> Session {
        guard var session = session(instanceID: instanceID, id: id) else { throw Self.missing("session", id) }
        var probe = session
        probe.activity = activity
        try probe.checkStorable()
        if session.status == .active {
            let event = try prepare(anomaly, instanceID: instanceID)
            session.activity = activity
            session.lastActiveAt = max(session.lastActiveAt, at)
            session.updatedAt = at
            if event != nil { session.anomalous = true }
            sessions[id] = session
            commit(event)
        }
        return session
    }

    public func revokeSession(instanceID: String, id: String, at: Int64, leeway: Int64, audit: AuditDraft?) throws(StorageError) -> (Session, Revocation?) {
        guard var session = session(instanceID: instanceID, id: id) else { throw Self.missing("session", id) }
        guard session.status == .active else { return (session, nil) }
        let wasLive = session.effectiveStatus(at: at) == .active
        let event = wasLive ? try prepare(audit, instanceID: instanceID) : nil
        session.status = .revoked
        session.updatedAt = at
        sessions[id] = session
        guard wasLive else { return (session, nil) }
        commit(event)
        return (session, append(instanceID: instanceID, target: .session(id: id), at: at, retainUntil: session.revocationRetention(leeway: leeway)))
    }

    public func revokeUserSessions(
        instanceID: String, userID: String, except: String?, at: Int64, retainUntil: Int64, audit: AuditDraft?
    ) throws(StorageError) -> Revocation {
        guard user(instanceID: instanceID, id: userID) != nil else { throw Self.missing("user", userID) }
        if let except { try StoredText.check(["except": except]) }
        var draft = audit
        let count = sessions.values.filter {
            $0.instanceID == instanceID && $0.userID == userID && $0.status == .active && $0.id != except
        }.count
        draft?.data["revoked_count"] = .integer(Int64(count))
        let event = try prepare(draft, instanceID: instanceID)
        let entry = revokeAll(instanceID: instanceID, userID: userID, except: except, at: at, retainUntil: retainUntil)
        commit(event)
        return entry
    }

    private func revokeAll(instanceID: String, userID: String, except: String?, at: Int64, retainUntil: Int64) -> Revocation {
        var revoked: [String] = []
        for (id, var session) in sessions
        where session.instanceID == instanceID && session.userID == userID && session.status == .active && id != except {
            session.status = .revoked
            session.updatedAt = at
            sessions[id] = session
            revoked.append(id)
        }
        let target: Revocation.Target = except.map {
            .otherSessions(userID: userID, keptSessionID: $0, notBefore: at, sessionIDs: revoked.sorted())
        } ?? .user(id: userID, notBefore: at, sessionIDs: revoked.sorted())
        return append(instanceID: instanceID, target: target, at: at, retainUntil: retainUntil)
    }

    public func touchSession(instanceID: String, id: String, at: Int64, interval: Int64, horizon: Int64?) throws(StorageError) -> Session {
        guard var session = session(instanceID: instanceID, id: id) else { throw Self.missing("session", id) }
        if at - session.lastActiveAt >= interval {
            session.lastActiveAt = at
            session.updatedAt = at
        }
        if let horizon, session.status == .active {
            session.tokenHorizon = max(session.tokenHorizon, horizon)
        }
        sessions[id] = session
        return session
    }

    // MARK: Revocation list

    func append(instanceID: String, target: Revocation.Target, at: Int64, retainUntil: Int64) -> Revocation {
        lastSequence += 1
        let entry = Revocation(sequence: lastSequence, instanceID: instanceID, target: target, revokedAt: at, retainUntil: retainUntil)
        revocationList.append(entry)
        return entry
    }

    public func revocations(instanceID: String, after sequence: Int64, limit: Int) -> [Revocation] {
        Array(revocationList.lazy.filter { $0.instanceID == instanceID && $0.sequence > sequence }.prefix(limit))
    }

    public func allRevocations(after sequence: Int64, limit: Int) -> [Revocation] {
        Array(revocationList.lazy.filter { $0.sequence > sequence }.prefix(limit))
    }

    public func revocationBounds() -> RevocationBounds {
        RevocationBounds(lowestLive: revocationList.first?.sequence, highestAssigned: lastSequence)
    }

    public func pruneRevocations(now: Int64) -> Int {
        let before = revocationList.count
        revocationList.removeAll { $0.retainUntil <= now }
        return before - revocationList.count
    }

    // MARK: Ordering

    /// Newest first; ties broken by id so that pages never overlap.
    private static func newestFirst<Record: Timestamped>(_ a: Record, _ b: Record) -> Bool {
        (a.createdAt, a.id) > (b.createdAt, b.id)
    }
}

/// Records listed newest first.
protocol Timestamped {
    var id: String { get }
    var createdAt: Int64 { get }
}

extension User: Timestamped {}

extension Session: Timestamped {}
