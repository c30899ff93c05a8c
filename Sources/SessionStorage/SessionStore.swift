public import SessionNetwork

/// A page of records and how many match in all.
public struct Page<Record: Sendable & Hashable>: Sendable, Hashable {
    public var items: [Record]
    public var totalCount: Int
    public init(items: [Record], totalCount: Int) {
        self.items = items
        self.totalCount = totalCount
    }
}

/// Which sessions to list: always within one instance, newest first.
public struct SessionQuery: Sendable, Hashable {
    public var instanceID: String
    public var userID: String?
    public var clientID: String?
    /// Matched against the effective status at `now`.
    public var status: Session.Status?
    public var limit: Int
    public var offset: Int
    /// Unix milliseconds, for effective statuses.
    public var now: Int64

    public init(
        instanceID: String, userID: String? = nil, clientID: String? = nil, status: Session.Status? = nil, limit: Int = 10,
        offset: Int = 0, now: Int64
    ) {
        self.instanceID = instanceID
        self.userID = userID
        self.clientID = clientID
        self.status = status
        self.limit = limit
        self.offset = offset
        self.now = now
    }
}

/// Where a keyset page of sessions starts: after the session with this `createdAt` and `id`, in
/// newest-first order.
public struct SessionCursor: Sendable, Hashable {
    public var createdAt: Int64
    public var id: String
    public init(createdAt: Int64, id: String) {
        self.createdAt = createdAt
        self.id = id
    }
}

/// The effectively active sessions of one instance, newest first (`createdAt`, then `id`, both
/// descending), a keyset page at a time: a page never repeats or skips a session whatever is
/// created or revoked between pages.
public struct ActiveSessionQuery: Sendable, Hashable {
    public var instanceID: String
    public var userID: String?
    /// Only sessions whose recorded address lies in this block (a single address is a /32 or /128).
    public var addresses: IPNetwork?
    public var after: SessionCursor?
    public var limit: Int
    /// Unix milliseconds, for effective statuses.
    public var now: Int64
    /// Only sessions marked anomalous.
    public var anomalousOnly: Bool

    public init(
        instanceID: String, userID: String? = nil, addresses: IPNetwork? = nil, after: SessionCursor? = nil, limit: Int, now: Int64,
        anomalousOnly: Bool = false
    ) {
        self.anomalousOnly = anomalousOnly
        self.instanceID = instanceID
        self.userID = userID
        self.addresses = addresses
        self.after = after
        self.limit = limit
        self.now = now
    }
}

