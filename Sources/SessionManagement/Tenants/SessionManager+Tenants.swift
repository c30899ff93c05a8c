import Dispatch
public import SessionCrypto
public import SessionStorage
public import SessionTokens

/// What the operator may set on a new tenant.
public struct TenantDraft: Sendable {
    public var slug: String
    public var environment: Instance.Environment
    public var signingAlgorithm: JWSAlgorithm
    /// An existing private key to sign with from the start (an operator migrating from elsewhere).
    public var privateKeyPEM: String?
    public var allowedOrigins: [String]
    /// Whether the Backend API may create sessions in production (a customer's own login service).
    public var allowsBackendSignIn: Bool

    public init(
        slug: String, environment: Instance.Environment = .development, signingAlgorithm: JWSAlgorithm = .rs256, privateKeyPEM: String? = nil,
        allowedOrigins: [String] = [], allowsBackendSignIn: Bool = false
    ) {
        self.slug = slug
        self.environment = environment
        self.signingAlgorithm = signingAlgorithm
        self.privateKeyPEM = privateKeyPEM
        self.allowedOrigins = allowedOrigins
        self.allowsBackendSignIn = allowsBackendSignIn
    }
}

extension SessionManager {
    /// The slug of the tenant that exists from the first start.
    public static let defaultSlug = "default"

