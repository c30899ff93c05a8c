public import SessionGeo
public import SessionNetwork

/// HTTP-level settings.
public struct ServerConfiguration: Sendable {
    /// Larger request bodies are refused with `413 request_body_too_large`, unread.
    public var maximumBodyBytes: Int
    /// Claims that `GET /v1/verify` copies into response headers besides `X-Session-Id` and `X-User-Id`.
    public var gatewayClaimHeaders: [GatewayClaimHeader]
    /// The byte budget of the gateway's cache of verified tokens.
    public var gatewayCacheBytes: Int
    /// Peers whose `X-Forwarded-For` and edge location headers are believed (`--trusted-proxy`).
    public var trustedProxies: [IPNetwork]
    /// The operator's MaxMind-format database (`--geoip-database`), opened at start-up; none when `nil`.
    public var geoIPDatabase: GeoIPDatabase?
    /// Whether the user side limits requests per client address and per session, and `/v1` per secret key
    /// (`--rate-limit`, `TESSERA_RATE_LIMIT`); off for load tests and test harnesses.
    public var rateLimits: Bool
    /// `/v1`'s figures per secret key (while `rateLimits` is on).
    public var v1RateLimit: V1RateLimit
    /// `--metrics-token` (`TESSERA_METRICS_TOKEN`): when set, `GET /metrics` needs it as a Bearer
    /// credential; open otherwise, like most Prometheus exporters.
    public var metricsToken: String?

    public init(
        maximumBodyBytes: Int = 1 << 20,
        gatewayClaimHeaders: [GatewayClaimHeader] = [], gatewayCacheBytes: Int = GatewayVerifier.defaultCacheBytes,
        trustedProxies: [IPNetwork] = [], geoIPDatabase: GeoIPDatabase? = nil, rateLimits: Bool = true,
        v1RateLimit: V1RateLimit = V1RateLimit(),
        metricsToken: String? = nil
    ) {
        self.metricsToken = metricsToken
        self.rateLimits = rateLimits
        self.v1RateLimit = v1RateLimit
        self.maximumBodyBytes = maximumBodyBytes
        self.gatewayClaimHeaders = gatewayClaimHeaders
        self.gatewayCacheBytes = gatewayCacheBytes
        self.trustedProxies = trustedProxies
        self.geoIPDatabase = geoIPDatabase
    }
}
