/// What the service knows when it mints a template token.
public struct TemplateTokenRequest: Sendable, Hashable {
    public var issuer: String
    public var authorizedParty: String?
    /// `expires_in_seconds` from the request; the template's lifetime otherwise.
    public var expiresInSeconds: Int64?

    public init(issuer: String, authorizedParty: String? = nil, expiresInSeconds: Int64? = nil) {
        self.issuer = issuer
        self.authorizedParty = authorizedParty
        self.expiresInSeconds = expiresInSeconds
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
    /// jti, nbf, sub` set by the service (no `sid`: template tokens are not session-bound).
    ///
    /// `aud`, when the template sets it, must render to a string or an array of strings.
    public static func templateToken(
        _ template: JWTTemplate, context: TemplateContext, user: TemplateUser, request: TemplateTokenRequest,
        now: Int64, tokenID: String, lifetime: TokenLifetime = TokenLifetime()
    ) throws(TokenError) -> JWTClaims {
        let seconds = try lifetime.resolve(requested: request.expiresInSeconds, fallback: template.lifetime)
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
            expiresAt: now + seconds,
            issuedAt: now,
            issuer: request.issuer,
            tokenID: tokenID,
            notBefore: now - template.allowedClockSkew,
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
