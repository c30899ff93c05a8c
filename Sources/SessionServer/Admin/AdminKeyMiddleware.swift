import Hummingbird
import SessionManagement
import SessionNetwork
import SessionStorage

/// `/t/{tenant}/api/v1/admin`: `Authorization: Bearer sk_…` of that tenant. No key, an unknown or
/// revoked key, or an operator key is a 401 with `WWW-Authenticate`; a verifier key, or a live key
/// of another tenant, is a 403. Either way nothing runs.
struct AdminKeyMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let manager: SessionManager
    let activity: ActivityRecorder

    static let realm = "tessera-admin"
    static let unauthenticated = APIError(
        .unauthorized, "unauthenticated", "Send Authorization: Bearer sk_… with a live secret key of this tenant", realm: realm)

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let slug = try context.slug()
        guard let credential = request.bearerCredential else { throw Self.unauthenticated }
        let (instance, scope, keyID): (Instance, KeyScope, String)
        do { (instance, scope, keyID) = try await manager.authenticateKey(credential) } catch {
            throw error.code == .unauthenticated ? Self.unauthenticated : APIError(error)
        }
        switch scope {
        case .operator: throw Self.unauthenticated
        case .verifier: throw APIError(.forbidden, "forbidden", "A verifier key only reads the JWKS and the revocation feed")
        case .full: break
        }
        guard instance.slug == slug else { throw APIError(.forbidden, "forbidden", "This key belongs to another tenant") }
        // Behind a load balancer the previous request may have written through another node.
        if manager.sharesStore {
            do { try await manager.catchUpWithOtherNodes() } catch { throw APIError(error) }
        }
        var context = context
        context.principal = .tenantKey(tenant: instance, scope: scope)
        let audit = AuditContext(
            actor: AuditEvent.Actor(type: .secretKey, id: keyID), ipAddress: activity.clientAddress(for: request, context: context)?.description,
            userAgent: request.headers[.userAgent].flatMap { try? ActivityRecorder.userAgent($0) })
        let authenticated = context
        return try await AuditContext.$current.withValue(audit) { try await next(request, authenticated) }
    }
}
