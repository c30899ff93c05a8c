import Hummingbird
import SessionManagement

/// `Authorization: Bearer op_…` → the request may use the operator surface; anything else is a 401
/// with `WWW-Authenticate`. Tenant secret keys and verifier keys are refused here, as operator keys
/// are refused on `/v1`.
struct OperatorKeyMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let manager: SessionManager

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        guard let credential = request.bearerCredential else { throw APIError.unauthenticated }
        let scope: KeyScope
        do { (_, scope) = try await manager.authenticate(key: credential) } catch {
            // An unknown key is a 401; a store that cannot answer is not the caller's fault.
            throw error.code == .unauthenticated ? APIError.unauthenticated : APIError(error)
        }
        guard scope == .operator else { throw APIError.unauthenticated }
        var context = context
        context.principal = .operator
        return try await next(request, context)
    }
}
