/// The in-memory twin's audit log and OAuth consents.
extension InMemorySessionStore {
    // MARK: Audit log

    /// The draft linked after the tenant's last event and checked, not yet stored: a write checks
    /// its event before it changes anything, then stores it with `commit`.
    func prepare(_ draft: AuditDraft?, instanceID: String) throws(StorageError) -> AuditEvent? {
        guard let draft else { return nil }
        let last = auditLog[instanceID]?.last
        let event = AuditChain.link(
            draft, instanceID: instanceID, sequence: (last?.sequence ?? auditPrunedThrough[instanceID] ?? 0) + 1,
            previousHash: last?.hash ?? auditPrunedHash[instanceID] ?? AuditChain.genesis)
        try event.checkStorable()
        guard !auditLog.values.contains(where: { $0.contains { $0.id == event.id } }) else {
            throw StorageError(.conflict, "audit event \(event.id) exists")
        }
        return event
    }

    func commit(_ event: AuditEvent?) {
        guard let event else { return }
        auditLog[event.instanceID, default: []].append(event)
    }

    public func auditEvents(_ query: AuditQuery) -> [AuditEvent] {
        let events = auditLog[query.instanceID] ?? []
        switch query.order {
        case .oldestFirst: return Array(events.lazy.filter(query.matches).prefix(query.limit))
        case .newestFirst: return Array(events.reversed().lazy.filter(query.matches).prefix(query.limit))
        }
    }

    public func appendAudit(instanceID: String, _ draft: AuditDraft) throws(StorageError) -> AuditEvent {
        guard instanceTable[instanceID] != nil else { throw Self.missing("instance", instanceID) }
        let event = try prepare(draft, instanceID: instanceID)!
        commit(event)
        return event
    }

    public func pruneAudit(instanceID: String, before: Int64, record: AuditDraft) throws(StorageError) -> Int {
        let events = auditLog[instanceID] ?? []
        let count = events.prefix { $0.occurredAt < before }.count
        guard count > 0, let last = events.prefix(count).last else { return 0 }
        var draft = record
        draft.data["through_seq"] = .integer(last.sequence)
        draft.data["last_hash"] = .string(AuditChain.hex(last.hash))
        draft.data["removed"] = .integer(Int64(count))
        let event = try prepare(draft, instanceID: instanceID)
        auditLog[instanceID] = Array(events.dropFirst(count))
        auditPrunedThrough[instanceID] = last.sequence
        auditPrunedHash[instanceID] = last.hash
        commit(event)
        return count
    }

    // MARK: OAuth consents

    public func grantConsent(_ consent: Consent, audit: AuditDraft?) throws(StorageError) -> Consent {
        try consent.checkStorable()
        guard consent.status == .active, user(instanceID: consent.instanceID, id: consent.userID) != nil else {
            throw StorageError(.constraint, "a consent is granted active, to a user of its instance")
        }
        var stored = consent
        if let existing = consentTable.values.first(where: {
            $0.instanceID == consent.instanceID && $0.userID == consent.userID && $0.clientID == consent.clientID && $0.status == .active
        }) {
            stored.id = existing.id
            stored.lastUsedAt = existing.lastUsedAt
        } else if consentTable[consent.id] != nil {
            throw StorageError(.conflict, "consent \(consent.id) exists")
        }
        let event = try prepare(audit.map { var draft = $0; draft.data["consent_id"] = .string(stored.id); return draft }, instanceID: consent.instanceID)
        consentTable[stored.id] = stored
        commit(event)
        return stored
    }

    public func consent(instanceID: String, id: String) -> Consent? {
        consentTable[id].flatMap { $0.instanceID == instanceID ? $0 : nil }
    }

    public func consents(instanceID: String, userID: String) -> [Consent] {
        consentTable.values.filter { $0.instanceID == instanceID && $0.userID == userID }.sorted { ($0.grantedAt, $0.id) > ($1.grantedAt, $1.id) }
    }

    public func revokeConsent(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) throws(StorageError) -> (Consent, Revocation?) {
        guard var consent = consent(instanceID: instanceID, id: id) else { throw Self.missing("consent", id) }
        guard consent.status == .active else { return (consent, nil) }
        let event = try prepare(audit, instanceID: instanceID)
        consent.status = .revoked
        consent.revokedAt = at
        consentTable[id] = consent
        let cutOff = max(at, consent.lastUsedAt ?? at)
        let entry = append(
            instanceID: instanceID, target: .consent(id: id, userID: consent.userID, clientID: consent.clientID, notBefore: cutOff), at: at,
            retainUntil: retainUntil)
        commit(event)
        return (consent, entry)
    }

    public func markConsentUsed(instanceID: String, id: String, at: Int64) -> Bool {
        guard var consent = consent(instanceID: instanceID, id: id), consent.status == .active else { return false }
        consent.lastUsedAt = max(consent.lastUsedAt ?? 0, at)
        consentTable[id] = consent
        return true
    }
}