    /// `[a-z0-9][a-z0-9-]{1,62}` (surfaces.md §1).
    public static func isValidSlug(_ slug: String) -> Bool {
        let bytes = Array(slug.utf8)
        guard (2...63).contains(bytes.count) else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (index > 0 && byte == UInt8(ascii: "-"))
        }
    }

    /// `scheme://host[:port]` with scheme `https` (or `http`), a lowercase host and no path.
    public static func isValidOrigin(_ origin: String) -> Bool {
        let rest: Substring
        if origin.hasPrefix("https://") { rest = origin.dropFirst(8) } else if origin.hasPrefix("http://") { rest = origin.dropFirst(7) } else { return false }
        let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let host = parts[0].utf8
        guard (1...253).contains(host.count), host.first != UInt8(ascii: "."), host.first != UInt8(ascii: "-"),
            host.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
        else { return false }
        guard parts.count == 2 else { return true }
        let port = parts[1].utf8
        guard (1...5).contains(port.count), port.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), port.first != UInt8(ascii: "0"),
            let number = Int(parts[1]), number <= 65535
        else { return false }
        return true
    }

    /// `iss` of the tenant's tokens: the public URL for `default`, `{public URL}/t/{slug}` for the others.
    public func issuer(for instance: Instance) -> String {
        instance.slug == Self.defaultSlug ? configuration.issuer : configuration.issuer + "/t/" + instance.slug
    }

    // MARK: Reading tenants

    /// The tenant a slug names.
    public func tenant(slug: String) async throws(ManagementError) -> Instance {
        if let cached = tenantDirectory.tenant(slug: slug) { return cached.instance }
        guard Self.isValidSlug(slug) || slug == Self.defaultSlug,
            let instance = try await storage({ () async throws(StorageError) in try await store.instance(slug: slug) })
        else { throw ManagementError(.notFound, "No tenant has the slug \(slug)", resource: .instance) }
        return instance
    }

    /// Every tenant, oldest first.
    public func tenants() async throws(ManagementError) -> [Instance] {
        try await storage { () async throws(StorageError) in try await store.instances() }
    }

    /// The tenant with its keys opened: from memory, or loaded (once per rotation per process).
    public func tenantKeys(for instance: Instance) async throws(ManagementError) -> TenantKeys {
        if let cached = tenantDirectory.tenant(id: instance.id) { return cached }
        return try await loadTenant(instance)
    }

    /// The tenant's keys when the directory holds them, without a suspension (the hot routes' path:
    /// each `await` of an `async` function is a trip through the event loop's queue, Decision 0020).
    public func cachedTenantKeys(for instance: Instance) -> TenantKeys? {
        tenantDirectory.tenant(id: instance.id)
    }

    /// `tenantKeys(slug:)` when the directory holds the tenant, without a suspension.
    public func cachedTenantKeys(slug: String) -> TenantKeys? {
        tenantDirectory.tenant(slug: slug)
    }

    /// The tenant a slug names, with its keys.
    public func tenantKeys(slug: String) async throws(ManagementError) -> TenantKeys {
        if let cached = tenantDirectory.tenant(slug: slug) { return cached }
        return try await loadTenant(try await tenant(slug: slug))
    }

    private func loadTenant(_ given: Instance) async throws(ManagementError) -> TenantKeys {
        let generation = tenantDirectory.generation
        // The instance as stored now: the caller's copy may come from a credential cache that still
        // holds settings changed since (the directory's copy is what the stream keeps current).
        let instance = try await storage { () async throws(StorageError) in try await store.instance(id: given.id) } ?? given
        let records = try await storage { () async throws(StorageError) in try await store.signingKeys(instanceID: instance.id) }
        guard !records.isEmpty else { throw ManagementError(.unavailable, "tenant \(instance.slug) has no signing key yet") }
        guard let algorithm = JWSAlgorithm(name: instance.signingAlgorithm) else {
            throw ManagementError(.unavailable, "tenant \(instance.slug) has an unknown signing algorithm")
        }
        var keys: [(SigningKey, SigningKeyRecord)] = []
        for record in records { keys.append((try openSigningKey(record), record)) }
        let span = min(configuration.tokenLifetime.maximumSeconds * 1000, configuration.sessionLifetime) + configuration.leewaySeconds * 1000
        let tenant = TenantKeys(instance: instance, issuer: issuer(for: instance), algorithm: algorithm, keys: keys, tokenSpan: span)
        tenantDirectory.remember(tenant, readAt: generation)
        // A tenant created (or a key rotated) since the last refresh of the kid index is known here
        // now, not a refresh interval later: its tokens must not meet "unknown kid" on the user side.
        keyIndex.add(Dictionary(tenant.keys.map { ($0.keyID, instance.id) }, uniquingKeysWith: { first, _ in first }))
        return tenant
    }

    // MARK: Creating tenants and keys

    /// Creates a tenant with its first signing key (generated, or the one given) and its first
    /// secret key (`sk_live_…` in production), which is returned to be shown this once.
    public func createTenant(_ draft: TenantDraft) async throws(ManagementError) -> (TenantKeys, secretKey: String) {
        guard Self.isValidSlug(draft.slug) else { throw .invalid("slug", "slug must match [a-z0-9][a-z0-9-]{1,62}") }
        guard draft.signingAlgorithm.isAsymmetric else {
            throw .invalid("signing_algorithm", "signing_algorithm must be RS256, ES256 or EdDSA")
        }
        for origin in draft.allowedOrigins where !Self.isValidOrigin(origin) {
            throw .invalid("allowed_origins", "an allowed origin is scheme://host[:port] with scheme https or http, a lowercase host and no path")
        }
        let now = clock()
        let instance = Instance(
            id: try newID("ins"), slug: draft.slug, environment: draft.environment, signingAlgorithm: draft.signingAlgorithm.rawValue,
            allowedOrigins: draft.allowedOrigins, allowsBackendSignIn: draft.allowsBackendSignIn, createdAt: now)
        let key = try await newSigningKey(draft.signingAlgorithm, pem: draft.privateKeyPEM)
        let record = try sealedRecord(key, instance: instance, generation: 1, now: now, activatesAt: now)
        let audit = try auditDraft(
            "tenant.created", at: now,
            data: [
                "slug": .string(instance.slug), "environment": .string(instance.environment.rawValue),
                "signing_algorithm": .string(instance.signingAlgorithm), "kid": .string(record.keyID),
            ])
        do {
            try await store.createInstance(instance, signingKey: record, audit: audit)
        } catch {
            if error.code == .conflict {
                throw ManagementError(.conflict, "A tenant with the slug \(draft.slug) exists, or the signing key belongs to another tenant", parameter: "slug")
            }
            try await storage { () async throws(StorageError) in throw error }
        }
        let secret = try await addSecretKey(to: instance)
        return (try await tenantKeys(for: instance), secret)
    }

    /// Starts a rotation: a new key (generated, or the one given) is published at once and signs
    /// from `activatesAt`, after every JWKS cached before it was published has expired. Every
    /// process picks it up through the revocation stream; no restart. A rotation while a key is
    /// still pending is a conflict.
    public func rotateSigningKey(in instance: Instance, privateKeyPEM: String? = nil) async throws(ManagementError) -> TenantKeys.ScheduledKey {
        let records = try await storage { () async throws(StorageError) in try await store.signingKeys(instanceID: instance.id) }
        let now = clock()
        if let pending = records.last(where: { $0.activatesAt > now }) {
            throw ManagementError(.conflict, "key \(pending.keyID) is pending until it activates; rotate again after that")
        }
        guard let algorithm = JWSAlgorithm(name: instance.signingAlgorithm) else {
            throw ManagementError(.unavailable, "tenant \(instance.slug) has an unknown signing algorithm")
        }
        let key = try await newSigningKey(algorithm, pem: privateKeyPEM)
        let record = try sealedRecord(
            key, instance: instance, generation: (records.last?.generation ?? 0) + 1, now: now,
            activatesAt: records.isEmpty ? now : now + configuration.keyActivationDelay)
        try await add(record)
        guard let scheduled = try await tenantKeys(for: instance).keys.first(where: { $0.keyID == record.keyID }) else {
            throw ManagementError(.unavailable, "the new key was not found after it was stored")
        }
        return scheduled
    }

    /// Gives a tenant its first signing key when it has none (a fresh database): `initial` when
    /// given (the key directory's, so that a development setup keeps its keys), else a new one.
    /// Processes starting together on one database all end up with the one key that was stored
    /// first. Returns whether this call stored it.
    @discardableResult
    public func ensureSigningKey(for instance: Instance, initial: SigningKey? = nil) async throws(ManagementError) -> Bool {
        let records = try await storage { () async throws(StorageError) in try await store.signingKeys(instanceID: instance.id) }
        guard records.isEmpty else { return false }
        guard let algorithm = JWSAlgorithm(name: instance.signingAlgorithm) else {
            throw ManagementError(.unavailable, "tenant \(instance.slug) has an unknown signing algorithm")
        }
        let key: SigningKey
        if let initial {
            guard initial.algorithm == algorithm else {
                throw .invalid("signing_key", "tenant \(instance.slug) signs with \(algorithm.rawValue), not \(initial.algorithm.rawValue)")
            }
            key = initial
        } else {
            key = try await newSigningKey(algorithm, pem: nil)
        }
        let now = clock()
        do {
            try await add(try sealedRecord(key, instance: instance, generation: 1, now: now, activatesAt: now))
        } catch {
            // Another process stored the first key meanwhile: it is everybody's.
            if error.code == .conflict { return false }
            throw error
        }
        return true
    }

    /// Rotates every tenant whose signing key has signed for `interval` ms and has no successor
    /// pending; returns the slugs rotated. Processes racing here store one rotation between them.
    public func rotateDueSigningKeys(every interval: Int64) async throws(ManagementError) -> [String] {
        var rotated: [String] = []
        for instance in try await tenants() {
            let records = try await storage { () async throws(StorageError) in try await store.signingKeys(instanceID: instance.id) }
            guard let last = records.last, last.activatesAt <= clock(), clock() - last.activatesAt >= interval else { continue }
            do {
                _ = try await rotateSigningKey(in: instance)
                rotated.append(instance.slug)
            } catch {
                if error.code != .conflict { throw error }
            }
        }
        return rotated
    }

    private func add(_ record: SigningKeyRecord) async throws(ManagementError) {
        try await startRevocations()
        let entry: Revocation
        let audit = try auditDraft(
            "signing_key.rotated", at: record.createdAt,
            data: [
                "kid": .string(record.keyID), "algorithm": .string(record.algorithm), "generation": .integer(record.generation),
                "activates_at": .integer(record.activatesAt),
            ])
        do {
            entry = try await store.addSigningKey(record, retainUntil: record.createdAt + secretKeyEntryRetention, audit: audit)
        } catch {
            if error.code == .conflict {
                throw ManagementError(.conflict, "another rotation of this tenant was stored first, or the key belongs to another tenant")
            }
            try await storage { () async throws(StorageError) in throw error }
            return
        }
        try await deliver(entry)
    }

    private func newSigningKey(_ algorithm: JWSAlgorithm, pem: String?) async throws(ManagementError) -> SigningKey {
        guard let pem else {
            // An RSA key takes a good fraction of a second of CPU: on a thread of its own, not one of the
            // few the cooperative pool shares with every request.
            let generated: Result<SigningKey, CryptoError> = await withCheckedContinuation { continuation in
                DispatchQueue.global(qos: .userInitiated).async {
                    continuation.resume(returning: Result { () throws(CryptoError) in try SigningKey.generate(algorithm) })
                }
            }
            do { return try generated.get() } catch { throw ManagementError(.unavailable, "cannot generate a key: \(error.reason)") }
        }
        let key: SigningKey
        do { key = try SigningKey(pem: pem) } catch {
            throw .invalid("private_key_pem", "private_key_pem is not a usable private key: \(error.reason)")
        }
        guard key.algorithm == algorithm else {
            throw .invalid("private_key_pem", "the tenant signs with \(algorithm.rawValue) and the key is for \(key.algorithm.rawValue)")
        }
        return key
    }
}

extension SessionManager {
    /// The tenant whose signing key has this `kid`, with its keys, or `nil` when no tenant has it.
    public func tenantKeys(forKeyID keyID: String) async throws(ManagementError) -> TenantKeys? {
        guard (1...128).contains(keyID.utf8.count), StoredText.isClean(keyID) else { return nil }
        if keyIndex.instanceID(forKeyID: keyID) == nil, keyIndex.claimRefresh() {
            let keys = try await storage { () async throws(StorageError) in try await store.allSigningKeys() }
            keyIndex.add(Dictionary(keys.map { ($0.keyID, $0.instanceID) }, uniquingKeysWith: { first, _ in first }))
        }
        guard let instanceID = keyIndex.instanceID(forKeyID: keyID) else { return nil }
        if let cached = tenantDirectory.tenant(id: instanceID) { return cached }
        guard let instance = try await storage({ () async throws(StorageError) in try await store.instance(id: instanceID) }) else { return nil }
        return try await tenantKeys(for: instance)
    }
}