/// Persistence for sessions and everything they hang off. Every driver (the in-memory twin,
/// SQLite, later PostgreSQL) passes the same conformance suite.
///
/// Rules every driver keeps: records are scoped to an instance (a record of another instance is
/// `notFound`); a write either happens completely or not at all; a revocation's status change and
/// its list entry commit together, and entries are numbered in commit order with no holes; an
/// acknowledged write survives a crash (drivers with storage); text with a control character is
/// refused (`constraint`) and an id with one is found nowhere (`StoredText`). Time is always a parameter.
///
/// A write given an `audit` draft appends it to the tenant's hash-chained audit log in the same
/// transaction (`AuditChain.link`), and only when the write changed something: a change and its
/// event commit together or not at all.
public protocol SessionStore: Sendable {
    // MARK: Instances, their signing keys and secret keys
    /// Creates the instance with its first signing key (when given), in one transaction. A taken
    /// id or slug is a `conflict`.
    func createInstance(_ instance: Instance, signingKey: SigningKeyRecord?, audit: AuditDraft?) async throws(StorageError)
    func instance(id: String) async throws(StorageError) -> Instance?
    func instance(slug: String) async throws(StorageError) -> Instance?
    /// Every instance, oldest first.
    func instances() async throws(StorageError) -> [Instance]
    /// The instance's signing keys, by generation.
    func signingKeys(instanceID: String) async throws(StorageError) -> [SigningKeyRecord]
    /// Adds a key and appends its `signingKey` entry, in one transaction. A generation or `kid`
    /// already stored is a `conflict` (two processes rotating at once: one wins).
    func addSigningKey(_ key: SigningKeyRecord, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation
    /// Every signing key of every instance, for the start-up pass that re-seals key material.
    func allSigningKeys() async throws(StorageError) -> [SigningKeyRecord]
    /// Replaces the material of every row that still holds its stored material, in one
    /// transaction; returns how many rows were replaced.
    func replaceSigningKeyMaterials(_ replacements: [SigningKeyRecord.Replacement]) async throws(StorageError) -> Int
    func addSecretKey(_ key: SecretKeyRecord, audit: AuditDraft?) async throws(StorageError)
    /// The live (not revoked) key with this hash.
    func secretKey(hash: [UInt8]) async throws(StorageError) -> SecretKeyRecord?
    /// Every key of the instance, revoked ones included, oldest first.
    func secretKeys(instanceID: String) async throws(StorageError) -> [SecretKeyRecord]
    /// Marks the key revoked and appends its entry, in one transaction. Idempotent: a key already
    /// revoked is returned unchanged, with no entry.
    func revokeSecretKey(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> (SecretKeyRecord, Revocation?)
    /// Records that the key authenticated a request at `at`.
    func markSecretKeyUsed(id: String, at: Int64) async throws(StorageError)
    /// Replaces the instance's settings (allowed origins, anomaly action) and appends a
    /// `tenantChanged` entry, in one transaction; id, slug, environment and creation time stay as stored.
    func updateInstance(_ instance: Instance, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> (Instance, Revocation)

    // MARK: Users and clients
    /// No two live users of an instance share an email address, username or phone number
    /// (`User.identifiers`, compared case-insensitively): the write that would make them is a
    /// `conflict` whose `field` names the identifier, decided inside the writing transaction.
    func createUser(_ user: User, audit: AuditDraft?) async throws(StorageError)
    func user(instanceID: String, id: String) async throws(StorageError) -> User?
    /// The live user with this external id in the instance.
    func user(instanceID: String, externalID: String) async throws(StorageError) -> User?
    /// The users matching the query, in its order, with how many match in all.
    func users(_ query: UserQuery) async throws(StorageError) -> Page<User>
    /// How many users match the query (its order, limit and offset do not matter).
    func userCount(_ query: UserQuery) async throws(StorageError) -> Int
    /// Updates the user and appends a `userUpdated` entry (at `updatedAt`), in one transaction.
    func updateUser(_ user: User, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation
    /// Deletes the user, revokes their active sessions and appends one user-wide revocation entry
    /// (not one per session), all in one transaction.
    func deleteUser(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation
    func createClient(_ client: Client) async throws(StorageError)
    func client(instanceID: String, id: String) async throws(StorageError) -> Client?
    /// The instance's clients, newest first (`createdAt`, then `id`, both descending).
    func clients(instanceID: String, limit: Int, offset: Int) async throws(StorageError) -> Page<Client>

    // MARK: Sessions
    /// The user and the client must exist in the session's instance.
    func createSession(_ session: Session, audit: AuditDraft?) async throws(StorageError)
    func session(instanceID: String, id: String) async throws(StorageError) -> Session?
    func sessions(_ query: SessionQuery) async throws(StorageError) -> Page<Session>
    /// A keyset page of effectively active sessions (at most `limit`).
    func activeSessions(_ query: ActiveSessionQuery) async throws(StorageError) -> [Session]
    /// Replaces the session's activity and moves `lastActiveAt` to `at`, while its stored status is
    /// `active`; returns the session as stored after it. With `anomaly`, also marks the session
    /// anomalous and appends that event.
    func recordActivity(instanceID: String, id: String, activity: Session.Activity, at: Int64, anomaly: AuditDraft?) async throws(StorageError) -> Session
    /// Marks the session revoked and, when it was effectively active at `at`, appends its entry, in
    /// one transaction. Idempotent: a session that is no longer active is returned unchanged, with no entry.
    /// The entry is kept until `revocationRetention(leeway:)` of the session as stored in that
    /// transaction: a horizon moved by a mint that committed first is honoured.
    func revokeSession(instanceID: String, id: String, at: Int64, leeway: Int64, audit: AuditDraft?) async throws(StorageError) -> (Session, Revocation?)
    /// Revokes every active session of the user with one user-wide entry ("sign out everywhere")
    /// that lists them; with `except`, every one but that session, with one `otherSessions` entry
    /// ("sign out all other sessions").
    func revokeUserSessions(
        instanceID: String, userID: String, except: String?, at: Int64, retainUntil: Int64, audit: AuditDraft?
    ) async throws(StorageError) -> Revocation
    /// Moves `lastActiveAt` to `at` when it is at least `interval` milliseconds older and, while the
    /// session's stored status is `active`, moves `tokenHorizon` up to `horizon` (never down), in one
    /// write; returns the session as stored after it. A caller that needed the horizon checks it.
    func touchSession(instanceID: String, id: String, at: Int64, interval: Int64, horizon: Int64?) async throws(StorageError) -> Session

    // MARK: JWT templates
    func createTemplate(_ template: JWTTemplateRecord, audit: AuditDraft?) async throws(StorageError)
    func template(instanceID: String, id: String) async throws(StorageError) -> JWTTemplateRecord?
    func template(instanceID: String, name: String) async throws(StorageError) -> JWTTemplateRecord?
    /// Oldest first, like Clerk's listing.
    func templates(instanceID: String, limit: Int, offset: Int) async throws(StorageError) -> Page<JWTTemplateRecord>
    /// Updates the template and appends a `templateChanged` entry (at `updatedAt`), in one transaction.
    func updateTemplate(_ template: JWTTemplateRecord, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation
    /// Deletes the template and appends a `templateChanged` entry, in one transaction.
    func deleteTemplate(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation
    /// Every template's own signing key, in every instance (templates without one are left out).
    func templateKeyMaterials() async throws(StorageError) -> [TemplateKeyMaterial]
    /// Replaces the key material of every row that still holds its `stored` material, all in one
    /// transaction; returns how many rows were replaced.
    func replaceTemplateKeyMaterials(_ replacements: [TemplateKeyMaterial.Replacement]) async throws(StorageError) -> Int

    // MARK: OAuth consents
    /// Grants the consent; an active consent of the same user and client is updated in place (its
    /// id kept; name, scopes and grant time replaced). Returns the consent as stored.
    func grantConsent(_ consent: Consent, audit: AuditDraft?) async throws(StorageError) -> Consent
    func consent(instanceID: String, id: String) async throws(StorageError) -> Consent?
    /// Every consent of the user, revoked ones included, newest grant first.
    func consents(instanceID: String, userID: String) async throws(StorageError) -> [Consent]
    /// Marks the consent revoked and appends its `consent` entry, in one transaction. Idempotent:
    /// a consent already revoked is returned unchanged, with no entry. The entry's cut-off is the
    /// later of `at` and the consent's `lastUsedAt` as stored in that transaction: a mint that
    /// recorded its use first is covered, whatever the two clocks said.
    func revokeConsent(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> (Consent, Revocation?)
    /// Moves the consent's `lastUsedAt` up to `at` while it is active; returns whether it is.
    func markConsentUsed(instanceID: String, id: String, at: Int64) async throws(StorageError) -> Bool

    // MARK: Audit log
    /// A page of the tenant's events in sequence order (see `AuditQuery.Order`), at most `limit`.
    func auditEvents(_ query: AuditQuery) async throws(StorageError) -> [AuditEvent]
    /// Appends an event that goes with no other write.
    func appendAudit(instanceID: String, _ draft: AuditDraft) async throws(StorageError) -> AuditEvent
    /// Removes the tenant's oldest events that occurred before `before` (a prefix of the log, never
    /// a gap) and appends `record` (an `audit.pruned` draft) with `through_seq` and `last_hash` of
    /// the last one removed, in one transaction; returns how many were removed (0: nothing written).
    func pruneAudit(instanceID: String, before: Int64, record: AuditDraft) async throws(StorageError) -> Int

    // MARK: Revocation list
    /// Entries with a sequence above `sequence`, in order, at most `limit`.
    func revocations(instanceID: String, after sequence: Int64, limit: Int) async throws(StorageError) -> [Revocation]
    /// Entries of every instance with a sequence above `sequence`, in order, at most `limit`: how an
    /// in-memory tail of the list catches up with writes it was not told about.
    func allRevocations(after sequence: Int64, limit: Int) async throws(StorageError) -> [Revocation]
    /// The lowest sequence still on the list and the highest ever assigned (pruned entries included).
    func revocationBounds() async throws(StorageError) -> RevocationBounds
    /// Removes entries whose `retainUntil` is at or before `now`; returns how many.
    func pruneRevocations(now: Int64) async throws(StorageError) -> Int
}

extension SessionStore {
    /// An instance with no signing key yet (its keys come later, or from elsewhere in a test).
    public func createInstance(_ instance: Instance) async throws(StorageError) {
        try await createInstance(instance, signingKey: nil, audit: nil)
    }

    public func createInstance(_ instance: Instance, signingKey: SigningKeyRecord?) async throws(StorageError) {
        try await createInstance(instance, signingKey: signingKey, audit: nil)
    }

    // The writes without an audit event: for tests and for changes made before the log existed.
    public func addSigningKey(_ key: SigningKeyRecord, retainUntil: Int64) async throws(StorageError) -> Revocation {
        try await addSigningKey(key, retainUntil: retainUntil, audit: nil)
    }
    public func addSecretKey(_ key: SecretKeyRecord) async throws(StorageError) { try await addSecretKey(key, audit: nil) }
    public func revokeSecretKey(instanceID: String, id: String, at: Int64, retainUntil: Int64) async throws(StorageError) -> (SecretKeyRecord, Revocation?) {
        try await revokeSecretKey(instanceID: instanceID, id: id, at: at, retainUntil: retainUntil, audit: nil)
    }
    public func createUser(_ user: User) async throws(StorageError) { try await createUser(user, audit: nil) }
    /// Newest first.
    public func users(instanceID: String, limit: Int, offset: Int) async throws(StorageError) -> Page<User> {
        try await users(UserQuery(instanceID: instanceID, limit: limit, offset: offset))
    }
    public func updateUser(_ user: User, retainUntil: Int64) async throws(StorageError) -> Revocation {
        try await updateUser(user, retainUntil: retainUntil, audit: nil)
    }
    public func deleteUser(instanceID: String, id: String, at: Int64, retainUntil: Int64) async throws(StorageError) -> Revocation {
        try await deleteUser(instanceID: instanceID, id: id, at: at, retainUntil: retainUntil, audit: nil)
    }
    public func createSession(_ session: Session) async throws(StorageError) { try await createSession(session, audit: nil) }
    public func recordActivity(instanceID: String, id: String, activity: Session.Activity, at: Int64) async throws(StorageError) -> Session {
        try await recordActivity(instanceID: instanceID, id: id, activity: activity, at: at, anomaly: nil)
    }
    public func revokeSession(instanceID: String, id: String, at: Int64, leeway: Int64) async throws(StorageError) -> (Session, Revocation?) {
        try await revokeSession(instanceID: instanceID, id: id, at: at, leeway: leeway, audit: nil)
    }
    public func revokeUserSessions(instanceID: String, userID: String, at: Int64, retainUntil: Int64) async throws(StorageError) -> Revocation {
        try await revokeUserSessions(instanceID: instanceID, userID: userID, except: nil, at: at, retainUntil: retainUntil, audit: nil)
    }
    public func createTemplate(_ template: JWTTemplateRecord) async throws(StorageError) { try await createTemplate(template, audit: nil) }
    public func updateTemplate(_ template: JWTTemplateRecord, retainUntil: Int64) async throws(StorageError) -> Revocation {
        try await updateTemplate(template, retainUntil: retainUntil, audit: nil)
    }
    public func deleteTemplate(instanceID: String, id: String, at: Int64, retainUntil: Int64) async throws(StorageError) -> Revocation {
        try await deleteTemplate(instanceID: instanceID, id: id, at: at, retainUntil: retainUntil, audit: nil)
    }
}
