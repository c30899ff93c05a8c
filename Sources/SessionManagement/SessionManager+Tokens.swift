public import SessionStorage
import SessionTokens
import SessionCrypto

extension SessionManager {
    /// A session token (RS256 by default) for an active session: the v2 claims, 60 s unless
    /// `expiresInSeconds` (30…315360000, capped by policy), never past the session's end. Moves
    /// `last_active_at` at most once per touch interval.
    ///
    /// With `clientID`, the token is for that OAuth client: the user must have an active consent to
    /// it, and the token names it in `client_id` (RFC 9068), so revoking the consent refuses it.
    public func sessionToken(
        in instance: Instance, sessionID: String, expiresInSeconds: Int64? = nil, authorizedParty: String? = nil, clientID: String? = nil
    ) async throws(ManagementError) -> String {
        let session = try await activeSession(in: instance, id: sessionID)
        let tenant = try await tenantKeys(for: instance)
        let now = clock()
        let consent = try await consentForToken(in: instance, session: session, clientID: clientID, now: now)
        let tokenID = try newTokenID()
        var claims: JWTClaims
        do {
            claims = try JWTClaims.sessionToken(
                SessionTokenRequest(
                    sessionID: session.id, userID: session.userID, issuer: tenant.issuer, authorizedParty: authorizedParty,
                    factorVerificationAge: [0, session.mfaVerified ? 0 : -1], sessionExpiresAt: session.expireAt / 1000,
                    expiresInSeconds: expiresInSeconds),
                now: now / 1000, tokenID: tokenID, lifetime: configuration.tokenLifetime)
        } catch {
            throw error.code == .invalidLifetime ? .invalid("expires_in_seconds", error.reason) : ManagementError(.invalidParameter, error.reason)
        }
        if let consent { claims.additional["client_id"] = .string(consent.clientID) }
        try await touch(session, at: now, tokenExpiresAt: claims.expiresAt)
        let signer = tenant.signer(at: now)
        let token = try sign(claims, with: signer)
        events.tokenMinted(signer.algorithm, consent == nil ? .session : .client)
        return token
    }

    /// The consent a token for `clientID` issued at `now` needs (see `activeConsent`).
    func consentForToken(in instance: Instance, session: Session, clientID: String?, now: Int64) async throws(ManagementError) -> Consent? {
        guard let clientID else { return nil }
        return try await activeConsent(in: instance, userID: session.userID, clientID: clientID, issuedAt: now / 1000 * 1000)
    }

    /// A token from a named template for an active session: the rendered claims, then `azp, exp,
    /// iat, iss, jti, nbf, sid, sub` set by the service; `sid` binds it to the session, so revoking
    /// the session refuses it too, and it never outlives the session. Refused over the size budget.
    public func templateToken(
        in instance: Instance, sessionID: String, templateName: String, expiresInSeconds: Int64? = nil, authorizedParty: String? = nil,
        clientID: String? = nil
    ) async throws(ManagementError) -> String {
        let compiled = try await compiledTemplate(in: instance, named: templateName)
        let session = try await activeSession(in: instance, id: sessionID)
        let user = try await cachedUser(in: instance, id: session.userID)
        let tenant = try await tenantKeys(for: instance)
        let now = clock()
        let consent = try await consentForToken(in: instance, session: session, clientID: clientID, now: now)
        var (claims, signer) = try renderTemplate(
            compiled, tenant: tenant, session: session, user: user.templateUser, now: now, expiresInSeconds: expiresInSeconds,
            authorizedParty: authorizedParty)
        if let consent {
            // Written after the template's claims: a template cannot name the client.
            var extra = claims.additional
            extra["client_id"] = .string(consent.clientID)
            claims.additional = extra
        }
        try await touch(session, at: now, tokenExpiresAt: claims.expiresAt)
        let token = try sign(claims, with: signer)
        events.tokenMinted(signer.algorithm, consent == nil ? .template : .client)
        return token
    }

