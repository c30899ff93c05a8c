import HTTPTypes
import Hummingbird
import Logging
import SessionManagement
import SessionNetwork
import SessionStorage
import SessionTokens
import SessionVerification

/// The user side's authenticator and guard, in the order an attacker meets them:
/// 1. every answer is `Cache-Control: no-store` (a session list must never sit in a shared cache);
/// 2. a preflight is answered for an origin some tenant allows, and nothing else runs;
/// 3. the client address is rate-limited before any token is looked at;
/// 4. the token (Bearer, else the `__session` cookie) is verified like any networkless verifier
///    would: the tenant from its header's `kid`, then signature, issuer and times with that
///    tenant's keys, then the revocation list (the gateway's, which follows the stream);
/// 5. a cross-origin request must come from an origin of the token's tenant;
/// 6. the session is rate-limited;
/// 7. the request runs as the user (`AuditContext`), its activity recorded on the session.
struct SessionTokenMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let manager: SessionManager
    let gateway: GatewayVerifier
    let origins: OriginPolicy
    let activity: ActivityRecorder
    /// `nil` when rate limits are off.
    let limits: UserSideLimits?

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        var response = try await guarded(request, context: context, next: next)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func guarded(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let origin = OriginPolicy.foreignOrigin(of: request)
        if request.method == .options { return try await preflight(request, origin: origin) }
        let client = activity.clientAddress(for: request, context: context)
        let now = manager.now
        if let limits {
            let verdict = limits.perAddress.take(client?.description ?? "unknown", now: now)
            guard verdict.allowed else {
                Self.limited(context, by: "address")
                return UserSideError.rateLimited(retryAfter: verdict.retryAfter)
            }
        }
        guard let (token, viaCookie) = Self.token(in: request) else { throw UserSideError.unauthenticated }
        let principal: UserPrincipal
        switch await verify(token, viaCookie: viaCookie, now: now) {
        case .success(let verified): principal = verified
        case .failure(let code): return UserSideError.invalidToken(code)
        case .clientToken: return UserSideError.clientToken
        }
        var headers: HTTPFields = [:]
        if let origin {
            guard principal.tenant.allowedOrigins.contains(origin) else { throw UserSideError.originNotAllowed }
            headers = OriginPolicy.corsHeaders(origin)
        } else if viaCookie, request.method != .get, request.headers[.origin] == nil {
            // A browser always sends Origin on a cross-site DELETE; a cookie-borne change without
            // one is not from a browser we can vouch for.
            throw UserSideError.originNotAllowed
        }
        if let limits {
            let verdict = limits.perSession.take(principal.sessionID, now: now)
            guard verdict.allowed else {
                Self.limited(context, by: "session")
                var limited = UserSideError.rateLimited(retryAfter: verdict.retryAfter)
                limited.headers.append(contentsOf: headers)
                return limited
            }
        }
        var context = context
        context.principal = .user(principal)
        let audit = AuditContext(
            actor: AuditEvent.Actor(type: .user, id: principal.userID), ipAddress: client?.description,
            userAgent: request.headers[.userAgent].flatMap { try? ActivityRecorder.userAgent($0) })
        // Errors are rendered here, inside, so that an allowed origin gets its CORS headers on a
        // 404 or 401 too (else the page cannot read why its call failed).
        var response = try await AuditContext.$current.withValue(audit) { () async throws -> Response in
            try await APIErrorMiddleware().handle(request, context: context) { request, context in
                try await recordActivity(request, context: context, principal: principal)
                return try await next(request, context)
            }
        }
        response.headers.append(contentsOf: headers)
        return response
    }

    private enum Verification {
        case success(UserPrincipal)
        case failure(String)
        /// A valid token minted for an OAuth client: it acts for the client, not for the user.
        case clientToken
    }

    private func verify(_ token: String, viaCookie: Bool, now: Int64) async -> Verification {
        guard let keyID = Self.keyID(of: token) else { return .failure("malformed") }
        let tenant: TenantKeys
        do {
            guard let found = try await manager.tenantKeys(forKeyID: keyID) else { return .failure("unknownKeyID") }
            tenant = found
        } catch {
            return .failure("unavailable")
        }
        do throws(VerificationError) {
            let entry = try gateway.verify(token, tenant: tenant, now: now / 1000)
            guard let userID = entry.subject, let sessionID = entry.sessionID else { return .failure("notASessionToken") }
            // A third-party client holding the user's token for its own API must not list or sign out
            // the user's sessions, or revoke the consents (its own included).
            guard entry.clientID == nil else { return .clientToken }
            return .success(UserPrincipal(tenant: tenant.instance, userID: userID, sessionID: sessionID, viaCookie: viaCookie))
        } catch {
            return .failure(error.code.rawValue)
        }
    }

    /// The session's activity from this request (its address and user agent, never a body's), which
    /// also catches a token used from another country or device (`SessionManager.recordActivity`).
    private func recordActivity(_ request: Request, context: ServerContext, principal: UserPrincipal) async throws {
        let observed = try activity.requestActivity(for: request, context: context)
        do {
            try await manager.recordActivity(in: principal.tenant, sessionID: principal.sessionID, observed)
        } catch {
            // Not found: a token signed with the tenant's key for a session the tenant does not
            // have (its key holder forging one) is a bad credential, 401 like a revoked one.
            switch error.code {
            case .sessionNotActive, .notFound:
                throw APIError(.unauthorized, "invalid_token", "The session is no longer active", realm: UserSideError.realm)
            default: throw error
            }
        }
    }

    private func preflight(_ request: Request, origin: String?) async throws -> Response {
        guard let origin, try await origins.anyTenantAllows(origin) else { throw UserSideError.originNotAllowed }
        var headers = OriginPolicy.corsHeaders(origin)
        headers[.accessControlAllowMethods] = "GET, DELETE"
        headers[.accessControlAllowHeaders] = "Authorization, Content-Type"
        headers[.accessControlMaxAge] = "600"
        return Response(status: .noContent, headers: headers)
    }

    /// The token and whether it came in the cookie: `Authorization: Bearer` first, then `__session`.
    static func token(in request: Request) -> (String, viaCookie: Bool)? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else { return nil }
            return (String(parts[1]), false)
        }
        for cookie in request.headers[values: .cookie] {
            for pair in cookie.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                if trimmed.hasPrefix("__session=") { return (String(trimmed.dropFirst("__session=".count)), true) }
            }
        }
        return nil
    }

    /// The `kid` of a compact JWS, from its header alone (nothing of the payload is read before the
    /// signature is checked).
    static func keyID(of token: String) -> String? {
        var token = token
        return token.withUTF8 { bytes -> String? in
            guard bytes.count <= SessionVerifier.defaultMaximumTokenBytes, let parts = try? CompactJWS.split(bytes),
                let header = Base64URL.decode(UnsafeBufferPointer(rebasing: bytes[parts.header])),
                let parsed = try? JOSEHeader.parse(header)
            else { return nil }
            return parsed.keyID
        }
    }
}

extension SessionTokenMiddleware {
    /// A refusal for rate: counted (`surface="user_side"`) and logged as a security event.
    static func limited(_ context: ServerContext, by limit: String) {
        context.observation?.metrics.rateLimited(.userSide)
        context.logger.security(.rateLimited, ["surface": "user_side", "limit": .string(limit)])
    }
}

/// The user side's two buckets: per client address and per session.
struct UserSideLimits: Sendable {
    let perAddress: RateLimiter
    let perSession: RateLimiter

    /// 300 requests per 10 s per address, 100 per 10 s per session: far above what an account page
    /// needs, far below what guessing or scraping does.
    static func standard() -> UserSideLimits {
        UserSideLimits(perAddress: RateLimiter(capacity: 300, window: 10_000), perSession: RateLimiter(capacity: 100, window: 10_000))
    }
}
