public import SessionStorage

/// What the user side asks of the audit log: the caller's own events, newest first.
public struct AuditListRequest: Sendable {
    public var type: String?
    public var userID: String?
    public var sessionID: String?
    public var cursor: Int64?
    public var limit: Int
    public var order: AuditQuery.Order

    public init(type: String? = nil, userID: String? = nil, sessionID: String? = nil, cursor: Int64? = nil, limit: Int = 50, order: AuditQuery.Order) {
        self.type = type
        self.userID = userID
        self.sessionID = sessionID
        self.cursor = cursor
        self.limit = limit
        self.order = order
    }
}

extension SessionManager {
    /// "Sign out all other sessions": every active session of the user but `keep` is revoked in one
    /// transaction with one `otherSessions` entry, which lists them; `keep`'s tokens stay valid.
    /// `keep` must be the user's active session.
    public func revokeOtherSessions(in instance: Instance, userID: String, keep: String) async throws(ManagementError) -> Revocation {
        let kept = try await activeSession(in: instance, id: keep)
        guard kept.userID == userID else { throw .notFound(.session, keep) }
        try await startRevocations()
        let now = clock()
        let audit = try auditDraft("auth.sessions_revoked", userID: userID, sessionID: keep, at: now, data: ["scope": .string("others")])
        let entry = try await storage { () async throws(StorageError) in
            try await store.revokeUserSessions(
                instanceID: instance.id, userID: userID, except: keep, at: now, retainUntil: userWideRetention(now), audit: audit)
        }
        try await deliver(entry)
        events.sessionsRevoked(.userOthers, instance.slug, userID)
        return entry
    }

    /// A page of the tenant's audit events (`limit` 1…500).
    public func auditEvents(in instance: Instance, _ request: AuditListRequest) async throws(ManagementError) -> (events: [AuditEvent], next: Int64?) {
        guard (1...500).contains(request.limit) else { throw .invalid("limit", "limit must be between 1 and 500") }
        let query = AuditQuery(
            instanceID: instance.id, type: request.type, userID: request.userID, sessionID: request.sessionID, cursor: request.cursor,
            limit: request.limit + 1, order: request.order)
        let found = try await storage { () async throws(StorageError) in try await store.auditEvents(query) }
        let page = Array(found.prefix(request.limit))
        return (page, found.count > request.limit ? page.last?.sequence : nil)
    }

    /// Every event of the tenant, oldest first: what `sessionctl audit verify` checks.
    public func allAuditEvents(in instance: Instance) async throws(ManagementError) -> [AuditEvent] {
        var all: [AuditEvent] = []
        var cursor: Int64?
        repeat {
            let (page, next) = try await auditEvents(in: instance, AuditListRequest(cursor: cursor, limit: 500, order: .oldestFirst))
            all += page
            cursor = next
        } while cursor != nil
        return all
    }

    /// Removes the tenant's events older than `before` (Unix ms), only from the oldest end, and
    /// records it as an `audit.pruned` event (actor `system`) that the chain check starts from.
    public func pruneAudit(in instance: Instance, before: Int64) async throws(ManagementError) -> Int {
        let record = try auditDraft(AuditChain.prunedType, data: ["before": .integer(before)])
        return try await storage { () async throws(StorageError) in try await store.pruneAudit(instanceID: instance.id, before: before, record: record) }
    }

    /// Replaces a tenant's browser origins and anomaly action.
    public func updateTenantSettings(
        slug: String, allowedOrigins: [String]?, anomalyAction: Instance.AnomalyAction?
    ) async throws(ManagementError) -> Instance {
        guard var instance = try await storage({ () async throws(StorageError) in try await store.instance(slug: slug) }) else {
            throw ManagementError(.notFound, "No tenant was found with slug \(slug)", resource: .instance)
        }
        var data: AuditData = [:]
        if let allowedOrigins {
            instance.allowedOrigins = allowedOrigins
            data["allowed_origins"] = .strings(allowedOrigins)
        }
        if let anomalyAction {
            instance.anomalyAction = anomalyAction
            data["anomaly_action"] = .string(anomalyAction.rawValue)
        }
        try await startRevocations()
        let now = clock()
        let audit = try auditDraft("tenant.updated", at: now, data: data)
        let updated = instance
        let (stored, entry) = try await storage { () async throws(StorageError) in
            try await store.updateInstance(updated, retainUntil: changeRetention(now), audit: audit)
        }
        try await deliver(entry)
        return stored
    }
}
