/// What a verifier demands of a token's claims beyond its signature.
public struct ClaimPolicy: Sendable, Hashable {
    /// Seconds of clock difference tolerated on `exp`, `nbf` and `iat`.
    public var leeway: Int64
    /// When set, `iss` must equal it exactly.
    public var issuer: String?
    /// When set, `azp` must be present and one of these.
    public var authorizedParties: Set<String>?
    /// When set, `aud` must contain it; when `nil`, a token that names any audience is refused,
    /// because it was meant for someone else.
    public var audience: String?
    /// Whether `sid` must be present (session tokens) or may be absent (template tokens).
    public var requireSessionID: Bool

    public static let defaultLeeway: Int64 = 5

    public init(
        leeway: Int64 = ClaimPolicy.defaultLeeway, issuer: String? = nil, authorizedParties: Set<String>? = nil,
        audience: String? = nil, requireSessionID: Bool = false
    ) {
        self.leeway = leeway
        self.issuer = issuer
        self.authorizedParties = authorizedParties
        self.audience = audience
        self.requireSessionID = requireSessionID
    }
}

/// Why a token's claims were refused.
public enum ClaimViolation: Sendable, Hashable {
    case missing(String)
    case expired(expiresAt: Int64)
    case notYetValid(notBefore: Int64)
    case issuedInFuture(issuedAt: Int64)
    case wrongIssuer(String)
    case unauthorizedParty(String?)
    case wrongAudience([String])
}

extension ClaimPolicy {
    /// Whether a token expiring at `expiresAt` is expired at `now` (Unix seconds), leeway included.
    /// RFC 7519 §4.1.4: the token must not be accepted on or after `exp`.
    @inline(__always)
    public func hasExpired(_ expiresAt: Int64, at now: Int64) -> Bool {
        now >= Self.saturatingSum(expiresAt, leeway)
    }

    /// The first instant (Unix seconds) at which a token expiring at `expiresAt` is refused as
    /// expired: `hasExpired(expiresAt, at: now)` holds exactly when `now >= refusedFrom(expiresAt:)`.
    /// Caches of verified tokens keep one until then.
    @inline(__always)
    public func refusedFrom(expiresAt: Int64) -> Int64 {
        Self.saturatingSum(expiresAt, leeway)
    }

    /// `a + b`, clamped to `Int64`'s range. Parsed dates are range-checked, but leeway is whatever
    /// the operator configured: a wrapped sum would turn "expired" into "valid", and a trapping
    /// one would crash the verifier.
    @inline(__always)
    static func saturatingSum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    /// Checks `exp`, `nbf`, `iat`, `iss`, `azp` and `aud` at `now` (Unix seconds). `exp`, `iat`
    /// and `sub` are required: a token without an expiry would be valid forever.
    public func violation(of claims: JWTClaims, now: Int64) -> ClaimViolation? {
        guard let expiresAt = claims.expiresAt else { return .missing("exp") }
        guard let issuedAt = claims.issuedAt else { return .missing("iat") }
        guard claims.subject != nil else { return .missing("sub") }
        if requireSessionID, claims.sessionID == nil { return .missing("sid") }
        if hasExpired(expiresAt, at: now) { return .expired(expiresAt: expiresAt) }
        let lenientNow = Self.saturatingSum(now, leeway)
        if let notBefore = claims.notBefore, lenientNow < notBefore { return .notYetValid(notBefore: notBefore) }
        if lenientNow < issuedAt { return .issuedInFuture(issuedAt: issuedAt) }
        if let issuer, claims.issuer != issuer { return .wrongIssuer(claims.issuer ?? "") }
        if let authorizedParties {
            // A few parties are compared directly: a verifier's parsed `azp` usually shares storage with
            // one of them, which `==` sees at once, where a set lookup would hash it first.
            guard let party = claims.authorizedParty,
                authorizedParties.count <= 8 ? authorizedParties.contains(where: { $0 == party }) : authorizedParties.contains(party)
            else {
                return .unauthorizedParty(claims.authorizedParty)
            }
        }
        if let audiences = claims.audience {
            guard let audience, audiences.contains(audience) else { return .wrongAudience(audiences) }
        } else if audience != nil {
            return .wrongAudience([])
        }
        return nil
    }
}
