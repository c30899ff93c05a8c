import SessionNetwork
import SessionStorage

/// Everything a store holds, as its `SessionStore` API reads it back: equal for two stores means
/// equal for every caller of the protocol.
struct StoreContents: Hashable {
    struct Tenant: Hashable {
        var instance: Instance
        var signingKeys: [SigningKeyRecord]
        var secretKeys: [SecretKeyRecord]
        var users: [User]
        var usersFoundByText: [String]
        var usersFoundByEmail: [String]
        var clients: [Client]
        var sessions: [Session]
        var activeInBlock: [String]
        var templates: [JWTTemplateRecord]
        var consents: [Consent]
        var audit: [AuditEvent]
        var revocations: [Revocation]
    }

    var tenants: [Tenant]
    var allRevocations: [Revocation]
    var bounds: RevocationBounds
    var templateKeys: [TemplateKeyMaterial]

    static func read(_ store: any SessionStore, now: Int64) async throws -> StoreContents {
        var tenants: [Tenant] = []
        for instance in try await store.instances() {
            let id = instance.id
            let users = try await store.users(UserQuery(instanceID: id, limit: 500)).items
            var consents: [Consent] = []
            // The deleted user's id too: consents outlive nothing, but a lookup must not fail.
            for user in users.map(\.id) + ["user_\(id)_4"] { consents += try await store.consents(instanceID: id, userID: user) }
            tenants.append(
                Tenant(
                    instance: instance, signingKeys: try await store.signingKeys(instanceID: id), secretKeys: try await store.secretKeys(instanceID: id),
                    users: users,
                    // The search key (computed on PostgreSQL) and the identifiers (copied) answer the same.
                    usersFoundByText: try await store.users(UserQuery(instanceID: id, text: "\u{0131}lkay", limit: 500)).items.map(\.id)
                        + (try await store.users(UserQuery(instanceID: id, text: "L\u{00d8}VELACE", limit: 500)).items.map(\.id)),
                    usersFoundByEmail: try await store.users(UserQuery(instanceID: id, emailAddresses: ["ada.1@example.com", "\u{00c5}DA2@EXAMPLE.ORG"], limit: 500))
                        .items.map(\.id),
                    clients: try await store.clients(instanceID: id, limit: 500, offset: 0).items,
                    sessions: try await store.sessions(SessionQuery(instanceID: id, limit: 500, now: now)).items,
                    activeInBlock: try await store.activeSessions(
                        ActiveSessionQuery(instanceID: id, addresses: IPNetwork("2001:db8::/64"), limit: 500, now: now)
                    ).map(\.id),
                    templates: try await store.templates(instanceID: id, limit: 500, offset: 0).items,
                    consents: consents,
                    audit: try await store.auditEvents(AuditQuery(instanceID: id, limit: 10_000)),
                    revocations: try await store.revocations(instanceID: id, after: 0, limit: 10_000)))
        }
        return StoreContents(
            tenants: tenants, allRevocations: try await store.allRevocations(after: 0, limit: 10_000), bounds: try await store.revocationBounds(),
            templateKeys: try await store.templateKeyMaterials().sorted { $0.templateID < $1.templateID })
    }
}
