public import SessionTokens

/// A token whose signature, claims and revocation status have all been checked.
public struct VerifiedToken: Sendable, Hashable {
    public let header: JOSEHeader
    public let claims: JWTClaims

    public var sessionID: String? { claims.sessionID }
    public var userID: String? { claims.subject }
}

/// A JWS whose signature has been checked, and nothing else: the payload is returned as is.
public struct VerifiedJWS: Sendable, Hashable {
    public let header: JOSEHeader
    public let payload: [UInt8]
}
