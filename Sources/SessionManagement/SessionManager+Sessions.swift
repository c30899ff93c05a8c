public import SessionStorage

/// `GET /v1/sessions`' filters.
public struct SessionListRequest: Sendable {
    public var userID: String?
    public var clientID: String?
    public var status: Session.Status?
    public var limit: Int
    public var offset: Int

    public init(userID: String? = nil, clientID: String? = nil, status: Session.Status? = nil, limit: Int = 10, offset: Int = 0) {
        self.userID = userID
        self.clientID = clientID
        self.status = status
        self.limit = limit
        self.offset = offset
    }
}

extension SessionManager {
    /// Creates an active session for a user on a new client. Development instances allow it;
    /// production instances only with backend sign-in enabled (a customer's own login service).
    /// - Parameters:
    ///   - lifetime: milliseconds until `expire_at`; the configured session lifetime by default.
    ///   - anyEnvironment: the admin surface's login-service call, which opens real sessions in production too.
    public func createSession(
        in instance: Instance, userID: String, activity: Session.Activity? = nil, authMethod: String = "backend_api",
        mfaVerified: Bool = false, lifetime: Int64? = nil, anyEnvironment: Bool = false
    ) async throws(ManagementError) -> Session {
        guard anyEnvironment || instance.environment == .development || instance.allowsBackendSignIn else {
            throw ManagementError(.forbiddenInEnvironment, "Request only valid for development instances")
        }
        _ = try await user(in: instance, id: userID)
        let now = clock()
        let generation = cachedSessions.generation
        let client = Client(id: try newID("client"), instanceID: instance.id, createdAt: now, updatedAt: now)
        let session = Session(
            id: try newID("sess"), instanceID: instance.id, userID: userID, clientID: client.id, lastActiveAt: now,
            expireAt: now + (lifetime ?? configuration.sessionLifetime),
            abandonAt: now + max(configuration.abandonAfter, lifetime ?? 0), createdAt: now,
            updatedAt: now, activity: activity, authMethod: authMethod, mfaVerified: mfaVerified,
            tokenHorizon: now + configuration.tokenHorizonWindow, openedCountry: activity?.country, openedDevice: activity?.deviceFamily)
        var details: AuditData = ["auth_method": .string(authMethod), "mfa_verified": .bool(mfaVerified), "expires_at": .integer(session.expireAt)]
        if let address = activity?.ipAddress { details["session_ip"] = .string(address) }
        if let country = activity?.country { details["country"] = .string(country) }
        let audit = try auditDraft("auth.session_created", userID: userID, sessionID: session.id, at: now, data: details)
        try await storage { () async throws(StorageError) in
            try await store.createClient(client)
            try await store.createSession(session, audit: audit)
        }
        cachedSessions.remember(session, readAt: generation)
        events.sessionCreated()
        return session
    }

    /// The session as the API shows it: its status is the effective one now.
    public func session(in instance: Instance, id: String) async throws(ManagementError) -> Session {
        presented(try await storedSession(in: instance, id: id), at: clock())
    }

    /// `session(in:id:)` when the session cache holds the session, without a suspension (the hot
    /// routes' path, Decision 0020); `nil` when the store must be asked.
    public func cachedSession(in instance: Instance, id: String) -> Session? {
        cachedSessions.session(instanceID: instance.id, id: id).map { presented($0, at: clock()) }
    }

    func storedSession(in instance: Instance, id: String) async throws(ManagementError) -> Session {
        if let cached = cachedSessions.session(instanceID: instance.id, id: id) { return cached }
        let generation = cachedSessions.generation
        guard let session = try await storage({ () async throws(StorageError) in try await store.session(instanceID: instance.id, id: id) })
        else { throw .notFound(.session, id) }
        cachedSessions.remember(session, readAt: generation)
        return session
    }

    func presented(_ session: Session, at now: Int64) -> Session {
        var shown = session
        shown.status = session.effectiveStatus(at: now)
        return shown
    }

    public func sessions(in instance: Instance, _ request: SessionListRequest) async throws(ManagementError) -> Page<Session> {
        try Self.checkPaging(limit: request.limit, offset: request.offset)
        let now = clock()
        let query = SessionQuery(
            instanceID: instance.id, userID: request.userID, clientID: request.clientID, status: request.status,
            limit: request.limit, offset: request.offset, now: now)
        let page = try await storage { () async throws(StorageError) in try await store.sessions(query) }
        return Page(items: page.items.map { presented($0, at: now) }, totalCount: page.totalCount)
    }

    /// Revokes a session; idempotent. No token of the session outlives its token horizon or its end,
    /// so the store keeps the entry until the earlier of the two, as stored when the revocation
    /// commits, plus the verifiers' leeway (Decision 0012).
    public func revokeSession(in instance: Instance, id: String, reason: String = "revoked") async throws(ManagementError) -> (Session, Revocation?) {
        try await startRevocations()
        let known = try await storedSession(in: instance, id: id)
        let now = clock()
        let leeway = configuration.leewaySeconds * 1000
        let audit = try auditDraft("auth.session_revoked", userID: known.userID, sessionID: id, at: now, data: ["reason": .string(reason)])
        let (session, entry) = try await storage { () async throws(StorageError) in
            try await store.revokeSession(instanceID: instance.id, id: id, at: now, leeway: leeway, audit: audit)
        }
        if let entry {
            try await deliver(entry)
            events.sessionsRevoked(reason == "anomaly" ? .anomaly : .revoked, instance.slug, known.userID)
        }
        return (presented(session, at: now), entry)
    }

    /// Revokes every session and every token of a user ("sign out everywhere") with one entry that
    /// lists the sessions; a session opened afterwards, even in the same millisecond, is untouched.
    public func revokeUserSessions(in instance: Instance, userID: String) async throws(ManagementError) -> Revocation {
        try await startRevocations()
        let now = clock()
        let audit = try auditDraft("auth.sessions_revoked", userID: userID, at: now, data: ["scope": .string("all")])
        let entry = try await storage { () async throws(StorageError) in
            try await store.revokeUserSessions(
                instanceID: instance.id, userID: userID, except: nil, at: now, retainUntil: userWideRetention(now), audit: audit)
        }
        try await deliver(entry)
        events.sessionsRevoked(.userAll, instance.slug, userID)
        return entry
    }
}
