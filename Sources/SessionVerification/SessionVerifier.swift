public import SessionTokens
import SessionCrypto

/// Networkless verification of Tessera (and Clerk-shaped) session and template tokens.
///
/// Synchronous and `Sendable`: no actor, no I/O, no `await` on the verify path. The order is
/// fixed and fails closed: size cap → split → header only → key by exact `kid` → header `alg`
/// must equal the key's → signature over the raw signing input → only then the payload →
/// `exp/nbf/iat/iss/azp/aud` with leeway → revocations.
public struct SessionVerifier: Sendable {
    /// Tokens longer than this are refused unread (a session token is well under 2 KB).
    public static let defaultMaximumTokenBytes = 8192

    enum KeySource: Sendable {
        case fixed(VerifierKeys)
        case live(LiveKeys)
    }

    let keySource: KeySource
    public var policy: ClaimPolicy {
        didSet { expectedStrings = Self.expectedStrings(of: policy) }
    }
    /// The issuer and parties the policy expects: parsed claims equal to one share its storage.
    private var expectedStrings: [String]
    public var maximumTokenBytes: Int
    /// Consulted after every other check; `nil` checks no revocations. A list with a staleness
    /// limit also refuses every token once it has not been confirmed for that long.
    public var revocations: RevocationList?

    public init(
        keys: VerifierKeys, policy: ClaimPolicy = ClaimPolicy(), maximumTokenBytes: Int = SessionVerifier.defaultMaximumTokenBytes,
        revocations: RevocationList? = nil
    ) {
        self.init(keySource: .fixed(keys), policy: policy, maximumTokenBytes: maximumTokenBytes, revocations: revocations)
    }

    /// A verifier over keys that a follower replaces (see `VerifierSync`).
    public init(
        keys: LiveKeys, policy: ClaimPolicy = ClaimPolicy(), maximumTokenBytes: Int = SessionVerifier.defaultMaximumTokenBytes,
        revocations: RevocationList? = nil
    ) {
        self.init(keySource: .live(keys), policy: policy, maximumTokenBytes: maximumTokenBytes, revocations: revocations)
    }

    private init(keySource: KeySource, policy: ClaimPolicy, maximumTokenBytes: Int, revocations: RevocationList?) {
        self.keySource = keySource
        self.policy = policy
        self.expectedStrings = Self.expectedStrings(of: policy)
        self.maximumTokenBytes = maximumTokenBytes
        self.revocations = revocations
    }

    private static func expectedStrings(of policy: ClaimPolicy) -> [String] {
        var strings = policy.issuer.map { [$0] } ?? []
        if let parties = policy.authorizedParties, parties.count <= 8 { strings += parties }
        return strings
    }

    /// The keys trusted now.
    public var keys: VerifierKeys {
        switch keySource {
        case .fixed(let keys): keys
        case .live(let live): live.keys
        }
    }

    /// Verifies a token at `now` (Unix seconds) and returns its claims.
    public func verify(_ token: String, now: Int64) throws(VerificationError) -> VerifiedToken {
        try withTokenBytes(token) { bytes throws(VerificationError) in try verify(bytes, now: now) }
    }

    /// Checks the JWS signature alone and returns the decoded payload as is, for JWS whose
    /// payload is not a claims set (published examples) or callers that validate claims themselves.
    public func verifySignature(_ token: String) throws(VerificationError) -> VerifiedJWS {
        try withTokenBytes(token) { bytes throws(VerificationError) in
            let (header, _, parts) = try checkSignature(bytes)
            guard let payload = Base64URL.decode(UnsafeBufferPointer(rebasing: bytes[parts.payload])) else {
                throw VerificationError(.malformed, "payload is not canonical base64url")
            }
            return VerifiedJWS(header: header, payload: payload)
        }
    }

    private func verify(_ token: UnsafeBufferPointer<UInt8>, now: Int64) throws(VerificationError) -> VerifiedToken {
        let (header, _, parts) = try checkSignature(token)
        if let type = header.type, type != "JWT", type.uppercased() != "JWT" {
            throw VerificationError(.malformed, "header typ \(type) is not JWT")
        }
        // The payload is decoded once into an array the claims then keep (template claims are
        // decoded from it lazily), so it is neither copied nor parsed twice.
        guard let payload = Base64URL.decode(UnsafeBufferPointer(rebasing: token[parts.payload])) else {
            throw VerificationError(.malformed, "payload is not canonical base64url")
        }
        let claims: JWTClaims
        do throws(TokenError) { claims = try JWTClaims.parse(payload, reusing: expectedStrings) } catch {
            throw VerificationError(error.code == .invalidClaim ? .invalidClaim : .malformed, error.reason)
        }
        if let violation = policy.violation(of: claims, now: now) { throw Self.error(for: violation, now: now) }
        if let revocations {
            switch revocations.check(sessionID: claims.sessionID, userID: claims.subject, issuedAt: claims.issuedAt ?? 0) {
            case .clear:
                // A token minted for an OAuth client names it in `client_id` (RFC 9068); it is read
                // only for a user with a revoked consent on the list.
                if revocations.hasConsents(of: claims.subject), let user = claims.subject,
                    let client = claims.additional["client_id"]?.stringValue,
                    revocations.isConsentRevoked(userID: user, clientID: client, issuedAt: claims.issuedAt ?? 0)
                {
                    throw VerificationError(.revoked, "the user's consent to client \(client) was revoked")
                }
            case .revoked:
                throw VerificationError(.revoked, claims.sessionID.map { "session \($0) was revoked" } ?? "the user's tokens were revoked")
            case .stale(let age):
                throw VerificationError(
                    .revocationsStale,
                    age.map { "the revocation list was last confirmed \($0) ago" } ?? "the revocation list has not been loaded yet")
            }
        }
        return VerifiedToken(header: header, claims: claims)
    }

