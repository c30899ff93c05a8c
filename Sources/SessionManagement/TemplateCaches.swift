import SessionCaching
import SessionStorage
import SessionTokens

/// A user as kept in memory: the row, and its template view (metadata JSON parsed once).
struct CachedUser: Sendable {
    let user: User
    let templateUser: TemplateUser
}

/// What minting a template token would otherwise read and re-derive on every request: the template
/// by name, compiled (claims parsed, shortcodes compiled, its own key opened with AES-GCM and its
/// PEM parsed), and the session's user with its metadata parsed. Both are views of the stream of
/// committed changes (`StreamFedCache`): an update or deletion anywhere drops them.
struct TemplateCaches: Sendable {
    /// Compiled templates by instance and name.
    let templates: StreamFedCache<CompiledTemplate>
    /// Users by id.
    let users: StreamFedCache<CachedUser>

    init(configuration: ManagementConfiguration, clock: @escaping @Sendable () -> Int64) {
        templates = StreamFedCache(byteBudget: configuration.templateCacheBytes, clock: clock)
        users = StreamFedCache(byteBudget: configuration.userCacheBytes, clock: clock)
    }

    /// The stream's entries, applied: a changed user or template, or a deleted user, leaves.
    func apply(_ entries: [Revocation]) {
        templates.follow()
        users.follow()
        for entry in entries {
            switch entry.target {
            case .userUpdated(let id), .user(let id, _, _):
                users.drop(id)
            case .templateChanged:
                // Renames move a template between keys: every template of the instance goes (there are few).
                let prefix = Self.templateKeyPrefix(instanceID: entry.instanceID)
                templates.drop { key, _ in key.hasPrefix(prefix) }
            case .session, .secretKey, .signingKey, .otherSessions, .consent, .tenantChanged:
                continue
            }
        }
    }

    static func templateKeyPrefix(instanceID: String) -> String { instanceID + "\u{0}" }

    /// A template's key: names and ids never hold NUL (`StoredText`), so no two pairs share one.
    static func templateKey(instanceID: String, name: String) -> String { templateKeyPrefix(instanceID: instanceID) + name }

    /// Bytes an entry holds, roughly: the row's text once, its parsed form about four times over.
    static func cost(of record: JWTTemplateRecord) -> Int {
        1024 + 5 * (record.claims.utf8.count + (record.customSigningKey?.material.utf8.count ?? 0))
    }

    static func cost(of user: User) -> Int {
        512 + 5 * (user.publicMetadata.utf8.count + user.unsafeMetadata.utf8.count) + user.privateMetadata.utf8.count
            + 64 * (user.emailAddresses.count + user.phoneNumbers.count)
    }
}

extension SessionManager {
    /// The instance's template named `name`, compiled at most once while it stays unchanged.
    func compiledTemplate(in instance: Instance, named name: String) async throws(ManagementError) -> CompiledTemplate {
        let key = TemplateCaches.templateKey(instanceID: instance.id, name: name)
        if let cached = templateCaches.templates.value(forKey: key) { return cached }
        let generation = templateCaches.templates.generation
        guard let record = try await storage({ () async throws(StorageError) in
            try await store.template(instanceID: instance.id, name: name)
        }) else {
            throw ManagementError(.notFound, "No JWT template exists with name: \(name)", resource: .template)
        }
        let compiled = try compile(record)
        // A template too large for a quarter of the budget is compiled per use rather than evict others.
        let cost = TemplateCaches.cost(of: record)
        if cost <= templateCaches.templates.budget / 4 {
            templateCaches.templates.remember(compiled, forKey: key, bytes: cost, readAt: generation)
        }
        return compiled
    }

    /// The user with their template view, read from the store at most once while they stay unchanged.
    func cachedUser(in instance: Instance, id: String) async throws(ManagementError) -> CachedUser {
        if let cached = templateCaches.users.value(forKey: id), cached.user.instanceID == instance.id { return cached }
        let generation = templateCaches.users.generation
        let user = try await storedUser(in: instance, id: id)
        let cached = CachedUser(user: user, templateUser: Self.templateUser(user))
        let cost = TemplateCaches.cost(of: user)
        if cost <= templateCaches.users.budget / 4 {
            templateCaches.users.remember(cached, forKey: id, bytes: cost, readAt: generation)
        }
        return cached
    }
}
