public import SessionTokens

/// The knobs of the use cases. Durations are in milliseconds unless named otherwise.
public struct ManagementConfiguration: Sendable {
    /// The service's public URL: `iss` of the default tenant's tokens; other tenants' are
    /// `{issuer}/t/{slug}`.
    public var issuer: String
    /// How long a new session lives (`expire_at`): 7 days by default, like a new Clerk instance.
    public var sessionLifetime: Int64
    /// When an idle session is abandoned (`abandon_at`), counted from creation: 30 days.
    public var abandonAfter: Int64
    /// Session-token lifetimes: 60 s by default, `expires_in_seconds` capped by the policy maximum.
    public var tokenLifetime: TokenLifetime
    /// `last_active_at` moves at most once per this interval when tokens are minted.
    public var touchInterval: Int64
    /// The verifiers' clock leeway, added to how long revocation entries are kept.
    public var leewaySeconds: Int64
    /// How far past a token's expiry a session's token horizon is set when a mint moves it, and
    /// where a new session's starts: a session that never mints past it costs no extra write, and
    /// its revocation entry is kept this long after the session began (or its last long token),
    /// not until the session's end (Decision 0012).
    public var tokenHorizonWindow: Int64
    /// How long an authenticated secret key is trusted without asking the database again.
    public var authenticationCacheLifetime: Int64
    /// `Cache-Control: max-age` of the JWKS, at most (seconds).
    public var jwksMaxAgeSeconds: Int64
    /// How long after a rotation the new key starts signing: every JWKS cached before it was
    /// published has expired by then, with a margin for processes to catch up (ms).
    public var keyActivationDelay: Int64 { jwksMaxAgeSeconds * 1000 + 5_000 }
    /// The byte budget of the cache of active sessions.
    public var sessionCacheBytes: Int
    /// The byte budget of the cache of authenticated secret keys.
    public var authenticationCacheBytes: Int
    /// The byte budget of the cache of users (template tokens, `GET /v1/users/{id}`).
    public var userCacheBytes: Int
    /// The byte budget of the cache of compiled JWT templates.
    public var templateCacheBytes: Int

    /// 8 MiB: about 10 000 sessions.
    public static let defaultSessionCacheBytes = 8 << 20
    /// 512 KiB: about 2 000 keys.
    public static let defaultAuthenticationCacheBytes = 512 << 10
    /// 4 MiB: a few thousand users with small metadata.
    public static let defaultUserCacheBytes = 4 << 20
    /// 2 MiB: hundreds of templates.
    public static let defaultTemplateCacheBytes = 2 << 20

    public init(
        issuer: String, sessionLifetime: Int64 = 7 * 86_400_000, abandonAfter: Int64 = 30 * 86_400_000,
        tokenLifetime: TokenLifetime = TokenLifetime(), touchInterval: Int64 = 10_000, leewaySeconds: Int64 = ClaimPolicy.defaultLeeway,
        authenticationCacheLifetime: Int64 = 30_000, tokenHorizonWindow: Int64 = 300_000, jwksMaxAgeSeconds: Int64 = 300, sessionCacheBytes: Int = defaultSessionCacheBytes,
        authenticationCacheBytes: Int = defaultAuthenticationCacheBytes, userCacheBytes: Int = defaultUserCacheBytes,
        templateCacheBytes: Int = defaultTemplateCacheBytes
    ) {
        self.issuer = issuer
        self.sessionLifetime = sessionLifetime
        self.abandonAfter = abandonAfter
        self.tokenLifetime = tokenLifetime
        self.touchInterval = touchInterval
        self.leewaySeconds = leewaySeconds
        self.tokenHorizonWindow = tokenHorizonWindow
        self.authenticationCacheLifetime = authenticationCacheLifetime
        self.jwksMaxAgeSeconds = jwksMaxAgeSeconds
        self.sessionCacheBytes = sessionCacheBytes
        self.authenticationCacheBytes = authenticationCacheBytes
        self.userCacheBytes = userCacheBytes
        self.templateCacheBytes = templateCacheBytes
    }
}
