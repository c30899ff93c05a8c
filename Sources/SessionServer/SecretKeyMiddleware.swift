import Hummingbird
import SessionManagement

/// `Authorization: Bearer sk_…` → the instance, or a Clerk 401. Keys are checked against stored
/// SHA-256 hashes (constant-time comparison in `SessionManager.authenticate`); keys are never logged.
struct SecretKeyMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let manager: SessionManager

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw ClerkError.headerFormat }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].contains(" ") else { throw ClerkError.headerFormat }
        var context = context
        context.instance = try await manager.authenticate(secretKey: String(parts[1]))
        return try await next(request, context)
    }
}
