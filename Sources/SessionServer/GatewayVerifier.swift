public import SessionManagement
import SessionStorage
import SessionTokens
import SessionCrypto
import SessionVerification
import Synchronization
import HTTPTypes
import NIOCore

/// Networkless verification inside the server, for forward-auth gateways and the deprecated verify:
/// no database on the path. Each tenant is judged by its own keys and issuer; a token verified for
/// one tenant is never answered from the cache for another. Revocations come from an in-memory list, one of the views that follow
/// the manager's `RevocationStream` (so it has a revocation committed here before that revocation
/// is acknowledged, and one committed by another process within the catch-up interval); positive
/// results are cached per token until it expires, and the list is consulted on every request,
/// cached or not.
public final class GatewayVerifier: Sendable {
    /// What the gateway route answers for a token, rendered once and kept with its claims.
    struct Answer: Sendable {
        var headers: HTTPFields
        var body: ByteBuffer
    }

    struct Entry: Sendable {
        /// The tenant the token was verified for.
        var instanceID: String
        var claims: JWTClaims
        var answer: Answer?
    }

    /// A cache key that hashes a token's length and last 16 bytes (its signature's tail, random for
    /// every token we mint) rather than all of its ~1 KB; equality still compares the whole token.
    /// Only verified tokens are stored, so nobody can fill the cache with colliding keys.
    struct TokenKey: Hashable, Sendable {
        let token: String

        /// Bytes, not `String ==`: canonical equivalence would answer a different token (one `K`
        /// replaced by the Kelvin sign U+212A) with a cached one's verdict.
        /// Over the contiguous UTF-8 buffers: walking two `String.UTF8View`s byte by byte cost more
        /// than the rest of a cached answer.
        static func == (lhs: TokenKey, rhs: TokenKey) -> Bool {
            var left = lhs.token
            var right = rhs.token
            return left.withUTF8 { a in right.withUTF8 { b in a.count == b.count && a.elementsEqual(b) } }
        }

        func hash(into hasher: inout Hasher) {
            let utf8 = token.utf8
            hasher.combine(utf8.count)
            for byte in utf8.suffix(16) { hasher.combine(byte) }
        }
    }

    /// A tenant's verifier, built for one set of its keys (a rotation brings a new `TenantKeys`).
    /// It holds the keys it was built for, not their `ObjectIdentifier`: once freed, a new set
    /// could be allocated at the same address and pass for the old one.
    private struct TenantVerifier {
        let keys: TenantKeys
        let verifier: SessionVerifier
    }

    let leeway: Int64
    let revocations: RevocationList
    private let verifiers = Mutex<[String: TenantVerifier]>([:])
    private let cache = Mutex<[TokenKey: Entry]>([:])
    private static let capacity = 100_000

    init(leeway: Int64, revocations: RevocationList) {
        self.leeway = leeway
        self.revocations = revocations
    }

    /// Builds the verifier, makes it follow the revocation stream (one list for every tenant:
    /// session and user ids are unique across tenants), then loads the entries committed before
    /// the stream started (in that order, so none is missed; applying an entry twice is harmless).
    public static func make(manager: SessionManager) async throws -> GatewayVerifier {
        let gateway = GatewayVerifier(leeway: manager.configuration.leewaySeconds, revocations: RevocationList())
        await manager.revocations.follow { entries, _ in
            for entry in entries { gateway.apply(entry) }
        }
        try await manager.revocations.start()
        for entry in try await manager.liveRevocations() { gateway.apply(entry) }
        return gateway
    }

    /// The verifier for a tenant's current keys, built once per rotation.
    func verifier(for tenant: TenantKeys) throws(VerificationError) -> SessionVerifier {
        if let known = verifiers.withLock({ $0[tenant.instance.id] }), known.keys === tenant { return known.verifier }
        let keys: VerifierKeys
        do { keys = try VerifierKeys(tenant.verificationKeys) } catch {
            throw VerificationError(.unknownKeyID, "the tenant's keys are unusable: \(error.reason)")
        }
        let verifier = SessionVerifier(
            keys: keys, policy: ClaimPolicy(leeway: leeway, issuer: tenant.issuer), revocations: revocations)
        verifiers.withLock { $0[tenant.instance.id] = TenantVerifier(keys: tenant, verifier: verifier) }
        return verifier
    }

    func apply(_ revocation: Revocation) {
        switch revocation.target {
        case .session(let id): revocations.revokeSession(id, retainUntil: revocation.retainUntil)
        case .user(let id, let notBefore, let sessionIDs):
            revocations.revokeUser(id, notBefore: notBefore, sessionIDs: sessionIDs, retainUntil: revocation.retainUntil)
        case .secretKey, .signingKey: break
        }
    }

    /// The claims of a valid, unrevoked token of `tenant` at `now` (Unix seconds).
    func verify(_ token: String, tenant: TenantKeys, now: Int64) throws(VerificationError) -> JWTClaims {
        try entry(for: token, tenant: tenant, now: now).claims
    }

    /// The cached entry of a valid, unrevoked token of `tenant` at `now`, with the gateway's answer once rendered.
    func entry(for token: String, tenant: TenantKeys, now: Int64) throws(VerificationError) -> Entry {
        let key = TokenKey(token: token)
        let verifier = try verifier(for: tenant)
        if let entry = cache.withLock({ $0[key] }), entry.instanceID == tenant.instance.id, let expiresAt = entry.claims.expiresAt,
            !verifier.policy.hasExpired(expiresAt, at: now)
        {
            let claims = entry.claims
            if revocations.isRevoked(sessionID: claims.sessionID, userID: claims.subject, issuedAt: claims.issuedAt ?? 0) {
                throw VerificationError(.revoked, claims.sessionID.map { "session \($0) was revoked" } ?? "the user's tokens were revoked")
            }
            return entry
        }
        let entry = Entry(instanceID: tenant.instance.id, claims: try verifier.verify(token, now: now).claims, answer: nil)
        cache.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = entry
        }
        return entry
    }

    /// Keeps the gateway's rendered answer beside a cached token, so the next request reuses it.
    func remember(_ answer: Answer, for token: String) {
        cache.withLock { $0[TokenKey(token: token)]?.answer = answer }
    }
}
