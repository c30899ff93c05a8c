/// What the service knows about a session when it mints that session's token.
public struct SessionTokenRequest: Sendable, Hashable {
    public var sessionID: String
    public var userID: String
    public var issuer: String
    /// The origin the token is for, when known.
    public var authorizedParty: String?
    /// `sts`: the session's status as the token reports it.
    public var sessionStatus: String
    /// `fva`: minutes since the first and second factor were verified, -1 for never.
    public var factorVerificationAge: [Int64]
    /// The session's own end (Unix seconds): no token outlives its session.
    public var sessionExpiresAt: Int64?
    /// `expires_in_seconds` from the request, if any.
    public var expiresInSeconds: Int64?
    /// Seconds `nbf` is set before `iat`, so slightly slow clocks still accept a fresh token.
    public var allowedClockSkew: Int64

    public init(
        sessionID: String, userID: String, issuer: String, authorizedParty: String? = nil,
        sessionStatus: String = "active", factorVerificationAge: [Int64] = [0, -1], sessionExpiresAt: Int64? = nil,
        expiresInSeconds: Int64? = nil, allowedClockSkew: Int64 = 5
    ) {
        self.sessionID = sessionID
        self.userID = userID
        self.issuer = issuer
        self.authorizedParty = authorizedParty
        self.sessionStatus = sessionStatus
        self.factorVerificationAge = factorVerificationAge
        self.sessionExpiresAt = sessionExpiresAt
        self.expiresInSeconds = expiresInSeconds
        self.allowedClockSkew = allowedClockSkew
    }
}

extension JWTClaims {
    /// The claims of a v2 session token: `azp, exp, fva, iat, iss, jti, nbf, sid, sts, sub, v`.
    ///
    /// `now` and `tokenID` are parameters so that minting is a pure function of its inputs.
    public static func sessionToken(
        _ request: SessionTokenRequest, now: Int64, tokenID: String, lifetime: TokenLifetime = TokenLifetime()
    ) throws(TokenError) -> JWTClaims {
        let seconds = try lifetime.resolve(requested: request.expiresInSeconds)
        var expiresAt = now + seconds
        if let sessionEnd = request.sessionExpiresAt {
            guard sessionEnd > now else { throw TokenError(.invalidLifetime, "the session has already expired") }
            expiresAt = min(expiresAt, sessionEnd)
        }
        return JWTClaims(
            authorizedParty: request.authorizedParty,
            expiresAt: expiresAt,
            factorVerificationAge: request.factorVerificationAge,
            issuedAt: now,
            issuer: request.issuer,
            tokenID: tokenID,
            notBefore: now - request.allowedClockSkew,
            sessionID: request.sessionID,
            sessionStatus: request.sessionStatus,
            subject: request.userID,
            version: 2
        )
    }
}
