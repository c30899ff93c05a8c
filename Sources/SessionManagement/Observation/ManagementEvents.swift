public import SessionTokens

/// What the use cases report as they commit, for metrics and security logs: plain callbacks, so
/// this module needs no metrics library, and every argument is from a small fixed set (never a
/// tenant slug, a template name, an id or a token), so whoever counts them keeps labels bounded.
/// A callback runs on the caller's task after the commit; it must be cheap and must not throw.
public struct ManagementEvents: Sendable {
    /// Why sessions were revoked.
    public enum RevocationReason: String, Sendable, CaseIterable {
        /// One session, by a secret key, an admin or its user.
        case revoked
        /// One session, by the tenant's anomaly action.
        case anomaly
        /// Every session of a user ("sign out everywhere").
        case userAll = "user_all"
        /// Every session of a user but the caller's ("sign out other sessions").
        case userOthers = "user_others"
    }

    /// What a minted token is.
    public enum TokenKind: String, Sendable, CaseIterable {
        /// A session token with the default claims.
        case session
        /// A token rendered from a JWT template.
        case template
        /// A session or template token minted for an OAuth client (`client_id`).
        case client
    }

    public var sessionCreated: @Sendable () -> Void
    /// One call per committed revocation (a user-wide one is one call, whatever it covers); the
    /// tenant's slug and the user's id are given for the security log, never for a label.
    public var sessionsRevoked: @Sendable (_ reason: RevocationReason, _ tenant: String, _ userID: String) -> Void
    public var tokenMinted: @Sendable (_ algorithm: JWSAlgorithm, _ kind: TokenKind) -> Void
    /// A session's activity was flagged as an anomaly (another country or device); `revoked` when
    /// the tenant's anomaly action revoked it.
    public var anomaly: @Sendable (_ tenant: String, _ userID: String, _ revoked: Bool) -> Void

    public init(
        sessionCreated: @escaping @Sendable () -> Void = {},
        sessionsRevoked: @escaping @Sendable (_ reason: RevocationReason, _ tenant: String, _ userID: String) -> Void = { _, _, _ in },
        tokenMinted: @escaping @Sendable (_ algorithm: JWSAlgorithm, _ kind: TokenKind) -> Void = { _, _ in },
        anomaly: @escaping @Sendable (_ tenant: String, _ userID: String, _ revoked: Bool) -> Void = { _, _, _ in }
    ) {
        self.sessionCreated = sessionCreated
        self.sessionsRevoked = sessionsRevoked
        self.tokenMinted = tokenMinted
        self.anomaly = anomaly
    }

    /// Reports nothing.
    public static let none = ManagementEvents()
}
