/// A Tessera instance (a tenant): one application's users, sessions, templates, secret keys,
/// signing keys and issuer.
public struct Instance: Sendable, Hashable {
    /// Development instances accept `sk_test_…` keys and may create sessions through the API;
    /// production instances accept `sk_live_…` keys and may not, unless backend sign-in is enabled.
    public enum Environment: String, Sendable, Hashable, CaseIterable {
        case development
        case production
    }

    public var id: String
    /// `[a-z0-9][a-z0-9-]{1,62}`, unique: the tenant's name in paths (`/t/{slug}/…`) and its issuer.
    public var slug: String
    public var environment: Environment
    /// What the tenant's own keys sign with: `RS256`, `ES256` or `EdDSA` (the JOSE name).
    public var signingAlgorithm: String
    /// Origins the browser-facing surfaces accept for this tenant (exact `scheme://host[:port]`).
    public var allowedOrigins: [String]
    /// Whether the Backend API may create sessions in production (a customer's own login service).
    public var allowsBackendSignIn: Bool
    /// What activity from another country or device family does to a session.
    public var anomalyAction: AnomalyAction
    /// Unix milliseconds.
    public var createdAt: Int64

    public enum AnomalyAction: String, Sendable, Hashable, CaseIterable {
        /// Record an `auth.session_anomaly` event and mark the session `anomalous`.
        case flag
        /// The same, then revoke the session at once.
        case revoke
    }

    public init(
        id: String, slug: String, environment: Environment, signingAlgorithm: String = "RS256", allowedOrigins: [String] = [],
        allowsBackendSignIn: Bool = false, anomalyAction: AnomalyAction = .flag, createdAt: Int64
    ) {
        self.anomalyAction = anomalyAction
        self.id = id
        self.slug = slug
        self.environment = environment
        self.signingAlgorithm = signingAlgorithm
        self.allowedOrigins = allowedOrigins
        self.allowsBackendSignIn = allowsBackendSignIn
        self.createdAt = createdAt
    }
}

/// A secret key of an instance, stored as the SHA-256 of the key, never the key.
public struct SecretKeyRecord: Sendable, Hashable {
    public var id: String
    public var instanceID: String
    /// SHA-256 of the whole key string (`sk_test_…`).
    public var hash: [UInt8]
    /// The first characters of the key (`sk_test_ab12`), to tell keys apart in listings and logs.
    public var displayPrefix: String
    public var createdAt: Int64
    /// When the key last authenticated a request, to within the credential cache's lifetime.
    public var lastUsedAt: Int64?
    public var revokedAt: Int64?

    public init(
        id: String, instanceID: String, hash: [UInt8], displayPrefix: String, createdAt: Int64, lastUsedAt: Int64? = nil,
        revokedAt: Int64? = nil
    ) {
        self.id = id
        self.instanceID = instanceID
        self.hash = hash
        self.displayPrefix = displayPrefix
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}
