import SessionStorage
import Testing

/// Consents, "sign out all other sessions", anomalous sessions and tenant settings: the rules
/// every driver keeps for the user side (issue 12).
extension SessionStoreConformance {
    static let consentsAreGrantedInPlaceAndRevokedWithOneEntry: Check = { store in
        try await seed(store)
        try await seed(store, instance: "ins_b", user: "user_b")
        let granted = try await store.grantConsent(
            Consent(id: "cnst_1", instanceID: "ins_a", userID: "user_1", clientID: "photo-app", clientName: "Photo App", scopes: ["read"], grantedAt: t0),
            audit: nil)
        #expect(granted.id == "cnst_1" && granted.status == .active)
        // A re-grant of the same client is the same consent, updated in place.
        let again = try await store.grantConsent(
            Consent(id: "cnst_2", instanceID: "ins_a", userID: "user_1", clientID: "photo-app", clientName: "Photo App 2", scopes: ["read", "write"],
                grantedAt: t0 + 10), audit: nil)
        #expect(again.id == "cnst_1" && again.scopes == ["read", "write"] && again.clientName == "Photo App 2" && again.grantedAt == t0 + 10)
        #expect(try await store.consents(instanceID: "ins_a", userID: "user_1").map(\.id) == ["cnst_1"])
        // Another instance never sees it; a consent needs a user of its instance.
        #expect(try await store.consent(instanceID: "ins_b", id: "cnst_1") == nil)
        await expectError(.constraint) {
            _ = try await store.grantConsent(
                Consent(id: "cnst_3", instanceID: "ins_b", userID: "user_1", clientID: "x", clientName: "X", scopes: [], grantedAt: t0), audit: nil)
        }
        await expectError(.constraint) {
            _ = try await store.grantConsent(
                Consent(id: "cnst_4", instanceID: "ins_a", userID: "user_1", clientID: "x\u{0}y", clientName: "X", scopes: [], grantedAt: t0), audit: nil)
        }
        await expectError(.notFound) { _ = try await store.revokeConsent(instanceID: "ins_b", id: "cnst_1", at: t0 + 20, retainUntil: t0 + day, audit: nil) }
        let before = try await store.revocationBounds().highestAssigned
        let (revoked, entry) = try await store.revokeConsent(instanceID: "ins_a", id: "cnst_1", at: t0 + 20, retainUntil: t0 + day, audit: nil)
        #expect(revoked.status == .revoked && revoked.revokedAt == t0 + 20)
        #expect(entry?.target == .consent(id: "cnst_1", userID: "user_1", clientID: "photo-app", notBefore: t0 + 20))
        #expect(entry?.sequence == before + 1 && entry?.retainUntil == t0 + day)
        // As read back from the list, exactly as written.
        #expect(try await store.allRevocations(after: before, limit: 10) == [entry!])
        let (_, second) = try await store.revokeConsent(instanceID: "ins_a", id: "cnst_1", at: t0 + 30, retainUntil: t0 + day, audit: nil)
        #expect(second == nil, "a second revocation appends nothing")
        // After a revocation, a grant is a new consent; the revoked one stays listed.
        let fresh = try await store.grantConsent(
            Consent(id: "cnst_5", instanceID: "ins_a", userID: "user_1", clientID: "photo-app", clientName: "Photo App", scopes: ["read"], grantedAt: t0 + 40),
            audit: nil)
        #expect(fresh.id == "cnst_5")
        #expect(try await store.consents(instanceID: "ins_a", userID: "user_1").map(\.id) == ["cnst_5", "cnst_1"])
        #expect(try await store.markConsentUsed(instanceID: "ins_a", id: "cnst_5", at: t0 + 50))
        #expect(try await store.consent(instanceID: "ins_a", id: "cnst_5")?.lastUsedAt == t0 + 50)
        #expect(try await !store.markConsentUsed(instanceID: "ins_a", id: "cnst_1", at: t0 + 60), "a revoked consent records no use")
        // A use recorded after the revoker read its clock (another process, a slow transaction) moves the cut-off.
        #expect(try await store.markConsentUsed(instanceID: "ins_a", id: "cnst_5", at: t0 + 9_000))
        let (_, late) = try await store.revokeConsent(instanceID: "ins_a", id: "cnst_5", at: t0 + 100, retainUntil: t0 + day, audit: nil)
        #expect(late?.target == .consent(id: "cnst_5", userID: "user_1", clientID: "photo-app", notBefore: t0 + 9_000))
    }

    static let otherSessionsEntryKeepsTheCurrentSession: Check = { store in
        let sessions = try await seed(store, sessions: 3)
        try await seed(store, instance: "ins_b", user: "user_b", sessions: 1)
        let kept = sessions[1].id
        let before = try await store.revocationBounds().highestAssigned
        let entry = try await store.revokeUserSessions(
            instanceID: "ins_a", userID: "user_1", except: kept, at: t0 + 5000, retainUntil: t0 + day, audit: nil)
        #expect(entry.target == .otherSessions(userID: "user_1", keptSessionID: kept, notBefore: t0 + 5000, sessionIDs: [sessions[0].id, sessions[2].id]))
        #expect(try await store.allRevocations(after: before, limit: 10) == [entry], "one entry, read back as written")
        #expect(try await store.session(instanceID: "ins_a", id: kept)?.status == .active)
        #expect(try await store.session(instanceID: "ins_a", id: sessions[0].id)?.status == .revoked)
        #expect(try await store.session(instanceID: "ins_a", id: sessions[2].id)?.status == .revoked)
        #expect(try await store.session(instanceID: "ins_b", id: "sess_ins_b_user_b_0")?.status == .active)
        await expectError(.constraint) {
            _ = try await store.revokeUserSessions(instanceID: "ins_a", userID: "user_1", except: "sess_\u{0}", at: t0, retainUntil: t0, audit: nil)
        }
    }

