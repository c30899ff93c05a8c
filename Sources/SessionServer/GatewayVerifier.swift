public import SessionManagement
public import SessionStorage
import SessionTokens
import SessionCrypto
import SessionVerification
import Synchronization

/// Networkless verification inside the server, for forward-auth gateways and the deprecated verify:
/// no database on the path. Revocations come from an in-memory list that every revocation committed
/// in this process updates at once; positive results are cached per token until it expires, and
/// the revocation list is consulted on every request, cached or not.
public final class GatewayVerifier: Sendable {
    let verifier: SessionVerifier
    let revocations: RevocationList
    private let cache = Mutex<[String: JWTClaims]>([:])
    private static let capacity = 100_000

    init(verifier: SessionVerifier, revocations: RevocationList) {
        self.verifier = verifier
        self.revocations = revocations
    }

    /// Builds the verifier over the manager's keys, subscribes it to committed revocations, then
    /// loads the entries already on the list (in that order, so none is missed; applying twice is harmless).
    public static func make(manager: SessionManager, instance: Instance?) async throws -> GatewayVerifier {
        let revocations = RevocationList()
        let gateway = GatewayVerifier(
            verifier: SessionVerifier(
                keys: try VerifierKeys(manager.keys.verificationKeys),
                policy: ClaimPolicy(leeway: manager.configuration.leewaySeconds, issuer: manager.configuration.issuer),
                revocations: revocations),
            revocations: revocations)
        manager.revocations.subscribe { gateway.apply($0) }
        if let instance {
            for entry in try await manager.liveRevocations(in: instance) { gateway.apply(entry) }
        }
        return gateway
    }

    func apply(_ revocation: Revocation) {
        switch revocation.target {
        case .session(let id): revocations.revokeSession(id, retainUntil: revocation.retainUntil)
        case .user(let id, let notBefore): revocations.revokeUser(id, notBefore: notBefore, retainUntil: revocation.retainUntil)
        }
    }

    /// The claims of a valid, unrevoked token at `now` (Unix seconds).
    func verify(_ token: String, now: Int64) throws(VerificationError) -> JWTClaims {
        if let claims = cache.withLock({ $0[token] }), let expiresAt = claims.expiresAt,
            now < expiresAt + verifier.policy.leeway
        {
            if revocations.isRevoked(sessionID: claims.sessionID, userID: claims.subject, issuedAt: claims.issuedAt ?? 0) {
                throw VerificationError(.revoked, claims.sessionID.map { "session \($0) was revoked" } ?? "the user's tokens were revoked")
            }
            return claims
        }
        let claims = try verifier.verify(token, now: now).claims
        cache.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache[token] = claims
        }
        return claims
    }
}
