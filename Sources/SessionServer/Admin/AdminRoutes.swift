import Hummingbird
import SessionManagement
import SessionNetwork
import SessionStorage
import SessionTokens

/// `/t/{tenant}/api/v1/admin` (surfaces.md §3): what a tenant's backend, login service and support
/// staff do with sessions: open one for a user (production too), mint a token recording activity,
/// list a user's or the tenant's active sessions, revoke one or all. Authenticated by that tenant's
/// secret key; errors in the `{"error":{"code","message"}}` body; camelCase; ISO 8601 times.
struct AdminRoutes {
    let manager: SessionManager
    let configuration: ServerConfiguration
    let activity: ActivityRecorder

    func register(_ router: Router<ServerContext>) {
        let group = router.group("t/:slug/api/v1/admin")
            .add(middleware: APIErrorMiddleware())
            .add(middleware: AdminKeyMiddleware(manager: manager, activity: activity))
        group.post("users/:user/sessions") { request, context in
            let body = try await Self.body(request, limit: configuration.maximumBodyBytes)
                .allowOnly(["ipAddress", "userAgent", "authMethod", "mfaVerified", "expiresInSeconds"])
            let tenant = try context.tenant
            let user = try await manager.user(in: tenant, idOrExternalID: try context.pathParameter("user"))
            let recorded = try activity.activity(for: request, context: context, body: body)
            let draft = AdminSessionDraft(
                activity: recorded, authMethod: try Self.string(body, "authMethod") ?? "backend_api",
                mfaVerified: try Self.bool(body, "mfaVerified") ?? false, lifetimeSeconds: try Self.integer(body, "expiresInSeconds"))
            let session = try await manager.openSession(in: tenant, userID: user.id, draft)
            let token = try await manager.sessionToken(in: tenant, sessionID: session.id)
            return JSONResponse.make(
                .object(["session": AdminSessionDTO.json(session, at: manager.now), "token": .string(token)]), headers: [.cacheControl: "no-store"])
        }
        group.post("sessions/:session/tokens") { request, context in
            let body = try await Self.body(request, limit: configuration.maximumBodyBytes)
                .allowOnly(["ipAddress", "userAgent", "expiresInSeconds", "template", "clientId"])
            let tenant = try context.tenant
            let sessionID = try Self.sessionID(context)
            let expiresIn = try Self.integer(body, "expiresInSeconds")
            let template = try Self.string(body, "template")
            if let template, !SessionManager.isValidTemplateName(template) {
                throw APIError(.badRequest, "invalid_request", "template must name a JWT template")
            }
            let client = try Self.string(body, "clientId")
            if let client, !SessionManager.isValidClientID(client) {
                throw APIError(.badRequest, "invalid_request", "clientId must be 1 to 128 characters of A-Z, a-z, 0-9 and . _ ~ : -")
            }
            try await manager.recordActivity(in: tenant, sessionID: sessionID, try activity.activity(for: request, context: context, body: body))
            let token = if let template {
                try await manager.templateToken(in: tenant, sessionID: sessionID, templateName: template, expiresInSeconds: expiresIn, clientID: client)
            } else {
                try await manager.sessionToken(in: tenant, sessionID: sessionID, expiresInSeconds: expiresIn, clientID: client)
            }
            return JSONResponse.make(.object(["token": .string(token)]), headers: [.cacheControl: "no-store"])
        }
        group.get("users/:user/sessions") { _, context in
            let tenant = try context.tenant
            let user = try await manager.user(in: tenant, idOrExternalID: try context.pathParameter("user"))
            let now = manager.now
            let sessions = try await manager.activeSessions(in: tenant, userID: user.id)
            return JSONResponse.make(.object(["data": .array(sessions.map { AdminSessionDTO.json($0, at: now) })]), headers: [.cacheControl: "no-store"])
        }
        group.delete("users/:user/sessions/:session") { _, context in
            let tenant = try context.tenant
            let user = try await manager.user(in: tenant, idOrExternalID: try context.pathParameter("user"))
            let (session, _) = try await manager.revokeSession(in: tenant, userID: user.id, sessionID: try Self.sessionID(context))
            return JSONResponse.make(AdminSessionDTO.json(session, at: manager.now))
        }
        group.delete("users/:user/sessions") { _, context in
            let tenant = try context.tenant
            let user = try await manager.user(in: tenant, idOrExternalID: try context.pathParameter("user"))
            let entry = try await manager.revokeUserSessions(in: tenant, userID: user.id)
            guard case .user(_, _, let sessionIDs) = entry.target else { return JSONResponse.make(.object(["revokedCount": .integer(0)])) }
            return JSONResponse.make(.object(["revokedCount": .integer(Int64(sessionIDs.count))]))
        }
        group.get("sessions") { request, context in
            let tenant = try context.tenant
            let list = try Self.listRequest(request)
            let now = manager.now
            let (sessions, next) = try await manager.activeSessions(in: tenant, list)
            return JSONResponse.make(
                .object([
                    "data": .array(sessions.map { AdminSessionDTO.json($0, at: now) }),
                    "nextCursor": next.map { .string(AdminCursor.encode($0)) } ?? .null,
                ]), headers: [.cacheControl: "no-store"])
        }
        registerConsentsAndAudit(group)
    }