    static let anomaliesAreMarkedAndFiltered: Check = { store in
        try await seed(store)
        let opened = Session(
            id: "sess_anomalous", instanceID: "ins_a", userID: "user_1", clientID: "client_ins_a_user_1", lastActiveAt: t0, expireAt: t0 + day,
            abandonAt: t0 + day, createdAt: t0, updatedAt: t0, activity: Session.Activity(deviceType: "desktop", osName: "Mac OS X", country: "GB"),
            openedCountry: "GB", openedDevice: "desktop/Mac OS X")
        try await store.createSession(opened, audit: nil)
        try await store.createSession(
            Session(id: "sess_calm", instanceID: "ins_a", userID: "user_1", clientID: "client_ins_a_user_1", lastActiveAt: t0, expireAt: t0 + day,
                abandonAt: t0 + day, createdAt: t0 + 1, updatedAt: t0 + 1), audit: nil)
        let stored = try await store.session(instanceID: "ins_a", id: "sess_anomalous")
        #expect(stored?.openedCountry == "GB" && stored?.openedDevice == "desktop/Mac OS X" && stored?.anomalous == false)
        let flag = AuditDraft(id: "aud_flag", type: "auth.session_anomaly", occurredAt: t0 + 5, actor: .system, sessionID: "sess_anomalous")
        let recorded = try await store.recordActivity(
            instanceID: "ins_a", id: "sess_anomalous", activity: Session.Activity(country: "US"), at: t0 + 5, anomaly: flag)
        #expect(recorded.anomalous && recorded.openedCountry == "GB" && recorded.activity?.country == "US")
        let all = try await store.activeSessions(ActiveSessionQuery(instanceID: "ins_a", limit: 10, now: t0 + 10))
        let flagged = try await store.activeSessions(ActiveSessionQuery(instanceID: "ins_a", limit: 10, now: t0 + 10, anomalousOnly: true))
        #expect(all.count == 2 && flagged.map(\.id) == ["sess_anomalous"])
        #expect(try await store.auditEvents(AuditQuery(instanceID: "ins_a", type: "auth.session_anomaly", limit: 10)).map(\.id) == ["aud_flag"])
        // A revoked session records nothing, and no event.
        _ = try await store.revokeSession(instanceID: "ins_a", id: "sess_calm", at: t0 + 20, leeway: 0)
        _ = try await store.recordActivity(
            instanceID: "ins_a", id: "sess_calm", activity: Session.Activity(country: "US"), at: t0 + 30,
            anomaly: AuditDraft(id: "aud_late", type: "auth.session_anomaly", occurredAt: t0 + 30, actor: .system))
        #expect(try await store.session(instanceID: "ins_a", id: "sess_calm")?.anomalous == false)
        #expect(try await store.auditEvents(AuditQuery(instanceID: "ins_a", limit: 10)).map(\.id) == ["aud_flag"])
    }

    static let tenantSettingsChangeOnTheStream: Check = { store in
        try await seed(store)
        var instance = try #require(try await store.instance(id: "ins_a"))
        instance.allowedOrigins = ["https://app.example.com"]
        instance.anomalyAction = .revoke
        instance.slug = "renamed"
        let before = try await store.revocationBounds().highestAssigned
        let (stored, entry) = try await store.updateInstance(instance, retainUntil: t0 + day, audit: nil)
        #expect(stored.allowedOrigins == ["https://app.example.com"] && stored.anomalyAction == .revoke && stored.slug == "ins-a")
        #expect(entry.target == .tenantChanged(id: "ins_a"))
        #expect(try await store.allRevocations(after: before, limit: 10) == [entry])
        #expect(try await store.instance(id: "ins_a")?.anomalyAction == .revoke)
        instance.id = "ins_missing"
        await expectError(.notFound) { _ = try await store.updateInstance(instance, retainUntil: t0, audit: nil) }
        // A tenant's chain starts with its creation; a creation whose event cannot be stored creates nothing.
        let created = AuditDraft(id: "aud_created", type: "tenant.created", occurredAt: t0, actor: AuditEvent.Actor(type: .operator, id: "key_op"))
        try await store.createInstance(Instance(id: "ins_c", slug: "ins-c", environment: .production, createdAt: t0), signingKey: nil, audit: created)
        let first = try await store.auditEvents(AuditQuery(instanceID: "ins_c", limit: 10))
        #expect(first.map(\.type) == ["tenant.created"] && first.first?.sequence == 1 && first.first?.previousHash == AuditChain.genesis)
        var broken = created
        broken.id = "aud_bad"
        broken.actor = AuditEvent.Actor(type: .operator, id: "key\u{0}")
        await expectError(.constraint) {
            try await store.createInstance(Instance(id: "ins_d", slug: "ins-d", environment: .production, createdAt: t0), signingKey: nil, audit: broken)
        }
        #expect(try await store.instance(id: "ins_d") == nil)
    }
}
