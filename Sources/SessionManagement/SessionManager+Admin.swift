public import SessionNetwork
public import SessionStorage

/// What the tenant admin surface asks when listing a tenant's active sessions.
public struct AdminSessionListRequest: Sendable {
    public var userID: String?
    public var addresses: IPNetwork?
    public var after: SessionCursor?
    public var limit: Int
    /// Only sessions marked anomalous.
    public var anomalousOnly: Bool = false

    public init(userID: String? = nil, addresses: IPNetwork? = nil, after: SessionCursor? = nil, limit: Int = 50) {
        self.userID = userID
        self.addresses = addresses
        self.after = after
        self.limit = limit
    }
}

/// How a login service opens a session through the admin surface.
public struct AdminSessionDraft: Sendable {
    public var activity: Session.Activity
    public var authMethod: String
    public var mfaVerified: Bool
    /// The session's own lifetime in seconds; the configured session lifetime when `nil`.
    public var lifetimeSeconds: Int64?

    public init(activity: Session.Activity, authMethod: String, mfaVerified: Bool, lifetimeSeconds: Int64? = nil) {
        self.activity = activity
        self.authMethod = authMethod
        self.mfaVerified = mfaVerified
        self.lifetimeSeconds = lifetimeSeconds
    }
}

extension SessionManager {
    /// A session may be opened for between a minute and a year.
    public static let adminSessionLifetimeRange: ClosedRange<Int64> = 60...31_536_000

