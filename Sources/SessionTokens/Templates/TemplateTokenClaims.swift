/// What the service knows when it mints a template token.
public struct TemplateTokenRequest: Sendable, Hashable {
    public var issuer: String
    public var authorizedParty: String?
    /// `expires_in_seconds` from the request; the template's lifetime otherwise.
    public var expiresInSeconds: Int64?
    /// The session the token is minted for: written as `sid`, so that revoking the session refuses
    /// the token too (Clerk's template tokens carry no `sid` and outlive a revoked session).
    public var sessionID: String?
    /// The session's own end (Unix seconds): no token outlives its session.
    public var sessionExpiresAt: Int64?

    public init(
        issuer: String, authorizedParty: String? = nil, expiresInSeconds: Int64? = nil, sessionID: String? = nil,
        sessionExpiresAt: Int64? = nil
    ) {
        self.issuer = issuer
        self.authorizedParty = authorizedParty
        self.expiresInSeconds = expiresInSeconds
        self.sessionID = sessionID
        self.sessionExpiresAt = sessionExpiresAt
    }
}

/// A rendered template token before signing: its claims and the exact size it will have.
public struct TemplatePreview: Sendable, Hashable {
    public var claims: JWTClaims
    /// Length of the compact token in bytes once signed.
    public var tokenBytes: Int
}

extension JWTClaims {
    /// The claims of a template token: the template's rendered claims, then `azp, exp, iat, iss,
    /// jti, nbf, sid, sub` set by the service. `sid` binds the token to its session (a departure
    /// from Clerk, Decision 0009), and `exp` never passes the session's end.
    ///
    /// `aud`, when the template sets it, must render to a string or an array of strings.
    public static func templateToken(
        _ template: JWTTemplate, context: TemplateContext, user: TemplateUser, request: TemplateTokenRequest,
        now: Int64, tokenID: String, lifetime: TokenLifetime = TokenLifetime()
    ) throws(TokenError) -> JWTClaims {
        let seconds = try lifetime.resolve(requested: request.expiresInSeconds, fallback: template.lifetime)
        var expiresAt = now + seconds
        if let sessionEnd = request.sessionExpiresAt {
            guard sessionEnd > now else { throw TokenError(.invalidLifetime, "the session has already expired") }
            expiresAt = min(expiresAt, sessionEnd)
        }
        var rendered = template.render(context)
        // Shortcodes insert user data, which can nest or widen the claims past what was checked
        // when the template was saved.
        if let violation = JWTTemplate.payloadViolation(of: rendered) {
            throw TokenError(.tokenTooLarge, "the rendered claims object \(violation): every verifier would refuse the token as malformed")
        }
        var audience: [String]?
        if let aud = rendered["aud"] {
            rendered["aud"] = nil
            switch aud {
            case .null: audience = nil
            case .string(let single): audience = [single]
            case .array(let items) where items.allSatisfy({ $0.stringValue != nil }): audience = items.compactMap(\.stringValue)
            default: throw TokenError(.invalidClaim, "template claim \"aud\" must render to a string or an array of strings")
            }
        }
        return JWTClaims(
            authorizedParty: request.authorizedParty,
            audience: audience,
            expiresAt: expiresAt,
            issuedAt: now,
            issuer: request.issuer,
            tokenID: tokenID,
            notBefore: now - template.allowedClockSkew,
            sessionID: request.sessionID,
            subject: user.id,
            additional: rendered
        )
    }

    /// Renders without signing: the claims and the byte size of the token a signer with
    /// `signatureLength`-byte signatures would produce under `header`. Refuses a token over `budget`.
    public static func preview(
        claims: JWTClaims, header: JOSEHeader, signatureLength: Int, budget: Int = JWTTemplate.defaultSizeBudget
    ) throws(TokenError) -> TemplatePreview {
        let size = CompactJWS.length(
            headerBytes: header.serialized().count, payloadBytes: claims.serialized().count, signatureBytes: signatureLength)
        guard size <= budget else {
            throw TokenError(.tokenTooLarge, "the rendered token is \(size) bytes, over the \(budget)-byte budget (browsers drop larger cookies)")
        }
        return TemplatePreview(claims: claims, tokenBytes: size)
    }
}
