public import SessionCrypto
public import SessionStorage
import SessionTokens
import Synchronization

/// The use cases behind every API surface: sessions, users, tokens, templates and keys, with no
/// transport in them. Time and randomness are injected so every use case is a function of its inputs.
public struct SessionManager: Sendable {
    public let store: any SessionStore
    public let configuration: ManagementConfiguration
    /// Seals signing keys (the tenants' and templates' own) at rest; without it, no tenant can
    /// sign and templates with their own key are refused.
    public let keyEncryption: KeyEncryptionKeys?
    let random: any RandomSource
    let clock: @Sendable () -> Int64
    let authenticated: AuthenticationCache
    let cachedSessions: SessionCache
    /// Tenants with their keys opened; a view of the stream, so rotations reach every process.
    let tenantDirectory: TenantDirectory
    /// Compiled templates and users with parsed metadata, so that minting neither reads nor re-derives them per token.
    let templateCaches: TemplateCaches
    /// Committed revocations in order, which every in-memory view follows (the gateway's too).
    public let revocations: RevocationStream
    /// The revocation list as a feed for verifiers (`GET /v1/revocations`).
    public let feed: RevocationFeed
    /// Signing key → tenant, for tokens that arrive without a tenant in the path (the user side).
    let keyIndex = KeyIndex()
    /// Told of sessions created and revoked and tokens minted (metrics, security logs).
    let events: ManagementEvents
    /// Other nodes commit to the store too (PostgreSQL): requests catch up before they answer.
    public let sharesStore: Bool

    /// - Parameters:
    ///   - keyEncryption: the operator's key-encryption key(s), which seal template signing keys in the store.
    ///   - clock: now, in Unix milliseconds.
    public init(
        store: any SessionStore, configuration: ManagementConfiguration, keyEncryption: KeyEncryptionKeys?,
        random: any RandomSource = SecureRandom(), events: ManagementEvents = .none, clock: @escaping @Sendable () -> Int64
    ) {
        self.events = events
        self.store = store
        sharesStore = store is any SharedStore
        self.configuration = configuration
        self.keyEncryption = keyEncryption
        self.random = random
        self.clock = clock
        let authenticated = AuthenticationCache(
            lifetime: configuration.authenticationCacheLifetime, byteBudget: configuration.authenticationCacheBytes)
        let cachedSessions = SessionCache(byteBudget: configuration.sessionCacheBytes, clock: clock)
        let tenantDirectory = TenantDirectory()
        let templateCaches = TemplateCaches(configuration: configuration, clock: clock)
        // The feed needs the stream and the stream its views: the feed's view reaches it through a box.
        let feedBox = Mutex<RevocationFeed?>(nil)
        let stream = RevocationStream(store: store, views: [
            { entries, position in feedBox.withLock { $0 }?.accept(entries, position: position) },
            { entries, _ in cachedSessions.apply(entries) },
            { entries, _ in authenticated.apply(entries) },
            { entries, _ in tenantDirectory.apply(entries) },
            { entries, _ in templateCaches.apply(entries) },
        ])
        let feed = RevocationFeed(store: store, stream: stream)
        feedBox.withLock { $0 = feed }
        self.authenticated = authenticated
        self.cachedSessions = cachedSessions
        self.tenantDirectory = tenantDirectory
        self.templateCaches = templateCaches
        self.revocations = stream
        self.feed = feed
    }

    /// Fixes the stream's starting point before a use case commits an entry (cheap after the first call).
    func startRevocations() async throws(ManagementError) {
        try await storage { () async throws(StorageError) in try await revocations.start() }
    }

    /// Makes a committed entry reach every view of this process before the caller acknowledges it.
    func deliver(_ entry: Revocation) async throws(ManagementError) {
        do { try await revocations.deliver(entry) } catch {
            throw ManagementError(.unavailable, "the revocation is stored but not yet applied here; retry: \(error.reason)")
        }
    }

    /// Every entry still on the revocation list of every instance, oldest first: what an in-memory
    /// view loads at start-up before following the stream.
    public func liveRevocations() async throws(ManagementError) -> [Revocation] {
        var entries: [Revocation] = []
        var cursor: Int64 = 0
        while true {
            let page = try await storage { () async throws(StorageError) in
                try await store.allRevocations(after: cursor, limit: 1000)
            }
            entries += page
            guard let last = page.last, page.count == 1000 else { return entries }
            cursor = last.sequence
        }
    }