    /// `[a-z0-9_-]{1,32}`: how the user authenticated, as the caller names it.
    public static func isValidAuthMethod(_ text: String) -> Bool {
        let bytes = text.utf8
        return (1...32).contains(bytes.count) && bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"): true
            default: false
            }
        }
    }

    /// The user a path names: by id, else by external id (the admin surface accepts either).
    public func user(in instance: Instance, idOrExternalID key: String) async throws(ManagementError) -> User {
        if ResourceID.check(key, .user) == .valid, let user = try? await user(in: instance, id: key) { return user }
        guard let user = try await storage({ () async throws(StorageError) in try await store.user(instanceID: instance.id, externalID: key) })
        else { throw .notFound(.user, key) }
        return user
    }

    /// Opens a real session for a user whose credentials the caller has checked: in any environment,
    /// production included, with the end user's address, device and location recorded.
    public func openSession(in instance: Instance, userID: String, _ draft: AdminSessionDraft) async throws(ManagementError) -> Session {
        guard Self.isValidAuthMethod(draft.authMethod) else {
            throw .invalid("authMethod", "authMethod must be 1 to 32 characters of a-z, 0-9, _ and -")
        }
        let lifetime = draft.lifetimeSeconds.map { $0 * 1000 } ?? configuration.sessionLifetime
        if let seconds = draft.lifetimeSeconds, !Self.adminSessionLifetimeRange.contains(seconds) {
            throw .invalid("expiresInSeconds", "expiresInSeconds must be between 60 and 31536000")
        }
        return try await createSession(
            in: instance, userID: userID, activity: draft.activity, authMethod: draft.authMethod, mfaVerified: draft.mfaVerified,
            lifetime: lifetime, anyEnvironment: true)
    }

    /// Records where a session was last active (address, user agent, device, location) and when;
    /// skipped when nothing changed within the touch interval, so a busy session costs no write
    /// per token. Only an active session records anything.
    ///
    /// Activity from another country or another device family than the session was opened with is
    /// an anomaly (a stolen token used elsewhere is the case it catches): the session is marked
    /// `anomalous` with an `auth.session_anomaly` event, and with the tenant's `anomalyAction`
    /// `revoke`, it is revoked at once and the caller gets `sessionNotActive`.
    public func recordActivity(in instance: Instance, sessionID: String, _ activity: Session.Activity) async throws(ManagementError) {
        let session = try await activeSession(in: instance, id: sessionID)
        let now = clock()
        guard session.activity != activity || now - session.lastActiveAt >= configuration.touchInterval else { return }
        var anomaly: AuditDraft?
        if let data = Self.anomaly(of: session, activity), !session.anomalous || session.activity != activity {
            anomaly = try auditDraft("auth.session_anomaly", userID: session.userID, sessionID: sessionID, at: now, data: data)
        }
        let generation = cachedSessions.generation
        let flagged = anomaly
        let recorded = try await storage { () async throws(StorageError) in
            try await store.recordActivity(instanceID: instance.id, id: sessionID, activity: activity, at: now, anomaly: flagged)
        }
        cachedSessions.remember(recorded, readAt: generation)
        // The tenant as the stream keeps it current (a settings change reaches every process), not
        // as a credential cache may still hold it.
        var revokes = false
        if flagged != nil {
            let action = try await tenantKeys(for: instance).instance.anomalyAction
            revokes = recorded.status == .active && action == .revoke
            events.anomaly(instance.slug, session.userID, revokes)
        }
        if revokes {
            _ = try await revokeSession(in: instance, id: sessionID, reason: "anomaly")
            throw ManagementError(.sessionNotActive, "Session \(sessionID) was revoked: activity from another country or device")
        }
        guard recorded.effectiveStatus(at: now) == .active else {
            throw ManagementError(.sessionNotActive, "Session \(sessionID) is \(recorded.effectiveStatus(at: now).rawValue); only active sessions get tokens")
        }
    }

    /// A keyset page of the tenant's active sessions, newest first, and where the next page starts
    /// (`nil` on the last page).
    public func activeSessions(in instance: Instance, _ request: AdminSessionListRequest) async throws(ManagementError) -> ([Session], next: SessionCursor?) {
        guard (1...500).contains(request.limit) else { throw .invalid("limit", "limit must be between 1 and 500") }
        let query = ActiveSessionQuery(
            instanceID: instance.id, userID: request.userID, addresses: request.addresses, after: request.after, limit: request.limit + 1,
            now: clock(), anomalousOnly: request.anomalousOnly)
        let found = try await storage { () async throws(StorageError) in try await store.activeSessions(query) }
        let page = Array(found.prefix(request.limit))
        let next = found.count > request.limit ? page.last.map { SessionCursor(createdAt: $0.createdAt, id: $0.id) } : nil
        return (page, next)
    }

    /// Every active session of the user, newest first.
    public func activeSessions(in instance: Instance, userID: String) async throws(ManagementError) -> [Session] {
        var all: [Session] = []
        var cursor: SessionCursor?
        repeat {
            let (page, next) = try await activeSessions(in: instance, AdminSessionListRequest(userID: userID, after: cursor, limit: 500))
            all += page
            cursor = next
        } while cursor != nil
        return all
    }

    /// Revokes one session of the user; a session of anyone else is not found (never revealed).
    public func revokeSession(in instance: Instance, userID: String, sessionID: String) async throws(ManagementError) -> (Session, Revocation?) {
        let session = try await storedSession(in: instance, id: sessionID)
        guard session.userID == userID else { throw .notFound(.session, sessionID) }
        return try await revokeSession(in: instance, id: sessionID)
    }
}

extension SessionManager {
    /// What differs between where the session was opened and this activity, as an anomaly event's
    /// data (both values and the address), or `nil` when nothing comparable differs. Unknown
    /// values (no location database, an unparsed user agent) never count as a change.
    static func anomaly(of session: Session, _ activity: Session.Activity) -> AuditData? {
        var kinds: [String] = []
        if let opened = session.openedCountry, let now = activity.country, opened != now { kinds.append("country") }
        if let opened = session.openedDevice, let now = activity.deviceFamily, opened != now { kinds.append("device") }
        guard !kinds.isEmpty else { return nil }
        var data: AuditData = ["kinds": .strings(kinds)]
        if let value = session.openedCountry { data["opened_country"] = .string(value) }
        if let value = activity.country { data["country"] = .string(value) }
        if let value = session.openedDevice { data["opened_device"] = .string(value) }
        if let value = activity.deviceFamily { data["device"] = .string(value) }
        if let value = activity.ipAddress { data["ip"] = .string(value) }
        return data
    }
}
