public import SessionManagement
import SessionStorage
import SessionCaching
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
/// cached or not, so that dropping an entry from the cache only ever costs a verification.
///
/// The cache is bounded in bytes (`--gateway-cache-bytes`): expired tokens leave first, then the
/// least recently used. An entry holds what the two routes read and nothing else: no token text
/// (it is keyed by the token's SHA-256) and no claims beyond the revocation check's.
public final class GatewayVerifier: Sendable {
    /// What the gateway route answers for a token, rendered once and kept with it.
    struct Answer: Sendable {
        var headers: HTTPFields
        var body: ByteBuffer

        /// The header array and the body's storage and bytes. Header values that are the token's
        /// `sid` and `sub` share those strings' storage and are counted with the entry.
        func heapBytes(sharing shared: [String?]) -> Int {
            var bytes = HeapBytes.allocation(32 + headers.count * MemoryLayout<HTTPField>.stride)
            for field in headers where !shared.contains(field.value) { bytes += HeapBytes.string(field.value) }
            return bytes + HeapBytes.allocation(Self.byteBufferStorage) + HeapBytes.allocation(body.capacity)
        }

        /// A `ByteBuffer`'s storage object: object header, capacity, pointer and allocator.
        static let byteBufferStorage = 64
    }

    /// A verified token: what the revocation check and the two routes read.
    struct Entry: Sendable {
        /// The tenant the token was verified for.
        var instanceID: String
        var sessionID: String?
        var subject: String?
        var issuedAt: Int64
        /// The OAuth client a token was minted for (`client_id`), which a revoked consent refuses.
        var clientID: String?
        /// `GET /v1/verify`'s 200 answer, once it has been rendered.
        var answer: Answer?

        init(_ claims: JWTClaims, instanceID: String, answer: Answer?) {
            self.instanceID = instanceID
            sessionID = claims.sessionID
            subject = claims.subject
            issuedAt = claims.issuedAt ?? 0
            // Read once, when the token is first verified: template claims are decoded on access.
            clientID = claims.additional["client_id"]?.stringValue
            self.answer = answer
        }

        var heapBytes: Int {
            HeapBytes.string(instanceID) + HeapBytes.string(sessionID) + HeapBytes.string(subject) + HeapBytes.string(clientID)
                + (answer?.heapBytes(sharing: [sessionID, subject]) ?? 0)
        }
    }

    /// The token cache's default budget: about 16 000 tokens with their answers.
    public static let defaultCacheBytes = 16 << 20

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
    /// Verified tokens by their SHA-256, in Unix seconds.
    private let cache: Mutex<BoundedCache<SHA256.Digest, Entry>>
    /// The deprecated verify's rendered sessions (Decision 0020).
    let sessionAnswers: DeprecatedVerifyAnswers

    init(leeway: Int64, revocations: RevocationList, cacheBytes: Int = GatewayVerifier.defaultCacheBytes) {
        self.leeway = leeway
        self.revocations = revocations
        cache = Mutex(BoundedCache(budget: cacheBytes))
        sessionAnswers = DeprecatedVerifyAnswers(budget: min(DeprecatedVerifyAnswers.defaultBudget, cacheBytes))
    }