    // MARK: The edge: every input checked against its grammar once, here

    static func listRequest(_ request: Request) throws -> AdminSessionListRequest {
        let allowed: Set<String> = ["userId", "ipAddress", "limit", "cursor", "anomalous"]
        if let unknown = request.uri.queryParameters.first(where: { !allowed.contains(String($0.key)) }) {
            throw APIError(.badRequest, "invalid_request", "\(String(unknown.key).prefix(64)) is not a parameter of this list")
        }
        var list = AdminSessionListRequest()
        if let user = request.query("userId") {
            guard ResourceID.check(user, .user) == .valid else { throw APIError(.badRequest, "invalid_request", "userId must be a user id") }
            list.userID = user
        }
        if let address = request.query("ipAddress") {
            guard let network = IPNetwork(address) else {
                throw APIError(.badRequest, "invalid_request", "ipAddress must be an IPv4 or IPv6 address, or a CIDR block such as 203.0.113.0/24")
            }
            list.addresses = network
        }
        if let limit = try Self.limit(request) { list.limit = limit }
        if let cursor = request.query("cursor") { list.after = try Self.cursor(AdminCursor.decode(cursor)) }
        if let anomalous = request.query("anomalous") {
            switch anomalous {
            case "true": list.anomalousOnly = true
            case "false": list.anomalousOnly = false
            default: throw APIError(.badRequest, "invalid_request", "anomalous must be true or false")
            }
        }
        return list
    }

    /// `limit`, 1…500, as a person writes it (no sign, no leading zero, no spaces), or `nil` when absent.
    static func limit(_ request: Request) throws -> Int? {
        guard let limit = request.query("limit") else { return nil }
        guard limit.utf8.count <= 3, limit.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            limit.utf8.first != UInt8(ascii: "0"), let value = Int(limit), (1...500).contains(value)
        else { throw APIError(.badRequest, "invalid_request", "limit must be an integer from 1 to 500") }
        return value
    }

    /// A decoded cursor, or 400 for text this server did not write.
    static func cursor<Position>(_ decoded: Position?) throws -> Position {
        guard let decoded else { throw APIError(.badRequest, "invalid_request", "cursor is not one this server wrote") }
        return decoded
    }

    static func sessionID(_ context: ServerContext) throws -> String {
        let text = try context.pathParameter("session")
        switch ResourceID.check(text, .session) {
        case .valid: return text
        case .unknown: throw APIError(.notFound, "not_found", "No session was found with id \(text)")
        case .malformed: throw APIError(.badRequest, "invalid_request", "a session id is sess_ and 32 lowercase hex digits")
        }
    }

    /// The body as JSON; on this surface a body is required to be JSON whenever one is sent.
    static func body(_ request: Request, limit: Int) async throws -> RequestBody {
        try await RequestBody.read(request, limit: limit)
    }

    static func string(_ body: RequestBody, _ name: String) throws -> String? {
        guard let value = body.object[name] else { return nil }
        switch value {
        case .null: return nil
        case .string(let text): return text
        default: throw APIError(.badRequest, "invalid_request", "\(name) must be a string")
        }
    }

    static func integer(_ body: RequestBody, _ name: String) throws -> Int64? {
        guard let value = body.object[name] else { return nil }
        switch value {
        case .null: return nil
        case .integer(let number): return number
        default: throw APIError(.badRequest, "invalid_request", "\(name) must be an integer")
        }
    }

    static func bool(_ body: RequestBody, _ name: String) throws -> Bool? {
        guard let value = body.object[name] else { return nil }
        switch value {
        case .null: return nil
        case .bool(let flag): return flag
        default: throw APIError(.badRequest, "invalid_request", "\(name) must be true or false")
        }
    }
}

extension ServerContext {
    /// The tenant the admin key authenticated for.
    var tenant: Instance {
        get throws {
            guard let instance else { throw AdminKeyMiddleware.unauthenticated }
            return instance
        }
    }
}
