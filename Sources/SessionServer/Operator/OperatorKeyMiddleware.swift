import Hummingbird
import Logging
import SessionManagement
import SessionStorage

/// `Authorization: Bearer op_…` → the request may use the operator surface; anything else is a 401
/// with `WWW-Authenticate`. Tenant secret keys and verifier keys are refused here, as operator keys
/// are refused on `/v1`.
struct OperatorKeyMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let manager: SessionManager

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        guard let credential = request.bearerCredential else { throw APIError.unauthenticated }
        let scope: KeyScope
        let keyID: String
        do { (_, scope, keyID) = try await manager.authenticateKey(credential) } catch {
            // An unknown key is a 401; a store that cannot answer is not the caller's fault.
            guard error.code == .unauthenticated else { throw APIError(error) }
            context.logger.security(.refusedOperatorKey, ["reason": "unknown_key"])
            throw APIError.unauthenticated
        }
        guard scope == .operator else {
            context.logger.security(.refusedOperatorKey, ["reason": "tenant_key"])
            throw APIError.unauthenticated
        }
        var context = context
        context.principal = .operator
        let authenticated = context
        return try await AuditContext.$current.withValue(AuditContext(actor: AuditEvent.Actor(type: .operator, id: keyID))) {
            try await next(request, authenticated)
        }
    }
}