    /// Builds the verifier, makes it follow the revocation stream (one list for every tenant:
    /// session and user ids are unique across tenants), then loads the entries committed before
    /// the stream started (in that order, so none is missed; applying an entry twice is harmless).
    /// - Parameter cacheBytes: the budget of the token cache.
    public static func make(manager: SessionManager, cacheBytes: Int = GatewayVerifier.defaultCacheBytes) async throws -> GatewayVerifier {
        let gateway = GatewayVerifier(leeway: manager.configuration.leewaySeconds, revocations: RevocationList(), cacheBytes: cacheBytes)
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
        case .user(let id, let notBefore, let sessionIDs), .otherSessions(let id, _, let notBefore, let sessionIDs):
            revocations.revokeUser(id, notBefore: notBefore, sessionIDs: sessionIDs, retainUntil: revocation.retainUntil)
        case .consent(_, let userID, let clientID, let notBefore):
            revocations.revokeConsent(userID: userID, clientID: clientID, notBefore: notBefore, retainUntil: revocation.retainUntil)
        case .secretKey, .signingKey, .userUpdated, .templateChanged, .tenantChanged: break
        }
    }

    /// The cache key of a token: the SHA-256 of its exact bytes.
    static func key(for token: String) -> SHA256.Digest {
        SHA256.digest(utf8: token)
    }

    /// A valid, unrevoked token of `tenant` at `now` (Unix seconds): its session and user.
    func verify(_ token: String, tenant: TenantKeys, now: Int64) throws(VerificationError) -> Entry {
        let key = Self.key(for: token)
        if let entry = try cached(key, tenant: tenant, now: now) { return entry }
        let verifier = try verifier(for: tenant)
        let claims = try verifier.verify(token, now: now).claims
        let entry = Entry(claims, instanceID: tenant.instance.id, answer: nil)
        remember(entry, key: key, expiresAt: claims.expiresAt, policy: verifier.policy, now: now)
        return entry
    }

    /// The gateway's answer for a valid, unrevoked token of `tenant` at `now` (Unix seconds): from
    /// the cache, or rendered from the verified claims by `render` and kept.
    func answer(for token: String, tenant: TenantKeys, now: Int64, render: (JWTClaims) -> Answer) throws(VerificationError) -> Answer {
        let key = Self.key(for: token)
        if let answer = try cached(key, tenant: tenant, now: now)?.answer { return answer }
        // Not cached, or cached by the deprecated verify without an answer: the claims are needed.
        let verifier = try verifier(for: tenant)
        let claims = try verifier.verify(token, now: now).claims
        let answer = render(claims)
        remember(Entry(claims, instanceID: tenant.instance.id, answer: answer), key: key, expiresAt: claims.expiresAt, policy: verifier.policy, now: now)
        return answer
    }

    /// The cached entry of an unexpired token verified for `tenant`, checked against the
    /// revocation list. A token verified for another tenant is not this tenant's: a miss.
    private func cached(_ key: SHA256.Digest, tenant: TenantKeys, now: Int64) throws(VerificationError) -> Entry? {
        guard let entry = cache.withLock({ $0.value(forKey: key, now: now) }), entry.instanceID == tenant.instance.id else { return nil }
        if revocations.isRevoked(sessionID: entry.sessionID, userID: entry.subject, issuedAt: entry.issuedAt) {
            throw VerificationError(.revoked, entry.sessionID.map { "session \($0) was revoked" } ?? "the user's tokens were revoked")
        }
        if let client = entry.clientID, let user = entry.subject, revocations.hasConsents(of: user),
            revocations.isConsentRevoked(userID: user, clientID: client, issuedAt: entry.issuedAt)
        {
            throw VerificationError(.revoked, "the user's consent to client \(client) was revoked")
        }
        return entry
    }

    /// Keeps a verified token until the policy refuses it as expired; one without `exp` is not kept.
    private func remember(_ entry: Entry, key: SHA256.Digest, expiresAt: Int64?, policy: ClaimPolicy, now: Int64) {
        guard let expiresAt else { return }
        let refusedFrom = policy.refusedFrom(expiresAt: expiresAt)
        let bytes = entry.heapBytes
        cache.withLock { _ = $0.insert(entry, forKey: key, bytes: bytes, expiresAt: refusedFrom, now: now) }
    }

    /// Drops the tokens that have expired at `now` (Unix seconds), so that an idle gateway gives their memory back.
    func removeExpired(now: Int64) {
        cache.withLock { $0.removeExpired(now: now) }
    }

    /// The token cache's bytes and entries, for tests and diagnostics.
    var cacheUsage: (bytes: Int, count: Int, budget: Int) {
        cache.withLock { ($0.byteCount, $0.count, $0.budget) }
    }

    /// Whether a token is cached and unexpired at `now`.
    func isCached(_ token: String, now: Int64) -> Bool {
        cache.withLock { $0.contains(Self.key(for: token), now: now) }
    }
}
