import Hummingbird
import SessionManagement
import SessionStorage
import SessionTokens
import SessionVerification

/// `/v1/clients`: list, get and verify. A client is a browser or device; its sessions are the
/// instance's sessions with its id.
struct ClientRoutes {
    let manager: SessionManager
    let configuration: ServerConfiguration
    let gateway: GatewayVerifier

    func register(_ group: V1Group) {
        group.get("clients") { request, context in
            let page = try await manager.clients(
                in: try context.requireInstance(), limit: try request.queryInteger("limit", default: 10),
                offset: try request.queryInteger("offset", default: 0))
            let items = JSONValue.array(page.items.map(ClientDTO.json))
            guard try request.queryBool("paginated") else { return JSONResponse.make(items) }
            return JSONResponse.make(.object(["data": items, "total_count": .integer(Int64(page.totalCount))]))
        }
        // A constant segment: Hummingbird's trie prefers it to `clients/:id`.
        group.post("clients/verify") { request, context in try await verify(request, context) }
        group.get("clients/:id") { _, context in
            JSONResponse.make(ClientDTO.json(try await manager.client(in: try context.requireInstance(), id: try context.pathID("id", .client))))
        }
    }

    /// Clerk verifies the token its frontend keeps for a client; a Tessera client holds session
    /// tokens, so the token is one of those: verified in full by the gateway's path (signature,
    /// issuer, times, revocation) for the key's tenant, before anything in it is read. The answer
    /// is the client of the token's session.
    private func verify(_ request: Request, _ context: ServerContext) async throws -> Response {
        let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes).allowOnly(["token"])
        let token = try body.string("token", required: true)!
        let instance = try context.requireInstance()
        let tenant = try await manager.tenantKeys(for: instance)
        let verified: GatewayVerifier.Entry
        do {
            verified = try gateway.verify(token, tenant: tenant, now: manager.now / 1000)
        } catch {
            throw ClerkError(.badRequest, "token_invalid", "Invalid token", "The token could not be verified: \(error.code)")
        }
        guard let sessionID = verified.sessionID, ResourceID.check(sessionID, .session) == .valid else {
            throw ClerkError(.badRequest, "token_invalid", "Invalid token", "The token belongs to no session")
        }
        let session = try await manager.session(in: instance, id: sessionID)
        guard session.status == .active else {
            throw ClerkError(.badRequest, "session_not_active", "Session is not active", "Session \(sessionID) is \(session.status.rawValue)")
        }
        return JSONResponse.make(ClientDTO.json(try await manager.client(in: instance, id: session.clientID)))
    }
}
