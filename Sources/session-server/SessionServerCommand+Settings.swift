import SessionManagement
import SessionServer
import SessionTokens

extension SessionServerCommand {
    static let portSetting = NumericSetting(flag: "port", variable: "TESSERA_PORT", range: 1...65535, defaultValue: 8080)
    static let tokenLifetimeSetting = NumericSetting(
        flag: "max-token-lifetime", variable: "TESSERA_MAX_TOKEN_LIFETIME", range: TokenLifetime.allowedRange,
        defaultValue: TokenLifetime.allowedRange.upperBound)
    static let bodySetting = NumericSetting(
        flag: "max-body-bytes", variable: "TESSERA_MAX_BODY_BYTES", range: 1024...(1 << 30), defaultValue: 1 << 20)
    static let idleTimeoutSetting = NumericSetting(
        flag: "idle-timeout", variable: "TESSERA_IDLE_TIMEOUT", range: ConnectionTimeouts.idleRange, defaultValue: 60)
    static let jwksMaxAgeSetting = NumericSetting<Int64>(
        flag: "jwks-max-age", variable: "TESSERA_JWKS_MAX_AGE", range: 1...86_400, defaultValue: 300)
    static let auditRetentionSetting = NumericSetting<Int64>(
        flag: "audit-retention-days", variable: "TESSERA_AUDIT_RETENTION_DAYS", range: 0...36_500, defaultValue: 365)
    static let rotationDaysSetting = NumericSetting<Int64>(
        flag: "rotate-signing-keys-days", variable: "TESSERA_ROTATE_SIGNING_KEYS_DAYS", range: 0...3650, defaultValue: 0)
    /// A new session's life (`expire_at`), 1 minute to 10 years; Clerk's default is 7 days.
    static let sessionLifetimeSetting = NumericSetting<Int64>(
        flag: "session-lifetime", variable: "TESSERA_SESSION_LIFETIME", range: 60...315_360_000, defaultValue: 7 * 86_400)
    /// When an idle session is abandoned (`abandon_at`), counted from creation; never before it expires.
    static let abandonAfterSetting = NumericSetting<Int64>(
        flag: "abandon-after", variable: "TESSERA_ABANDON_AFTER", range: 60...315_360_000, defaultValue: 30 * 86_400)
    /// The lifetime of a token whose request names none (Clerk's 60 s).
    static let tokenDefaultLifetimeSetting = NumericSetting<Int64>(
        flag: "token-lifetime", variable: "TESSERA_TOKEN_LIFETIME", range: TokenLifetime.allowedRange, defaultValue: 60)
    static let activityIntervalSetting = NumericSetting<Int64>(
        flag: "activity-interval", variable: "TESSERA_ACTIVITY_INTERVAL", range: 1...3600, defaultValue: 10)
    static let leewaySetting = NumericSetting<Int64>(
        flag: "leeway", variable: "TESSERA_LEEWAY", range: 0...300, defaultValue: ClaimPolicy.defaultLeeway)
    static let headerTimeoutSetting = NumericSetting(
        flag: "header-timeout", variable: "TESSERA_HEADER_TIMEOUT", range: ConnectionTimeouts.headerRange, defaultValue: 10)
    /// Cache budgets in bytes: 0 turns a cache off (every request then pays the full cost), 4 GiB at most.
    static let cacheBytesRange = 0...(1 << 32)
    static let gatewayCacheSetting = NumericSetting(
        flag: "gateway-cache-bytes", variable: "TESSERA_GATEWAY_CACHE_BYTES", range: cacheBytesRange,
        defaultValue: GatewayVerifier.defaultCacheBytes)
    static let sessionCacheSetting = NumericSetting(
        flag: "session-cache-bytes", variable: "TESSERA_SESSION_CACHE_BYTES", range: cacheBytesRange,
        defaultValue: ManagementConfiguration.defaultSessionCacheBytes)
    static let credentialCacheSetting = NumericSetting(
        flag: "credential-cache-bytes", variable: "TESSERA_CREDENTIAL_CACHE_BYTES", range: cacheBytesRange,
        defaultValue: ManagementConfiguration.defaultAuthenticationCacheBytes)
    static let userCacheSetting = NumericSetting(
        flag: "user-cache-bytes", variable: "TESSERA_USER_CACHE_BYTES", range: cacheBytesRange,
        defaultValue: ManagementConfiguration.defaultUserCacheBytes)
    static let templateCacheSetting = NumericSetting(
        flag: "template-cache-bytes", variable: "TESSERA_TEMPLATE_CACHE_BYTES", range: cacheBytesRange,
        defaultValue: ManagementConfiguration.defaultTemplateCacheBytes)
    static let v1ProductionSetting = NumericSetting<Int64>(
        flag: "v1-rate-limit-production", variable: "TESSERA_V1_RATE_LIMIT_PRODUCTION", range: V1RateLimit.allowedRange,
        defaultValue: V1RateLimit.clerkProduction)
    static let v1DevelopmentSetting = NumericSetting<Int64>(
        flag: "v1-rate-limit-development", variable: "TESSERA_V1_RATE_LIMIT_DEVELOPMENT", range: V1RateLimit.allowedRange,
        defaultValue: V1RateLimit.clerkDevelopment)
}
