import HTTPTypes
import Hummingbird
import SessionManagement
import SessionStorage
import SessionTokens
import SessionVerification

/// `/v1/sessions`: list, create, get, revoke, tokens, tokens from a template, and the deprecated verify.
struct SessionRoutes {
    let manager: SessionManager
    let configuration: ServerConfiguration
    let gateway: GatewayVerifier

    /// - Parameter verification: the group of the deprecated verify (`V1Access.verification`).
    func register(_ group: V1Group, verification: V1Group) {
        group.get("sessions") { request, context in try await list(request, context) }
        group.post("sessions") { request, context in
            let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes).allowOnly(["user_id", "active_organization_id"])
            let userID = try ClerkError.checkID(try body.string("user_id", required: true)!, .user, parameter: "user_id")
            let session = try await manager.createSession(in: try context.requireInstance(), userID: userID)
            return JSONResponse.make(SessionDTO.json(session))
        }
        group.get("sessions/:id") { _, context in
            JSONResponse.make(SessionDTO.json(try await manager.session(in: try context.requireInstance(), id: try context.pathID("id", .session))))
        }
        group.post("sessions/:id/revoke") { request, context in
            _ = try await RequestBody.read(request, limit: configuration.maximumBodyBytes)
            let (session, _) = try await manager.revokeSession(in: try context.requireInstance(), id: try context.pathID("id", .session))
            return JSONResponse.make(SessionDTO.json(session))
        }
        group.post("sessions/:id/tokens") { request, context in
            let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes).allowOnly(["expires_in_seconds"])
            let jwt = try await manager.sessionToken(
                in: try context.requireInstance(), sessionID: try context.pathID("id", .session),
                expiresInSeconds: try body.integer("expires_in_seconds"))
            return JSONResponse.make(.object(["object": .string("token"), "jwt": .string(jwt)]))
        }
        group.post("sessions/:id/tokens/:template") { request, context in
            let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes).allowOnly(["expires_in_seconds"])
            let jwt = try await manager.templateToken(
                in: try context.requireInstance(), sessionID: try context.pathID("id", .session),
                templateName: try context.pathParameter("template"), expiresInSeconds: try body.integer("expires_in_seconds"))
            return JSONResponse.make(.object(["object": .string("token"), "jwt": .string(jwt)]))
        }
        verification.post("sessions/:id/verify") { request, context in try await verify(request, context) }
    }

    private func list(_ request: Request, _ context: ServerContext) async throws -> Response {
        var status: Session.Status?
        if let text = request.query("status") {
            guard let parsed = Session.Status(rawValue: text), parsed != .pending else {
                throw ClerkError.invalidParameter("status", "status must be one of abandoned, active, ended, expired, removed, replaced, revoked")
            }
            status = parsed
        }
        let userID = try request.queryID("user_id", .user)
        let clientID = try request.queryID("client_id", .client)
        // Clerk's rule: the Backend API lists one user's or one client's sessions, never a whole instance.
        guard userID != nil || clientID != nil else {
            throw ClerkError(.badRequest, "missing_query_parameter", "Missing query parameter",
                "Either of the following query parameters must be provided: client_id, user_id")
        }
        let page = try await manager.sessions(
            in: try context.requireInstance(),
            SessionListRequest(
                userID: userID, clientID: clientID, status: status,
                limit: try request.queryInteger("limit", default: 10), offset: try request.queryInteger("offset", default: 0)))
        let items = JSONValue.array(page.items.map(SessionDTO.json))
        guard try request.queryBool("paginated") else { return JSONResponse.make(items) }
        return JSONResponse.make(.object(["data": items, "total_count": .integer(Int64(page.totalCount))]))
    }

    /// RFC 9745's headers of every answer of the deprecated verify, built once.
    static let deprecationHeaders: HTTPFields = [
        HTTPField.Name("Deprecation")!: "@1704067200",
        HTTPField.Name("Link")!: "</docs/verification>; rel=\"deprecation\"; type=\"text/markdown\"",
    ]

    /// The deprecated verify's one body member, built once rather than per request.
    static let verifyMembers: Set<String> = ["token"]

    /// The legacy endpoint, still served: a valid token of this active session returns the session.
    /// Deprecated (RFC 9745 header); networkless verification is the way (`Docs/Verification.md`).
    nonisolated(nonsending) private func verify(_ request: Request, _ context: ServerContext) async throws -> Response {
        let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes).allowOnly(Self.verifyMembers)
        let token = try body.string("token", required: true)!
        let instance = try context.requireInstance()
        // The caches' answers without a suspension when they have them (Decision 0020).
        let tenant: TenantKeys
        if let cached = manager.cachedTenantKeys(for: instance) { tenant = cached } else { tenant = try await manager.tenantKeys(for: instance) }
        let sessionID = try context.pathID("id", .session)
        // The same path as the gateway: a revoked session's token is refused at once.
        let verified: GatewayVerifier.Entry
        do {
            verified = try gateway.verify(token, tenant: tenant, now: manager.now / 1000)
        } catch {
            let code = error.code == .revoked ? "session_not_active" : "invalid_session_token"
            throw ClerkError(.badRequest, code, "Invalid session token", "The token could not be verified: \(error.code)")
        }
        let session: Session
        if let cached = manager.cachedSession(in: instance, id: sessionID) { session = cached } else { session = try await manager.session(in: instance, id: sessionID) }
        guard verified.sessionID == sessionID else {
            throw ClerkError(.badRequest, "invalid_session_token", "Invalid session token", "The token belongs to another session")
        }
        guard session.status == .active else {
            throw ClerkError(.badRequest, "session_not_active", "Session is not active", "Session \(sessionID) is \(session.status.rawValue)")
        }
        // Rendered once per version of the session; every check above ran for this request.
        let rendered = gateway.sessionAnswers.body(for: session, instanceID: instance.id, now: manager.now / 1000) { session in
            ByteBuffer(bytes: JSONWriter.serialize(SessionDTO.json(session)))
        }
        return Response(status: .ok, headers: Self.answerHeaders, body: .init(byteBuffer: rendered))
    }

    /// A 200 answer's headers, in `JSONResponse.make`'s order: RFC 9745's, then the content type.
    static let answerHeaders: HTTPFields = {
        var fields = deprecationHeaders
        fields[.contentType] = "application/json; charset=utf-8"
        return fields
    }()
}
