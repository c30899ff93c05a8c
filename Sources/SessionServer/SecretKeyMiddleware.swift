import Hummingbird
import Logging
import SessionManagement
import SessionStorage

/// `Authorization: Bearer sk_…` → the instance, or a Clerk 401. Keys are checked against stored
/// SHA-256 hashes (constant-time comparison in `SessionManager.authenticate`); keys are never logged.
/// A verifier key (`vk_…`) passes only for reading the revocation feed and the JWKS; anything else is 403.
struct SecretKeyMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let manager: SessionManager

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        guard let credential = request.bearerCredential else { throw ClerkError.headerFormat }
        var context = context
        let (instance, scope, keyID): (Instance, KeyScope, String)
        do { (instance, scope, keyID) = try await manager.authenticateKey(credential) } catch {
            if error.code == .unauthenticated { context.logger.security(.refusedSecretKey, ["reason": "unknown_key"]) }
            throw error
        }
        switch scope {
        case .full: break
        case .verifier:
            guard request.method == .get, Self.verifierPaths.contains(request.uri.path) else {
                context.logger.security(.refusedSecretKey, ["reason": "verifier_key_scope", "tenant": .string(instance.slug)])
                throw ClerkError.verifierKeyScope
            }
        case .operator:
            context.logger.security(.refusedSecretKey, ["reason": "operator_key"])
            throw ClerkError.invalidKey
        }
        context.principal = .tenantKey(tenant: instance, scope: scope)
        let authenticated = context
        return try await AuditContext.$current.withValue(AuditContext(actor: AuditEvent.Actor(type: .secretKey, id: keyID))) {
            try await next(request, authenticated)
        }
    }

    static let verifierPaths: Set<String> = ["/v1/revocations", "/v1/jwks"]
}
