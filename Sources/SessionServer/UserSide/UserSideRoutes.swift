import HTTPTypes
import Hummingbird
import SessionManagement
import SessionStorage
import SessionTokens

/// The user side (surfaces.md §4): `/api/v1/sessions` and the same under `/api/v1/auth/sessions`,
/// the user's consents and audit events. The caller is the session token's user; `current` is the
/// session the token belongs to. Everything another user owns is 404, never 403.
struct UserSideRoutes {
    let manager: SessionManager
    let gateway: GatewayVerifier
    let activity: ActivityRecorder
    let rateLimits: Bool

    func register(_ router: Router<ServerContext>) {
        let authenticator = SessionTokenMiddleware(
            manager: manager, gateway: gateway, origins: OriginPolicy(manager: manager), activity: activity,
            limits: rateLimits ? .standard() : nil)
        let api = router.group("api/v1").add(middleware: APIErrorMiddleware()).add(middleware: authenticator)
        for prefix in ["sessions", "auth/sessions"] {
            let sessions = api.group(RouterPath(prefix))
            sessions.get { _, context in try await list(context) }
            sessions.delete { _, context in try await revokeOthers(context) }
            sessions.on("", method: .options) { _, _ in Response(status: .noContent) }
            sessions.delete(":session") { _, context in try await revoke(context) }
            sessions.on(":session", method: .options) { _, _ in Response(status: .noContent) }
        }
        api.get("auth/consents") { _, context in try await consents(context) }
        api.on("auth/consents", method: .options) { _, _ in Response(status: .noContent) }
        api.delete("auth/consents/:consent") { _, context in try await revokeConsent(context) }
        api.on("auth/consents/:consent", method: .options) { _, _ in Response(status: .noContent) }
        api.get("auth/audit") { request, context in try await audit(request, context) }
        api.on("auth/audit", method: .options) { _, _ in Response(status: .noContent) }
    }

    /// The user's active sessions, the current one first.
    private func list(_ context: ServerContext) async throws -> Response {
        let user = try context.requireUser()
        let sessions = try await manager.activeSessions(in: user.tenant, userID: user.userID)
        let ordered = sessions.filter { $0.id == user.sessionID } + sessions.filter { $0.id != user.sessionID }
        return JSONResponse.make(.object(["data": .array(ordered.map { UserSessionDTO.json($0, current: $0.id == user.sessionID) })]))
    }

    /// Signs out one session (the current one too: that is signing out here).
    private func revoke(_ context: ServerContext) async throws -> Response {
        let user = try context.requireUser()
        let sessionID = try AdminRoutes.sessionID(context)
        _ = try await manager.revokeSession(in: user.tenant, userID: user.userID, sessionID: sessionID)
        return Response(status: .noContent)
    }

    /// Signs out every other session, in one transaction and one entry; the current one keeps working.
    private func revokeOthers(_ context: ServerContext) async throws -> Response {
        let user = try context.requireUser()
        let entry = try await manager.revokeOtherSessions(in: user.tenant, userID: user.userID, keep: user.sessionID)
        var count = 0
        if case .otherSessions(_, _, _, let listed) = entry.target { count = listed.count }
        return JSONResponse.make(.object(["revoked_count": .integer(Int64(count))]))
    }

    private func consents(_ context: ServerContext) async throws -> Response {
        let user = try context.requireUser()
        let active = try await manager.consents(in: user.tenant, userID: user.userID).filter { $0.status == .active }
        return JSONResponse.make(.object(["data": .array(active.map(ConsentDTO.user))]))
    }

    private func revokeConsent(_ context: ServerContext) async throws -> Response {
        let user = try context.requireUser()
        let consentID = try AdminRoutes.id(context, "consent", .consent)
        _ = try await manager.revokeConsent(in: user.tenant, userID: user.userID, consentID: consentID)
        return Response(status: .noContent)
    }

    /// The caller's own events, newest first (`limit` 1…500, default 50; `cursor` from `next_cursor`).
    private func audit(_ request: Request, _ context: ServerContext) async throws -> Response {
        let user = try context.requireUser()
        var list = try AdminRoutes.auditRequest(request, allowed: ["limit", "cursor"], order: .newestFirst)
        list.userID = user.userID
        let (events, next) = try await manager.auditEvents(in: user.tenant, list)
        return JSONResponse.make(.object([
            "data": .array(events.map { AuditEventDTO.json($0, style: .snakeCase) }),
            "next_cursor": next.map { .string(AuditCursor.encode($0)) } ?? .null,
        ]))
    }
}