    /// Entries of the instance's revocation list after `cursor`; with `wait`, a long poll.
    public func revocationFeed(
        in instance: Instance, after cursor: Int64, limit: Int = RevocationFeed.defaultPageLimit, wait: Duration = .zero
    ) async throws(ManagementError) -> RevocationFeedPage {
        try await storage { () async throws(StorageError) in
            try await feed.page(instanceID: instance.id, after: cursor, limit: limit, wait: wait)
        }
    }

    /// Keeps every view current and the revocation list bounded until cancelled: catches up with
    /// the store every `catchUpInterval` (entries another process committed) and prunes entries
    /// past their retention every `pruneInterval`. On a store several nodes share, a node also
    /// catches up as soon as another one commits (the store's wake-up), and the poll is only the
    /// bound for a wake-up that was lost (`sharedCatchUpInterval`); pruning runs on one node at a time.
    /// - Parameter commits: how the wake-ups arrive; by default the shared store's `followCommits`.
    public func maintainRevocations(
        catchUpInterval: Duration = .milliseconds(200), sharedCatchUpInterval: Duration = .milliseconds(500),
        pruneInterval: Duration = .seconds(60), commits: (@Sendable (_ wake: @escaping @Sendable () -> Void) async -> Void)? = nil
    ) async {
        let shared = store as? any SharedStore
        typealias Follow = @Sendable (_ wake: @escaping @Sendable () -> Void) async -> Void
        let storeFollow: Follow? = shared.map { shared in { @Sendable wake in await shared.followCommits(wake) } }
        let follow: Follow? = commits ?? storeFollow
        await withDiscardingTaskGroup { group in
            if let follow {
                // One pending wake-up is enough: a catch-up reads everything committed before it starts.
                let (wakeUps, bell) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
                group.addTask {
                    await follow { bell.yield() }
                    bell.finish()
                }
                group.addTask {
                    for await _ in wakeUps { try? await self.revocations.catchUp() }
                }
            }
            group.addTask {
                let interval = follow == nil ? catchUpInterval : sharedCatchUpInterval
                var sincePrune = Duration.zero
                while !Task.isCancelled {
                    try? await self.revocations.catchUp()
                    if sincePrune >= pruneInterval {
                        sincePrune = .zero
                        _ = await self.exclusively(.revocationPruning) { _ = try? await self.store.pruneRevocations(now: self.clock()) }
                    }
                    do { try await Task.sleep(for: interval) } catch { return }
                    sincePrune += interval
                }
            }
        }
    }

    /// On a store several nodes share, returns once this node has seen every revocation, user update
    /// and key change committed (by any node) before the call: a request routed here right after a
    /// write through another node then answers with that write (no session shown active, or token
    /// minted, after its revocation was acknowledged elsewhere). One indexed read, shared by the
    /// requests that arrive together; nothing on a store no other node shares, whose commits reach
    /// the views before they are acknowledged.
    public func catchUpWithOtherNodes() async throws(ManagementError) {
        guard sharesStore else { return }
        try await storage { () async throws(StorageError) in try await revocations.catchUpFresh() }
    }

    /// Runs `body` unless another node of a shared store is running the same job (then, or when
    /// the store cannot say, returns false); a store no other node shares runs it at once.
    public func exclusively(_ job: ExclusiveJob, _ body: @Sendable () async -> Void) async -> Bool {
        guard let shared = store as? any SharedStore else {
            await body()
            return true
        }
        return (try? await shared.exclusively(job, body)) ?? false
    }

    /// Now, in Unix milliseconds, from the injected clock.
    public var now: Int64 { clock() }

    /// A prefixed id (`sess_…`, `user_…`) with 128 random bits.
    func newID(_ prefix: String) throws(ManagementError) -> String {
        do { return prefix + "_" + (try random.hex(16)) } catch {
            throw ManagementError(.unavailable, "the random source failed: \(error.reason)")
        }
    }

    // MARK: Instances and secret keys

    /// Adds a key to an instance: a secret key (`sk_test_…` for development, `sk_live_…` for
    /// production), or a verifier key (`vk_test_…`, `vk_live_…`) that can only read the revocation
    /// feed and the JWKS, for backend services that verify tokens.
    public func addSecretKey(to instance: Instance, scope: KeyScope = .full) async throws(ManagementError) -> String {
        let prefix = scope.prefix + (instance.environment == .development ? "test_" : "live_")
        let secret: String
        do { secret = prefix + (try random.hex(24)) } catch { throw ManagementError(.unavailable, "the random source failed") }
        let record = SecretKeyRecord(
            id: try newID("key"), instanceID: instance.id, hash: SHA256.hash(Array(secret.utf8)),
            displayPrefix: String(secret.prefix(prefix.count + 4)), createdAt: clock())
        let audit = try auditDraft(
            "secret_key.created", at: record.createdAt,
            data: ["key_id": .string(record.id), "prefix": .string(record.displayPrefix), "scope": .string(scope.prefix)])
        try await storage { () async throws(StorageError) in try await store.addSecretKey(record, audit: audit) }
        return secret
    }

