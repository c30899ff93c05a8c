public import Hummingbird
public import SessionManagement
import SessionCrypto
import SessionTokens
import SessionVerification

/// Builds the HTTP application: one route collection per API surface over the same use cases.
public enum SessionServer {
    public static func router(
        manager: SessionManager, configuration: ServerConfiguration = ServerConfiguration(), gateway: GatewayVerifier
    ) throws -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        // Added before any route, so that unknown routes get a Clerk error body too.
        router.add(middleware: ErrorMiddleware())
        let jwksBody = JSONValue.object(manager.jwks.jsonObject)
        router.get("/.well-known/jwks.json") { _, _ in
            JSONResponse.make(jwksBody, headers: [.cacheControl: "public, max-age=\(configuration.jwksMaxAgeSeconds)"])
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
        // The gateway route authenticates the user's token, not a secret key: outside the /v1 key middleware.
        GatewayRoutes(gateway: gateway, claimHeaders: configuration.gatewayClaimHeaders, clock: { manager.now }).register(router)
        OperatorRoutes(manager: manager).register(router)
        let v1 = router.group("v1").add(middleware: SecretKeyMiddleware(manager: manager))
        v1.get("jwks") { _, _ in JSONResponse.make(jwksBody) }
        SessionRoutes(manager: manager, configuration: configuration, gateway: gateway).register(v1)
        UserRoutes(manager: manager, configuration: configuration).register(v1)
        TemplateRoutes(manager: manager, configuration: configuration).register(v1)
        RevocationRoutes(manager: manager).register(v1)
        return router
    }
}