    /// Renders a template's claims and picks its signer, checking the size budget; shared by
    /// minting and the dry run.
    func renderTemplate(
        _ compiled: CompiledTemplate, tenant: TenantKeys, session: Session, user templateUser: TemplateUser, now: Int64, expiresInSeconds: Int64?,
        authorizedParty: String?
    ) throws(ManagementError) -> (JWTClaims, SigningKey) {
        let template = compiled.template
        let signer = compiled.signer ?? tenant.signer(at: now)
        guard signer.algorithm == compiled.algorithm else {
            throw ManagementError(
                .invalidTemplate,
                "template \(template.name) is saved to sign with \(compiled.algorithm), and the tenant's key signs \(signer.algorithm)")
        }
        let context = TemplateContext(
            user: templateUser,
            session: TemplateSession(
                id: session.id, actor: session.actor.flatMap { try? JSONParser.parseObject(Array($0.utf8)) },
                createdAt: session.createdAt, expireAt: session.expireAt))
        let tokenID = try newTokenID()
        do {
            let claims = try JWTClaims.templateToken(
                template, context: context, user: templateUser,
                request: TemplateTokenRequest(
                    issuer: tenant.issuer, authorizedParty: authorizedParty, expiresInSeconds: expiresInSeconds,
                    sessionID: session.id, sessionExpiresAt: session.expireAt / 1000),
                now: now / 1000, tokenID: tokenID, lifetime: configuration.tokenLifetime)
            _ = try JWTClaims.preview(
                claims: claims, header: JOSEHeader(algorithm: signer.algorithm, keyID: signer.keyID), signatureLength: signer.signatureLength)
            return (claims, signer)
        } catch {
            switch error.code {
            case .tokenTooLarge: throw ManagementError(.tokenTooLarge, error.reason)
            case .invalidLifetime: throw .invalid("expires_in_seconds", error.reason)
            default: throw ManagementError(.invalidTemplate, error.reason)
            }
        }
    }

    func activeSession(in instance: Instance, id: String) async throws(ManagementError) -> Session {
        let session = try await storedSession(in: instance, id: id)
        let status = session.effectiveStatus(at: clock())
        guard status == .active else {
            throw ManagementError(.sessionNotActive, "Session \(id) is \(status.rawValue); only active sessions get tokens")
        }
        return session
    }

    /// Before a token is signed: moves `last_active_at` (at most once per touch interval) and, when
    /// the token would expire past the session's token horizon, moves the horizon in the store,
    /// which only happens while the session is active there. So either the move commits before any
    /// revocation of the session, whose entry is then kept until the token has expired, or the
    /// revocation came first and no token is signed (Decision 0012).
    /// - Parameter tokenExpiresAt: the token's `exp`, Unix seconds.
    func touch(_ session: Session, at now: Int64, tokenExpiresAt: Int64?) async throws(ManagementError) {
        // Checked: `exp` is our own sum of a clock and a capped lifetime, but a wrap here would be silent.
        let needed = tokenExpiresAt.map { $0.multipliedReportingOverflow(by: 1000) }.map { $0.overflow ? Int64.max : $0.partialValue }
            ?? session.expireAt
        let movesHorizon = needed > session.tokenHorizon
        guard movesHorizon || now - session.lastActiveAt >= configuration.touchInterval else { return }
        let (sum, overflow) = needed.addingReportingOverflow(configuration.tokenHorizonWindow)
        let horizon = movesHorizon ? (overflow ? Int64.max : sum) : nil
        let generation = cachedSessions.generation
        let touched = try await storage { () async throws(StorageError) in
            try await store.touchSession(
                instanceID: session.instanceID, id: session.id, at: now, interval: configuration.touchInterval, horizon: horizon)
        }
        cachedSessions.remember(touched, readAt: generation)
        if movesHorizon, touched.status != .active || touched.tokenHorizon < needed {
            throw ManagementError(.sessionNotActive, "Session \(session.id) is \(touched.status.rawValue); only active sessions get tokens")
        }
    }

    func newTokenID() throws(ManagementError) -> String {
        do { return try SecureRandom().tokenID() } catch { throw ManagementError(.unavailable, "the random source failed") }
    }

    func sign(_ claims: JWTClaims, with key: SigningKey) throws(ManagementError) -> String {
        do { return try key.mint(claims) } catch { throw ManagementError(.unavailable, "signing failed: \(error.reason)") }
    }
}
