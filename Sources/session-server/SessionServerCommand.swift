import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import SessionCrypto
import SessionManagement
import SessionGeo
import SessionNetwork
import SessionServer
import SessionStorage
import SessionStorageSQLite
import SessionTokens

/// `session-server`: flags, or the matching `TESSERA_*` environment variables, then wiring.
@main
struct SessionServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session-server", abstract: "Tessera's session service (Clerk-compatible Backend API).",
        discussion: """
            Every option can be given as its TESSERA_* environment variable instead; a flag wins over the variable. \
            Secrets are read from the environment only, never from flags (which any local user can see in the process \
            list): TESSERA_SECRET_KEY (the default tenant's secret key, else one is generated and printed once), \
            TESSERA_OPERATOR_KEY (the operator key, likewise) and TESSERA_KEK (the key-encryption key itself, instead of \
            --key-encryption-key-file). Docs/Operations.md lists every setting.
            """,
        subcommands: [MigrateCommand.self])

    @Option(help: "Address to bind (TESSERA_HOST).")
    var host = ProcessInfo.processInfo.environment["TESSERA_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to bind (TESSERA_PORT; 1...65535, default 8080).")
    var port: Int?

    @Option(
        help: """
            A SQLite database file, or a postgres:// URL that several nodes share (TESSERA_DATABASE; see Docs/Operations.md \
            for the URL's options: sslmode, pool_size, statement_timeout, …). A URL of another scheme is refused, never \
            taken for a file name.
            """)
    var database = ProcessInfo.processInfo.environment["TESSERA_DATABASE"] ?? "./data/tessera.sqlite"

    @Option(help: "Key directory; dev keys are generated when it holds none, and one holding only some is refused (TESSERA_KEYS_DIR).")
    var keys = ProcessInfo.processInfo.environment["TESSERA_KEYS_DIR"] ?? "keys/dev"

    @Option(help: "Token issuer, the service's public URL (TESSERA_ISSUER; default http://HOST:PORT).")
    var issuer: String = ProcessInfo.processInfo.environment["TESSERA_ISSUER"] ?? ""

    @Option(
        name: .customLong("session-lifetime"),
        help: "Seconds a new session lives before it expires (TESSERA_SESSION_LIFETIME; 60...315360000, default 604800: 7 days).")
    var sessionLifetime: Int64?

    @Option(
        name: .customLong("abandon-after"),
        help: """
            Seconds after its creation an idle session is abandoned, at least the session lifetime \
            (TESSERA_ABANDON_AFTER; 60...315360000, default 2592000: 30 days).
            """)
    var abandonAfter: Int64?

    @Option(
        name: .customLong("token-lifetime"),
        help: "Seconds a session token lives when its request names no expires_in_seconds (TESSERA_TOKEN_LIFETIME; 30...315360000, default 60).")
    var tokenLifetime: Int64?

    @Option(
        name: .customLong("activity-interval"),
        help: "A session's last_active_at moves at most once in this many seconds of token mints (TESSERA_ACTIVITY_INTERVAL; 1...3600, default 10).")
    var activityInterval: Int64?

    @Option(
        name: .customLong("leeway"),
        help: "Clock skew in seconds the server's verifiers allow on exp, nbf and iat (TESSERA_LEEWAY; 0...300, default 5).")
    var leeway: Int64?

    @Option(name: .customLong("max-body-bytes"), help: "Largest accepted request body (TESSERA_MAX_BODY_BYTES; 1024...1073741824, default 1 MiB).")
    var maximumBodyBytes: Int?

    @Option(
        name: .customLong("max-token-lifetime"),
        help: """
            The longest lifetime in seconds any token may get, whatever a template or expires_in_seconds asks \
            (TESSERA_MAX_TOKEN_LIFETIME; 30...315360000, default 315360000). User-wide revocation entries are kept this long.
            """)
    var maximumTokenLifetime: Int64?

    @Option(
        name: .customLong("gateway-claim-header"),
        help: "claim=Header-Name: GET /v1/verify copies the claim into that header; repeatable (TESSERA_GATEWAY_CLAIM_HEADERS, comma-separated).")
    var gatewayClaimHeaders: [String] = (ProcessInfo.processInfo.environment["TESSERA_GATEWAY_CLAIM_HEADERS"] ?? "")
        .split(separator: ",").map(String.init)

    @Option(
        name: .customLong("trusted-proxy"),
        help: """
            A proxy or load balancer in front of Tessera, as an address or CIDR block; repeatable (TESSERA_TRUSTED_PROXIES, \
            comma-separated). Only requests from these peers have their X-Forwarded-For and edge location headers \
            (CF-IPCountry, CloudFront-Viewer-Country, …) believed.
            """)
    var trustedProxies: [String] = [ProcessInfo.processInfo.environment["TESSERA_TRUSTED_PROXIES"] ?? ""]

    @Option(
        name: .customLong("geoip-database"),
        help: "A MaxMind-format City or Country database (GeoLite2-City.mmdb, …) that locates sessions by address (TESSERA_GEOIP_DATABASE).")
    var geoIPDatabase: String = ProcessInfo.processInfo.environment["TESSERA_GEOIP_DATABASE"] ?? ""

    @Option(
        name: .customLong("rate-limit"),
        help: """
            on or off: limits on the user side per client address and per session, and on /v1 per secret key \
            (TESSERA_RATE_LIMIT; default on). Off for load tests.
            """)
    var rateLimit: String = ProcessInfo.processInfo.environment["TESSERA_RATE_LIMIT"] ?? "on"

    @Option(
        name: .customLong("v1-rate-limit-production"),
        help: "Requests per 10 s per secret key of a production tenant on /v1 (TESSERA_V1_RATE_LIMIT_PRODUCTION; 1...1000000, default 1000).")
    var v1RateLimitProduction: Int64?

    @Option(
        name: .customLong("v1-rate-limit-development"),
        help: "Requests per 10 s per secret key of a development tenant on /v1 (TESSERA_V1_RATE_LIMIT_DEVELOPMENT; 1...1000000, default 100).")
    var v1RateLimitDevelopment: Int64?

    @Option(
        name: .customLong("idle-timeout"),
        help: "Seconds a connection may stay idle, or stall while sending a request body (TESSERA_IDLE_TIMEOUT; 1...3600, default 60).")
    var idleTimeout: Int?

    @Option(
        name: .customLong("header-timeout"),
        help: """
            Seconds for a complete request head, counted from the connection or from the previous response; bounds keep-alive \
            waits too (TESSERA_HEADER_TIMEOUT; 1...600, default 10).
            """)
    var headerTimeout: Int?

    @Option(
        name: .customLong("gateway-cache-bytes"),
        help: """
            Memory for tokens verified by GET /v1/verify and the deprecated verify, with their answers (about 1 KiB a token); \
            expired tokens leave first, then the least recently used (TESSERA_GATEWAY_CACHE_BYTES; 0...4294967296, default 16 MiB).
            """)
    var gatewayCacheBytes: Int?

    @Option(
        name: .customLong("session-cache-bytes"),
        help: """
            Memory for active sessions read or written by this process (about 850 bytes a session) \
            (TESSERA_SESSION_CACHE_BYTES; 0...4294967296, default 8 MiB).
            """)
    var sessionCacheBytes: Int?

    @Option(
        name: .customLong("credential-cache-bytes"),
        help: "Memory for authenticated secret keys, each trusted for 30 s (TESSERA_CREDENTIAL_CACHE_BYTES; 0...4294967296, default 512 KiB).")
    var credentialCacheBytes: Int?

    @Option(
        name: .customLong("user-cache-bytes"),
        help: "Memory for users read by template tokens and GET /v1/users/{id}, dropped on any change to them (TESSERA_USER_CACHE_BYTES; 0...4294967296, default 4 MiB).")
    var userCacheBytes: Int?

    @Option(
        name: .customLong("template-cache-bytes"),
        help: "Memory for compiled JWT templates, dropped on any change to them (TESSERA_TEMPLATE_CACHE_BYTES; 0...4294967296, default 2 MiB).")
    var templateCacheBytes: Int?

    @Option(
        name: .customLong("key-encryption-key-file"),
        help: """
            File holding the key-encryption key that seals template signing keys in the database: 32 random bytes in base64 \
            (openssl rand -base64 32). TESSERA_KEK_FILE, or the key itself in TESSERA_KEK; default KEYS/kek.b64, generated when missing.
            """)
    var keyEncryptionKeyFile: String?

    @Option(
        name: .customLong("previous-key-encryption-key-file"),
        help: "During a rotation, the key-encryption key being replaced: keys sealed under it are re-sealed at start-up (TESSERA_PREVIOUS_KEK_FILE).")
    var previousKeyEncryptionKeyFile: String?

    @Option(
        name: .customLong("jwks-max-age"),
        help: """
            Longest Cache-Control max-age of a JWKS, in seconds; a rotated key signs only after this (plus 5 s) \
            (TESSERA_JWKS_MAX_AGE; 1...86400, default 300).
            """)
    var jwksMaxAge: Int64?

    @Option(
        name: .customLong("rotate-signing-keys-days"),
        help: "Rotate every tenant's signing key when it has signed this many days (TESSERA_ROTATE_SIGNING_KEYS_DAYS; 0...3650, default 0: off).")
    var rotateSigningKeysDays: Int64?

    @Option(
        name: .customLong("audit-retention-days"),
        help: """
            Keep each tenant's audit events this many days; older ones are pruned from the oldest end, hourly, and the pruning is \
            itself an event the chain check starts from (TESSERA_AUDIT_RETENTION_DAYS; 0...36500, default 365; 0 keeps everything).
            """)
    var auditRetentionDays: Int64?

    @Option(
        name: .customLong("metrics-token"),
        help: "When set, GET /metrics asks for Authorization: Bearer with this token (TESSERA_METRICS_TOKEN; default: open).")
    var metricsToken: String = ProcessInfo.processInfo.environment["TESSERA_METRICS_TOKEN"] ?? ""

    @Option(name: .customLong("log-format"), help: "json or text: the format of the logs on standard error (TESSERA_LOG_FORMAT; default text).")
    var logFormat: String = ProcessInfo.processInfo.environment["TESSERA_LOG_FORMAT"].flatMap { $0.isEmpty ? nil : $0 } ?? "text"

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error or critical (TESSERA_LOG_LEVEL; default info).")
    var logLevel: String = ProcessInfo.processInfo.environment["TESSERA_LOG_LEVEL"].flatMap { $0.isEmpty ? nil : $0 } ?? "info"
}
