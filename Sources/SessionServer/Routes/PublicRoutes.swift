import Hummingbird
import SessionManagement
import SessionTokens

/// What anyone may read: each tenant's JWKS, health, and the OpenAPI document. The JWKS's
/// `Cache-Control` follows the tenant's key schedule (`TenantKeys.jwksMaxAge`).
struct PublicRoutes {
    let manager: SessionManager
    let configuration: ServerConfiguration

    func register(_ router: Router<ServerContext>) {
        router.get("/.well-known/jwks.json") { _, _ in
            try await jwks(try await manager.tenantKeys(slug: SessionManager.defaultSlug))
        }
        router.group("t/:slug").add(middleware: APIErrorMiddleware()).get(".well-known/jwks.json") { _, context in
            try await jwks(try await manager.tenantKeys(slug: try context.slug()))
        }
        router.get("/health") { _, _ in JSONResponse.make(.object(["status": .string("ok")])) }
        router.get("/openapi.yaml") { _, _ in
            guard let document = configuration.openAPIDocument else {
                throw ClerkError.notFound("Resource not found", "this server was started without its OpenAPI document")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }

    func jwks(_ tenant: TenantKeys) async throws -> Response {
        let now = manager.now
        let maxAge = tenant.jwksMaxAge(at: now, maximum: manager.configuration.jwksMaxAgeSeconds)
        return JSONResponse.make(.object(tenant.jwks(at: now).jsonObject), headers: [.cacheControl: "public, max-age=\(maxAge)"])
    }
}
