import Foundation
import SessionStorage
import Testing

/// A store filled through the `SessionStore` API only, with a bit of everything the schema holds:
/// three tenants (a rotated signing key, a changed setting), live, used and revoked secret keys,
/// users with contacts (one updated, one deleted), sessions in every status (revoked one by one,
/// user-wide, "all other sessions", anomalous, with activity), templates (one with its own key,
/// one updated, one deleted), consents (one revoked), audited writes, a pruned audit log and a
/// pruned revocation entry at the head of the feed.
enum SampleData {
    static let t0: Int64 = 1_800_000_000_000
    static let day: Int64 = 86_400_000
    static let tenants = ["ins_default", "ins_b", "ins_c"]
    static let keep = t0 + 365 * day

    static func audit(_ id: String, _ type: String, at: Int64, user: String? = nil, session: String? = nil) -> AuditDraft {
        AuditDraft(
            id: id, type: type, occurredAt: at, actor: AuditEvent.Actor(type: .secretKey, id: "sk_audit"), userID: user, sessionID: session,
            ipAddress: "2001:db8::7", userAgent: "copy-test/1.0 (\u{00e9}\u{4e2d})", data: ["reason": .string("sample \u{1F600}"), "n": .integer(7)])
    }

    static func fill(_ store: any SessionStore) async throws {
        for (index, tenant) in tenants.enumerated() {
            try await fillTenant(store, tenant, index: Int64(index))
        }
        // The feed's highest entry is pruned: the head stays above every entry left.
        let (_, last) = try await store.revokeSecretKey(instanceID: "ins_c", id: "sk_ins_c_2", at: t0 + 9 * day, retainUntil: t0 + 9 * day + 1)
        #expect(last != nil)
        #expect(try await store.pruneRevocations(now: t0 + 9 * day + 1) == 1)
    }