    /// The instance a secret key belongs to; verifier keys are refused here.
    public func authenticate(secretKey: String) async throws(ManagementError) -> Instance {
        let (instance, scope) = try await authenticate(key: secretKey)
        guard scope == .full else { throw ManagementError(.unauthenticated, "The provided secret key is invalid.") }
        return instance
    }

    /// The instance and scope of a secret or verifier key. The key's environment must match the
    /// instance's. The scope is read from the prefix, which is safe because the stored hash covers
    /// the whole key: a verifier key with its prefix swapped hashes to nothing stored.
    public func authenticate(key: String) async throws(ManagementError) -> (Instance, KeyScope) {
        let (instance, scope, _) = try await authenticateKey(key)
        return (instance, scope)
    }

    /// `authenticate(key:)` with the key's id, which audit events name as their actor.
    public func authenticateKey(_ key: String) async throws(ManagementError) -> (Instance, KeyScope, keyID: String) {
        let invalid = ManagementError(.unauthenticated, "The provided secret key is invalid.")
        let (scope, isTest, hash) = try Self.keyShape(key)
        let now = clock()
        if let (cached, keyID) = authenticated.key(forHash: hash, now: now) { return (cached, scope, keyID) }
        let generation = authenticated.generation
        let record = try await storage { () async throws(StorageError) in try await store.secretKey(hash: hash) }
        guard let record, ConstantTime.equals(record.hash, hash) else { throw invalid }
        guard let instance = try await storage({ () async throws(StorageError) in try await store.instance(id: record.instanceID) }),
            (instance.environment == .development) == isTest
        else { throw invalid }
        authenticated.remember(instance, keyID: record.id, forHash: hash, now: now, readAt: generation)
        // Once per cache lifetime per key and process: "last used" is as precise as the cache allows,
        // and the request does not wait for the write.
        let keyStore = store
        Task { try? await keyStore.markSecretKeyUsed(id: record.id, at: now) }
        return (instance, scope, record.id)
    }

    /// `authenticateKey` when the credential cache holds the key, without a suspension: on NIO's event
    /// loops every `await` of an `async` function is a trip through the loop's queue (Decision 0020), and
    /// `/v1` authenticates every request. `nil` when the store must be asked.
    public func authenticateKeyFromCache(_ key: String) throws(ManagementError) -> (Instance, KeyScope, keyID: String)? {
        let (scope, _, hash) = try Self.keyShape(key)
        guard let (cached, keyID) = authenticated.key(forHash: hash, now: clock()) else { return nil }
        return (cached, scope, keyID)
    }

    /// A key's scope and environment from its prefix, and the hash it is stored under.
    private static func keyShape(_ key: String) throws(ManagementError) -> (KeyScope, isTest: Bool, hash: [UInt8]) {
        let invalid = ManagementError(.unauthenticated, "The provided secret key is invalid.")
        // Byte by byte: every `/v1` request passes here, and `String.hasPrefix` compares characters.
        let bytes = Array(key.utf8)
        guard let scope = KeyScope.allCases.first(where: { bytes.starts(with: $0.prefix.utf8) }) else { throw invalid }
        let rest = bytes[scope.prefix.utf8.count...]
        let isTest = rest.starts(with: "test_".utf8)
        guard isTest || rest.starts(with: "live_".utf8) else { throw invalid }
        return (scope, isTest, SHA256.hash(bytes))
    }

    // MARK: Storage errors

    /// Runs a store call, turning storage failures into management errors.
    func storage<T>(_ body: () async throws(StorageError) -> T) async throws(ManagementError) -> T {
        do { return try await body() } catch {
            switch error.code {
            case .notFound: throw ManagementError(.notFound, error.reason)
            case .conflict: throw ManagementError(.conflict, error.reason, parameter: error.field)
            case .constraint: throw ManagementError(.invalidParameter, error.reason)
            default: throw ManagementError(.unavailable, "storage failed: \(error.reason)")
            }
        }
    }
}
