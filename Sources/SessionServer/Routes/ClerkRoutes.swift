import Hummingbird
import SessionManagement
import SessionTokens

/// The Clerk-compatible Backend API under `/v1`: secret keys of the tenant, Clerk's error body.
struct ClerkRoutes {
    let manager: SessionManager
    let configuration: ServerConfiguration
    let gateway: GatewayVerifier

    func register(_ router: Router<ServerContext>) {
        let authenticator = SecretKeyAuthenticator(manager: manager, limits: configuration.rateLimits ? V1RateLimiter(configuration.v1RateLimit) : nil)
        let v1 = V1Group(router, authenticator: authenticator, access: .general)
        // What verifiers and gateways poll, in groups of their own under the same prefix (V1Access).
        let feed = V1Group(router, authenticator: authenticator, access: .feed)
        let verification = V1Group(router, authenticator: authenticator, access: .verification)
        feed.get("jwks") { _, context in
            let tenant = try await manager.tenantKeys(for: try context.requireInstance())
            let now = manager.now
            let maxAge = tenant.jwksMaxAge(at: now, maximum: manager.configuration.jwksMaxAgeSeconds)
            return JSONResponse.make(.object(tenant.jwks(at: now).jsonObject), headers: [.cacheControl: "private, max-age=\(maxAge)"])
        }
        SessionRoutes(manager: manager, configuration: configuration, gateway: gateway).register(v1, verification: verification)
        UserRoutes(manager: manager, configuration: configuration).register(v1)
        ClientRoutes(manager: manager, configuration: configuration, gateway: gateway).register(v1)
        TemplateRoutes(manager: manager, configuration: configuration).register(v1)
        RevocationRoutes(manager: manager).register(v1, feed: feed)
    }
}
