import Hummingbird
import Logging
import SessionManagement
import SessionStorage

/// `Authorization: Bearer sk_…` → the instance, or a Clerk 401: the authenticator of every `/v1`
/// route (`V1Group`). Keys are checked against stored SHA-256 hashes (constant-time comparison in
/// `SessionManager.authenticate`); keys are never logged. A verifier key (`vk_…`) passes only where
/// the route's `V1Access` admits it (the feed and the JWKS); anywhere else it is 403. Then the key's
/// rate limit (`V1RateLimiter`), counted only once the key has authenticated, so that requests with
/// a wrong key never spend a real key's budget.
///
/// What a route needs is said where it is registered (`V1Access`), never worked out from the
/// request's path: the router has already matched the route when this runs.
struct SecretKeyAuthenticator: Sendable {
    let manager: SessionManager
    /// `nil` when rate limits are off.
    let limits: V1RateLimiter?

    /// Authenticates the request, then runs `handler` with the tenant in the context. Entered where
    /// the route's responder runs, like the handler: no trip through the event loop's queue for either
    /// (Decision 0021).
    nonisolated(nonsending) func respond(
        to request: Request, context: ServerContext, access: V1Access, handler: V1Group.Handler
    ) async throws -> Response {
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
            guard access.admitsVerifierKeys else {
                context.logger.security(.refusedSecretKey, ["reason": "verifier_key_scope", "tenant": .string(instance.slug)])
                throw ClerkError.verifierKeyScope
            }
        case .operator:
            context.logger.security(.refusedSecretKey, ["reason": "operator_key"])
            throw ClerkError.invalidKey
        }
        context.principal = .tenantKey(tenant: instance, scope: scope)
        // What verifiers and gateways poll answers from the lists every node follows and writes
        // nothing: no budget spent, no catch-up awaited, no audit actor needed.
        if access.answersFromMemory { return try await handler(request, context) }
        if let limits, let refusal = limits.take(keyID: keyID, environment: instance.environment, now: manager.now) {
            context.observation?.metrics.rateLimited(.v1)
            context.logger.security(.rateLimited, ["surface": "v1", "limit": "secret_key", "tenant": .string(instance.slug)])
            return refusal
        }
        // Behind a load balancer the previous request may have written through another node.
        if manager.sharesStore { try await manager.catchUpWithOtherNodes() }
        let authenticated = context
        return try await AuditContext.$current.withValue(AuditContext(actor: AuditEvent.Actor(type: .secretKey, id: keyID))) {
            try await handler(request, authenticated)
        }
    }
}

/// What the routes of one `/v1` group need of `SecretKeyAuthenticator`.
struct V1Access: Sendable {
    /// Verifier keys (`vk_…`) are accepted; else they are refused with 403.
    let admitsVerifierKeys: Bool
    /// The routes answer from the lists every node follows and write nothing: they are not rate
    /// limited (verifiers and gateways poll them), do not wait for the read-after-write catch-up
    /// (gateways are told of revocations by the wake-up within milliseconds), and run without an
    /// audit actor.
    let answersFromMemory: Bool

    /// Everything else under `/v1`: full secret keys only, counted, caught up, audited.
    static let general = V1Access(admitsVerifierKeys: false, answersFromMemory: false)
    /// The deprecated `POST /v1/sessions/{id}/verify`: what gateways poll, with a full secret key.
    static let verification = V1Access(admitsVerifierKeys: false, answersFromMemory: true)
    /// `GET /v1/revocations` and `GET /v1/jwks`: what verifiers follow, with a verifier key too.
    static let feed = V1Access(admitsVerifierKeys: true, answersFromMemory: true)
}
