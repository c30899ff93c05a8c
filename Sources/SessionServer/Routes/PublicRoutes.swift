import Hummingbird
import SessionManagement
import SessionTokens

/// What anyone may read: each tenant's JWKS, health, and the OpenAPI document with its page
/// (`DocsRoutes`). The JWKS's `Cache-Control` follows the tenant's key schedule (`TenantKeys.jwksMaxAge`).
struct PublicRoutes {
    let manager: SessionManager

    func register(_ router: Router<ServerContext>) {
        router.get("/.well-known/jwks.json") { _, _ in
            try await jwks(try await manager.tenantKeys(slug: SessionManager.defaultSlug))
        }
        router.group("t/:slug").add(middleware: APIErrorMiddleware()).get(".well-known/jwks.json") { _, context in
            try await jwks(try await manager.tenantKeys(slug: try context.slug()))
        }
        router.get("/health") { _, _ in JSONResponse.make(.object(["status": .string("ok")])) }
        DocsRoutes().register(router)
    }

    func jwks(_ tenant: TenantKeys) async throws -> Response {
        let now = manager.now
        let maxAge = tenant.jwksMaxAge(at: now, maximum: manager.configuration.jwksMaxAgeSeconds)
        return JSONResponse.make(.object(tenant.jwks(at: now).jsonObject), headers: [.cacheControl: "public, max-age=\(maxAge)"])
    }
}