    /// Runs `body` over the token's UTF-8 bytes after the size cap. `withUTF8` reads a native string
    /// in place (and makes a bridged one contiguous first); going through it directly, rather than a
    /// `Result` round trip, keeps the verify path free of copies of `self` and of the result.
    @inline(__always)
    private func withTokenBytes<Value>(
        _ token: String, _ body: (UnsafeBufferPointer<UInt8>) throws(VerificationError) -> Value
    ) throws(VerificationError) -> Value {
        guard token.utf8.count <= maximumTokenBytes else {
            throw VerificationError(.tokenTooLarge, "token is \(token.utf8.count) bytes; the limit is \(maximumTokenBytes)")
        }
        var token = token
        do {
            return try token.withUTF8 { bytes in try body(bytes) }
        } catch {
            throw error as? VerificationError ?? VerificationError(.malformed, "\(error)")
        }
    }

    /// Size cap is done; here: split, header, key by exact kid, alg pinned, then the signature.
    private func checkSignature(
        _ token: UnsafeBufferPointer<UInt8>
    ) throws(VerificationError) -> (JOSEHeader, VerificationKey, CompactJWS.Parts) {
        let parts: CompactJWS.Parts
        do { parts = try CompactJWS.split(token) } catch { throw VerificationError(.malformed, error.reason) }
        let header: JOSEHeader
        let key: VerificationKey
        let keys = self.keys
        if let known = keys.knownHeader(UnsafeBufferPointer(rebasing: token[parts.header])) {
            (header, key) = known
        } else {
            guard let headerJSON = Base64URL.decode(UnsafeBufferPointer(rebasing: token[parts.header])) else {
                throw VerificationError(.malformed, "header is not canonical base64url")
            }
            do { header = try JOSEHeader.parse(headerJSON) } catch { throw VerificationError(.malformed, error.reason) }
            guard header.algorithm != nil else {
                throw VerificationError(.unsupportedAlgorithm, "alg \(header.algorithmName) is not accepted")
            }
            guard let found = keys.key(for: header.keyID) else {
                if case .live(let live) = keySource { live.requestRefresh() }
                throw VerificationError(.unknownKeyID, header.keyID.map { "no key has kid \($0)" } ?? "the token names no kid")
            }
            key = found
        }
        guard header.algorithm == key.algorithm else {
            throw VerificationError(.algorithmMismatch, "token says \(header.algorithmName) but key \(key.keyID) is \(key.algorithm)")
        }
        let encodedSignature = UnsafeBufferPointer(rebasing: token[parts.signature])
        let valid: Bool? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Base64URL.decodedCapacity(encodedSignature.count)) {
            scratch in
            guard let count = Base64URL.decode(encodedSignature, to: scratch.baseAddress!) else { return nil }
            let input = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: token[parts.signingInput]))
            return key.isValidSignature(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: scratch[0..<count])), for: input)
        }
        guard let valid else { throw VerificationError(.malformed, "signature is not canonical base64url") }
        guard valid else { throw VerificationError(.badSignature, "signature does not verify under key \(key.keyID)") }
        return (header, key, parts)
    }

    static func error(for violation: ClaimViolation, now: Int64) -> VerificationError {
        switch violation {
        case .missing(let name): VerificationError(.missingClaim, "claim \(name) is required")
        case .expired(let expiresAt): VerificationError(.expired, "expired at \(expiresAt), now \(now)")
        case .notYetValid(let notBefore): VerificationError(.notYetValid, "not valid before \(notBefore), now \(now)")
        case .issuedInFuture(let issuedAt): VerificationError(.issuedInFuture, "issued at \(issuedAt), after now \(now)")
        case .wrongIssuer(let issuer): VerificationError(.wrongIssuer, "issuer \(issuer) is not the expected one")
        case .unauthorizedParty(let party): VerificationError(.unauthorizedParty, "azp \(party ?? "(none)") is not an authorized party")
        case .wrongAudience(let audiences): VerificationError(.wrongAudience, "audience \(audiences) does not include the expected one")
        }
    }
}
