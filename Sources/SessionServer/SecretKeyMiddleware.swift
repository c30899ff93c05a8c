import Hummingbird
import Logging
import SessionManagement
import SessionStorage

/// `Authorization: Bearer sk_…` → the instance, or a Clerk 401. Keys are checked against stored
/// SHA-256 hashes (constant-time comparison in `SessionManager.authenticate`); keys are never logged.
/// A verifier key (`vk_…`) passes only for reading the revocation feed and the JWKS; anything else is 403.
/// Then the key's rate limit (`V1RateLimiter`), counted only once the key has authenticated, so that requests with
/// a wrong key never spend a real key's budget.
struct SecretKeyMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let manager: SessionManager
    /// `nil` when rate limits are off.
    let limits: V1RateLimiter?

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        guard let credential = request.bearerCredential else { throw ClerkError.headerFormat }
        var context = context
        let (instance, scope, keyID): (Instance, KeyScope, String)
        do {
            // The cache's answer without a suspension when it has one (Decision 0020).
            if let cached = try manager.authenticateKeyFromCache(credential) {
                (instance, scope, keyID) = cached
            } else {
                (instance, scope, keyID) = try await manager.authenticateKey(credential)
            }
        } catch {
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
        let exempt = V1RateLimiter.isExempt(method: request.method, path: Substring(request.uri.path))
        if let limits, !exempt, let refusal = limits.take(keyID: keyID, environment: instance.environment, now: manager.now) {
            context.observation?.metrics.rateLimited(.v1)
            context.logger.security(.rateLimited, ["surface": "v1", "limit": "secret_key", "tenant": .string(instance.slug)])
            return refusal
        }
        // Behind a load balancer the previous request may have written through another node. The
        // verify routes, the feed and the JWKS answer from the lists every node follows anyway.
        if manager.sharesStore, !exempt { try await manager.catchUpWithOtherNodes() }
        context.principal = .tenantKey(tenant: instance, scope: scope)
        let authenticated = context
        return try await AuditContext.$current.withValue(AuditContext(actor: AuditEvent.Actor(type: .secretKey, id: keyID))) {
            try await next(request, authenticated)
        }
    }

    static let verifierPaths: Set<String> = ["/v1/revocations", "/v1/jwks"]
}