    private static func fillTenant(_ store: any SessionStore, _ tenant: String, index: Int64) async throws {
        let at = t0 + index * 1000
        let algorithms = ["RS256", "ES256", "EdDSA"]
        let instance = Instance(
            id: tenant, slug: tenant == "ins_default" ? "default" : tenant.replacingOccurrences(of: "_", with: "-"),
            environment: index == 1 ? .production : .development, signingAlgorithm: algorithms[Int(index)],
            allowedOrigins: index == 1 ? ["https://app.example.com", "http://localhost:3000"] : [], allowsBackendSignIn: index == 2,
            createdAt: at)
        let key1 = SigningKeyRecord(
            keyID: "kid_\(tenant)_1", instanceID: tenant, generation: 1, algorithm: instance.signingAlgorithm, material: "sealed-\(tenant)-1",
            createdAt: at, activatesAt: at)
        try await store.createInstance(instance, signingKey: key1, audit: audit("aud_\(tenant)_0", "tenant.created", at: at))
        _ = try await store.addSigningKey(
            SigningKeyRecord(
                keyID: "kid_\(tenant)_2", instanceID: tenant, generation: 2, algorithm: instance.signingAlgorithm, material: "sealed-\(tenant)-2",
                createdAt: at + day, activatesAt: at + day + 3_600_000),
            retainUntil: keep, audit: audit("aud_\(tenant)_k", "signing_key.rotated", at: at + day))
        for number in 1...3 {
            try await store.addSecretKey(
                SecretKeyRecord(
                    id: "sk_\(tenant)_\(number)", instanceID: tenant, hash: (0..<32).map { UInt8(truncatingIfNeeded: $0 * number + Int(index)) },
                    displayPrefix: "sk_test_\(number)", createdAt: at + Int64(number)))
        }
        try await store.markSecretKeyUsed(id: "sk_\(tenant)_1", at: at + 2 * day)
        _ = try await store.revokeSecretKey(instanceID: tenant, id: "sk_\(tenant)_3", at: at + 2 * day, retainUntil: keep)
        if index == 1 {
            var changed = instance
            changed.allowedOrigins = ["https://app.example.com"]
            changed.anomalyAction = .revoke
            _ = try await store.updateInstance(changed, retainUntil: keep, audit: audit("aud_\(tenant)_t", "tenant.updated", at: at + 2 * day))
        }

        var users: [String] = []
        for number in 1...4 {
            let id = "user_\(tenant)_\(number)"
            users.append(id)
            let user = User(
                id: id, instanceID: tenant, externalID: number == 1 ? nil : "ext-\(tenant)-\(number)",
                firstName: number == 2 ? "\u{0130}lkay" : "Ada", lastName: "L\u{00f8}velace \(number)", username: "Ada\(number)_\(index)",
                imageURL: "https://img.example.com/\(number).png",
                emailAddresses: [
                    User.EmailAddress(id: "idn_\(id)_e1", emailAddress: "Ada.\(number)@Example.COM", verified: true),
                    User.EmailAddress(id: "idn_\(id)_e2", emailAddress: "\u{00e5}da\(number)@example.org", verified: false),
                ],
                primaryEmailAddressID: "idn_\(id)_e1",
                phoneNumbers: number == 3 ? [] : [User.PhoneNumber(id: "idn_\(id)_p1", phoneNumber: "+1555000\(index)\(number)", verified: true)],
                primaryPhoneNumberID: number == 3 ? nil : "idn_\(id)_p1", publicMetadata: #"{"plan":"pro","n":\#(number)}"#,
                privateMetadata: #"{"note":"\u0001 escaped"}"#, unsafeMetadata: "{}", twoFactorEnabled: number == 2, createdAt: at + Int64(number),
                updatedAt: at + Int64(number))
            try await store.createUser(user, audit: audit("aud_\(id)_c", "user.created", at: at + Int64(number), user: id))
        }
        var updated = try #require(try await store.user(instanceID: tenant, id: users[1]))
        updated.lastName = "Byron"
        updated.updatedAt = at + 3 * day
        _ = try await store.updateUser(updated, retainUntil: keep, audit: audit("aud_\(tenant)_u", "user.updated", at: at + 3 * day, user: users[1]))

        let clients = ["client_\(tenant)_1", "client_\(tenant)_2"]
        for (number, client) in clients.enumerated() {
            try await store.createClient(Client(id: client, instanceID: tenant, createdAt: at + Int64(number), updatedAt: at + Int64(number)))
        }
        var sessions: [String] = []
        for (userIndex, user) in users.enumerated() {
            // The first user has a session in every status, and two more active ones.
            let statuses = userIndex == 0 ? Session.Status.allCases + [.active, .active] : [.active]
            for (statusIndex, status) in statuses.enumerated() {
                let id = "sess_\(tenant)_\(userIndex)_\(statusIndex)"
                let created = at + Int64(userIndex * 100 + statusIndex) * 1000
                let activity = Session.Activity(
                    userAgent: "Mozilla/5.0 (X11; Linux x86_64) \u{201c}quoted\u{201d}", ipAddress: statusIndex % 2 == 0 ? "203.0.113.\(statusIndex + 1)" : "2001:db8::\(statusIndex)",
                    deviceType: "desktop", isMobile: statusIndex == 3, browserName: "Firefox", browserVersion: "133.0", osName: "Linux", city: "K\u{00f8}benhavn",
                    country: "DK")
                try await store.createSession(
                    Session(
                        id: id, instanceID: tenant, userID: user, clientID: clients[statusIndex % 2], status: status,
                        actor: statusIndex == 2 ? #"{"sub":"user_admin"}"# : nil, lastActiveOrganizationID: statusIndex == 1 ? "org_1" : nil,
                        lastActiveAt: created, expireAt: created + 300 * day, abandonAt: created + 400 * day, createdAt: created, updatedAt: created,
                        activity: statusIndex == 5 ? nil : activity, authMethod: "password", mfaVerified: statusIndex == 4,
                        tokenHorizon: created + 200 * day, anomalous: false, openedCountry: "DK", openedDevice: "desktop"),
                    audit: audit("aud_\(id)", "session.created", at: created, user: user, session: id))
                sessions.append(id)
            }
        }
        // Sessions revoked one by one, an anomaly, a touch, all other sessions, and a deleted user's.
        _ = try await store.revokeSession(
            instanceID: tenant, id: "sess_\(tenant)_0_0", at: at + 4 * day, leeway: 60_000,
            audit: audit("aud_\(tenant)_r1", "session.revoked", at: at + 4 * day, user: users[0], session: "sess_\(tenant)_0_0"))
        _ = try await store.recordActivity(
            instanceID: tenant, id: "sess_\(tenant)_1_0", activity: Session.Activity(ipAddress: "198.51.100.9", country: "NZ"), at: at + 4 * day,
            anomaly: audit("aud_\(tenant)_an", "session.anomaly", at: at + 4 * day, user: users[1], session: "sess_\(tenant)_1_0"))
        _ = try await store.touchSession(instanceID: tenant, id: "sess_\(tenant)_2_0", at: at + 4 * day, interval: 1000, horizon: at + 5 * day)
        _ = try await store.revokeUserSessions(
            instanceID: tenant, userID: users[1], except: nil, at: at + 5 * day, retainUntil: keep,
            audit: audit("aud_\(tenant)_ru", "user.sessions_revoked", at: at + 5 * day, user: users[1]))
        _ = try await store.revokeUserSessions(
            instanceID: tenant, userID: users[0], except: "sess_\(tenant)_0_9", at: at + 5 * day + 1, retainUntil: keep,
            audit: audit("aud_\(tenant)_ro", "user.other_sessions_revoked", at: at + 5 * day + 1, user: users[0]))
        _ = try await store.deleteUser(
            instanceID: tenant, id: users[3], at: at + 6 * day, retainUntil: keep,
            audit: audit("aud_\(tenant)_d", "user.deleted", at: at + 6 * day, user: users[3]))

        let templates = [
            JWTTemplateRecord(
                id: "jtmp_\(tenant)_1", instanceID: tenant, name: "supabase", claims: #"{"aud":"authenticated","role":"{{user.public_metadata.role}}"}"#,
                lifetime: 3600, allowedClockSkew: 10, createdAt: at + 1, updatedAt: at + 1),
            JWTTemplateRecord(
                id: "jtmp_\(tenant)_2", instanceID: tenant, name: "hasura \u{2014} own key", claims: "{}", signingAlgorithm: "HS256",
                customSigningKey: JWTTemplateRecord.SigningKey(algorithm: "HS256", material: "sealed-template-key-\(tenant)"), createdAt: at + 2,
                updatedAt: at + 2),
            JWTTemplateRecord(id: "jtmp_\(tenant)_3", instanceID: tenant, name: "gone", claims: "{}", createdAt: at + 3, updatedAt: at + 3),
        ]
        for template in templates {
            try await store.createTemplate(template, audit: audit("aud_\(template.id)", "template.created", at: template.createdAt))
        }
        var changedTemplate = templates[0]
        changedTemplate.lifetime = 7200
        changedTemplate.updatedAt = at + 6 * day
        _ = try await store.updateTemplate(changedTemplate, retainUntil: keep, audit: nil)
        _ = try await store.deleteTemplate(instanceID: tenant, id: templates[2].id, at: at + 6 * day, retainUntil: keep, audit: nil)

        for (number, user) in users.prefix(3).enumerated() {
            let consent = Consent(
                id: "consent_\(tenant)_\(number)", instanceID: tenant, userID: user, clientID: "oauth_app_\(number)", clientName: "App \u{00d8}",
                scopes: ["openid", "profile", "email"], grantedAt: at + 7 * day)
            _ = try await store.grantConsent(consent, audit: audit("aud_\(consent.id)", "consent.granted", at: at + 7 * day, user: user))
        }
        _ = try await store.markConsentUsed(instanceID: tenant, id: "consent_\(tenant)_1", at: at + 7 * day + 5)
        _ = try await store.revokeConsent(
            instanceID: tenant, id: "consent_\(tenant)_0", at: at + 8 * day, retainUntil: keep,
            audit: audit("aud_\(tenant)_cr", "consent.revoked", at: at + 8 * day, user: users[0]))
        _ = try await store.appendAudit(instanceID: tenant, audit("aud_\(tenant)_bare", "admin.exported", at: at + 8 * day))
        if index == 2 {
            let pruned = try await store.pruneAudit(
                instanceID: tenant, before: at + 2 * day, record: AuditDraft(id: "aud_\(tenant)_pruned", type: AuditChain.prunedType, occurredAt: at + 8 * day, actor: .system))
            #expect(pruned > 0)
        }
    }
}
