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

    public var keys: VerifierKeys
    public var policy: ClaimPolicy
    public var maximumTokenBytes: Int
    /// Consulted after every other check; `nil` checks no revocations.
    public var revocations: RevocationList?

    public init(
        keys: VerifierKeys, policy: ClaimPolicy = ClaimPolicy(), maximumTokenBytes: Int = SessionVerifier.defaultMaximumTokenBytes,
        revocations: RevocationList? = nil
    ) {
        self.keys = keys
        self.policy = policy
        self.maximumTokenBytes = maximumTokenBytes
        self.revocations = revocations
    }

    /// Verifies a token at `now` (Unix seconds) and returns its claims.
    public func verify(_ token: String, now: Int64) throws(VerificationError) -> VerifiedToken {
        let (header, payload) = try checkSignature(token)
        if let type = header.type, type.uppercased() != "JWT" {
            throw VerificationError(.malformed, "header typ \(type) is not JWT")
        }
        let claims: JWTClaims
        do { claims = try JWTClaims.parse(payload) } catch {
            throw VerificationError(error.code == .invalidClaim ? .invalidClaim : .malformed, error.reason)
        }
        if let violation = policy.violation(of: claims, now: now) { throw Self.error(for: violation, now: now) }
        if let revocations, revocations.isRevoked(sessionID: claims.sessionID, userID: claims.subject, issuedAt: claims.issuedAt ?? 0) {
            throw VerificationError(.revoked, claims.sessionID.map { "session \($0) was revoked" } ?? "the user's tokens were revoked")
        }
        return VerifiedToken(header: header, claims: claims)
    }

    /// Checks the JWS signature alone and returns the decoded payload as is, for JWS whose
    /// payload is not a claims set (published examples) or callers that validate claims themselves.
    public func verifySignature(_ token: String) throws(VerificationError) -> VerifiedJWS {
        let (header, payload) = try checkSignature(token)
        return VerifiedJWS(header: header, payload: payload)
    }

    private func checkSignature(_ token: String) throws(VerificationError) -> (JOSEHeader, [UInt8]) {
        guard token.utf8.count <= maximumTokenBytes else {
            throw VerificationError(.tokenTooLarge, "token is \(token.utf8.count) bytes; the limit is \(maximumTokenBytes)")
        }
        let result: Result<(JOSEHeader, [UInt8]), VerificationError>? = token.utf8.withContiguousStorageIfAvailable { bytes in
            do throws(VerificationError) { return .success(try checkSignature(bytes)) } catch { return .failure(error) }
        }
        if let result { return try result.get() }
        let copy = Array(token.utf8)
        let fallback: Result<(JOSEHeader, [UInt8]), VerificationError> = copy.withUnsafeBufferPointer { bytes in
            do throws(VerificationError) { return .success(try checkSignature(bytes)) } catch { return .failure(error) }
        }
        return try fallback.get()
    }

    private func checkSignature(_ token: UnsafeBufferPointer<UInt8>) throws(VerificationError) -> (JOSEHeader, [UInt8]) {
        let parts: CompactJWS.Parts
        do { parts = try CompactJWS.split(token) } catch { throw VerificationError(.malformed, error.reason) }
        guard let headerJSON = Base64URL.decode(UnsafeBufferPointer(rebasing: token[parts.header])) else {
            throw VerificationError(.malformed, "header is not canonical base64url")
        }
        let header: JOSEHeader
        do { header = try JOSEHeader.parse(headerJSON) } catch { throw VerificationError(.malformed, error.reason) }
        guard let algorithm = header.algorithm else {
            throw VerificationError(.unsupportedAlgorithm, "alg \(header.algorithmName) is not accepted")
        }
        guard let key = keys.key(for: header.keyID) else {
            throw VerificationError(.unknownKeyID, header.keyID.map { "no key has kid \($0)" } ?? "the token names no kid")
        }
        guard algorithm == key.algorithm else {
            throw VerificationError(.algorithmMismatch, "token says \(header.algorithmName) but key \(key.keyID) is \(key.algorithm)")
        }
        guard let signature = Base64URL.decode(UnsafeBufferPointer(rebasing: token[parts.signature])) else {
            throw VerificationError(.malformed, "signature is not canonical base64url")
        }
        let input = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: token[parts.signingInput]))
        let valid = signature.withUnsafeBytes { key.isValidSignature($0, for: input) }
        guard valid else { throw VerificationError(.badSignature, "signature does not verify under key \(key.keyID)") }
        guard let payload = Base64URL.decode(UnsafeBufferPointer(rebasing: token[parts.payload])) else {
            throw VerificationError(.malformed, "payload is not canonical base64url")
        }
        return (header, payload)
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
