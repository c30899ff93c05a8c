import Hummingbird
import SessionManagement
import SessionStorage
import SessionTokens

extension AdminRoutes {
    /// The admin half of consents (granted by the tenant's OAuth server, listed and revoked by
    /// support staff) and the tenant's audit log, oldest first.
    func registerConsentsAndAudit(_ group: RouterGroup<ServerContext>) {
        group.post("users/:user/consents") { request, context in
            let body = try await Self.body(request, limit: configuration.maximumBodyBytes).allowOnly(["clientId", "clientName", "scopes"])
            let tenant = try context.tenant
            let user = try await manager.user(in: tenant, idOrExternalID: try context.pathParameter("user"))
            guard let clientID = try Self.string(body, "clientId"), let clientName = try Self.string(body, "clientName") else {
                throw APIError(.badRequest, "invalid_request", "clientId and clientName are required")
            }
            guard case .array(let items)? = body.object["scopes"] else {
                throw APIError(.badRequest, "invalid_request", "scopes must be an array of strings")
            }
            var scopes: [String] = []
            for item in items {
                guard let scope = item.stringValue else { throw APIError(.badRequest, "invalid_request", "scopes must be an array of strings") }
                scopes.append(scope)
            }
            let consent = try await manager.grantConsent(
                in: tenant, userID: user.id, ConsentDraft(clientID: clientID, clientName: clientName, scopes: scopes))
            return JSONResponse.make(ConsentDTO.admin(consent), headers: [.cacheControl: "no-store"])
        }
        group.get("users/:user/consents") { _, context in
            let tenant = try context.tenant
            let user = try await manager.user(in: tenant, idOrExternalID: try context.pathParameter("user"))
            let consents = try await manager.consents(in: tenant, userID: user.id)
            return JSONResponse.make(.object(["data": .array(consents.map(ConsentDTO.admin))]), headers: [.cacheControl: "no-store"])
        }
        group.delete("users/:user/consents/:consent") { _, context in
            let tenant = try context.tenant
            let user = try await manager.user(in: tenant, idOrExternalID: try context.pathParameter("user"))
            let consent = try await manager.revokeConsent(in: tenant, userID: user.id, consentID: try Self.id(context, "consent", .consent))
            return JSONResponse.make(ConsentDTO.admin(consent))
        }
        group.get("audit") { request, context in
            let tenant = try context.tenant
            let list = try Self.auditRequest(request, allowed: ["type", "userId", "sessionId", "limit", "cursor"], order: .oldestFirst)
            let (events, next) = try await manager.auditEvents(in: tenant, list)
            return JSONResponse.make(
                .object([
                    "data": .array(events.map { AuditEventDTO.json($0, style: .camelCase) }),
                    "nextCursor": next.map { .string(AuditCursor.encode($0)) } ?? .null,
                ]), headers: [.cacheControl: "no-store"])
        }
    }

    /// A path id of `kind`: 400 for text no id could be, 404 for anything else that is not one.
    static func id(_ context: ServerContext, _ name: String, _ kind: ResourceID.Kind) throws -> String {
        let text = try context.pathParameter(name)
        switch ResourceID.check(text, kind) {
        case .valid: return text
        case .unknown: throw APIError(.notFound, "not_found", "No \(kind.noun) was found with id \(text)")
        case .malformed: throw APIError(.badRequest, "invalid_request", "a \(kind.noun) id is \(kind.rawValue)_ and 32 lowercase hex digits")
        }
    }

    /// The audit list's query, checked: `type` (`[a-z_.]{1,64}`), `userId`, `sessionId`, `limit`
    /// (1…500, default 50) and `cursor`, each only where `allowed`.
    static func auditRequest(_ request: Request, allowed: Set<String>, order: AuditQuery.Order) throws -> AuditListRequest {
        if let unknown = request.uri.queryParameters.first(where: { !allowed.contains(String($0.key)) }) {
            throw APIError(.badRequest, "invalid_request", "\(String(unknown.key).prefix(64)) is not a parameter of this list")
        }
        var list = AuditListRequest(order: order)
        if let type = request.query("type") {
            guard (1...64).contains(type.utf8.count),
                type.utf8.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") })
            else { throw APIError(.badRequest, "invalid_request", "type must be an event type such as auth.session_revoked") }
            list.type = type
        }
        if let user = request.query("userId") {
            guard ResourceID.check(user, .user) == .valid else { throw APIError(.badRequest, "invalid_request", "userId must be a user id") }
            list.userID = user
        }
        if let session = request.query("sessionId") {
            guard ResourceID.check(session, .session) == .valid else { throw APIError(.badRequest, "invalid_request", "sessionId must be a session id") }
            list.sessionID = session
        }
        if let limit = try Self.limit(request) { list.limit = limit }
        if let cursor = request.query("cursor") { list.cursor = try Self.cursor(AuditCursor.decode(cursor)) }
        return list
    }
}
