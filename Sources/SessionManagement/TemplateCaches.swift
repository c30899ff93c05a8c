import SessionStorage
import SessionTokens

/// What minting a template token would otherwise re-derive on every request: the compiled template
/// (claims JSON parsed, shortcodes compiled, its own key opened with AES-GCM and its PEM parsed),
/// and the template view of the user (metadata JSON parsed). Each is keyed by the row it was built
/// from, which the mint reads from the store anyway, so an update anywhere invalidates it.
struct TemplateCaches: Sendable {
    /// Templates are few per instance; 256 rows of claims (at most a few KiB each) and keys.
    let templates = CompiledCache<JWTTemplateRecord, CompiledTemplate>(countLimit: 256, byteLimit: 4 << 20)
    /// The users minting lately; metadata is capped at 8 KiB per object.
    let users = CompiledCache<User, TemplateUser>(countLimit: 4096, byteLimit: 16 << 20)

    /// Bytes an entry holds, roughly: the row's text once, its parsed form about four times over.
    static func cost(of record: JWTTemplateRecord) -> Int {
        1024 + 5 * (record.claims.utf8.count + (record.customSigningKey?.material.utf8.count ?? 0))
    }

    static func cost(of user: User) -> Int {
        512 + 5 * (user.publicMetadata.utf8.count + user.unsafeMetadata.utf8.count) + user.privateMetadata.utf8.count
    }
}

extension SessionManager {
    /// The template compiled from this row, built at most once per version of the row.
    func compiledTemplate(_ record: JWTTemplateRecord) throws(ManagementError) -> CompiledTemplate {
        try templateCaches.templates.value(id: record.id, source: record, cost: TemplateCaches.cost(of: record)) {
            record throws(ManagementError) in try compile(record)
        }
    }

    /// The template view of this user, its metadata parsed at most once per version of the row.
    func templateUser(for user: User) -> TemplateUser {
        templateCaches.users.value(id: user.id, source: user, cost: TemplateCaches.cost(of: user)) { user in Self.templateUser(user) }
    }
}
