public import SessionManagement
public import SessionStorage
import SessionTokens
import SessionCrypto
import SessionVerification
import Synchronization
import HTTPTypes
import NIOCore

/// Networkless verification inside the server, for forward-auth gateways and the deprecated verify:
/// no database on the path. Revocations come from an in-memory list, one of the views that follow
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

    let verifier: SessionVerifier
    let revocations: RevocationList
    private let cache = Mutex<[TokenKey: Entry]>([:])
    private static let capacity = 100_000

    init(verifier: SessionVerifier, revocations: RevocationList) {
        self.verifier = verifier
        self.revocations = revocations
    }

    /// Builds the verifier over the manager's keys, makes it follow the revocation stream, then
    /// loads the entries committed before the stream started (in that order, so none is missed;
    /// applying an entry twice is harmless).
    public static func make(manager: SessionManager, instance: Instance?) async throws -> GatewayVerifier {
        let revocations = RevocationList()
        let gateway = GatewayVerifier(
            verifier: SessionVerifier(
                keys: try VerifierKeys(manager.keys.verificationKeys),
                policy: ClaimPolicy(leeway: manager.configuration.leewaySeconds, issuer: manager.configuration.issuer),
                revocations: revocations),
            revocations: revocations)
        let instanceID = instance?.id
        await manager.revocations.follow { entries, _ in
            for entry in entries where entry.instanceID == instanceID { gateway.apply(entry) }
        }
        try await manager.revocations.start()
        if let instance {
            for entry in try await manager.liveRevocations(in: instance) { gateway.apply(entry) }
        }
        return gateway
    }

    func apply(_ revocation: Revocation) {
        switch revocation.target {
        case .session(let id): revocations.revokeSession(id, retainUntil: revocation.retainUntil)
        case .user(let id, let notBefore, let sessionIDs):
            revocations.revokeUser(id, notBefore: notBefore, sessionIDs: sessionIDs, retainUntil: revocation.retainUntil)
        case .secretKey: break
        }
    }

    /// The claims of a valid, unrevoked token at `now` (Unix seconds).
    func verify(_ token: String, now: Int64) throws(VerificationError) -> JWTClaims {
        try entry(for: token, now: now).claims
    }

    /// The cached entry of a valid, unrevoked token at `now`, with the gateway's answer once rendered.
    func entry(for token: String, now: Int64) throws(VerificationError) -> Entry {
        let key = TokenKey(token: token)
        if let entry = cache.withLock({ $0[key] }), let expiresAt = entry.claims.expiresAt,
            !verifier.policy.hasExpired(expiresAt, at: now)
        {
            let claims = entry.claims
            if revocations.isRevoked(sessionID: claims.sessionID, userID: claims.subject, issuedAt: claims.issuedAt ?? 0) {
                throw VerificationError(.revoked, claims.sessionID.map { "session \($0) was revoked" } ?? "the user's tokens were revoked")
            }
            return entry
        }
        let entry = Entry(claims: try verifier.verify(token, now: now).claims, answer: nil)
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
