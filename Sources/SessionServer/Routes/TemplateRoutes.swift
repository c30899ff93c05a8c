import Hummingbird
import SessionCrypto
import SessionManagement
import SessionStorage
import SessionTokens

/// `/v1/jwt_templates`: CRUD plus a dry run. Signing keys go in, never come out.
struct TemplateRoutes {
    let manager: SessionManager
    let configuration: ServerConfiguration

    func register(_ group: V1Group) {
        group.get("jwt_templates") { request, context in
            let page = try await manager.templates(
                in: try context.requireInstance(), limit: try request.queryInteger("limit", default: 10),
                offset: try request.queryInteger("offset", default: 0))
            let items = JSONValue.array(page.items.map(TemplateDTO.json))
            guard try request.queryBool("paginated") else { return JSONResponse.make(items) }
            return JSONResponse.make(.object(["data": items, "total_count": .integer(Int64(page.totalCount))]))
        }
        group.post("jwt_templates") { request, context in
            let draft = try await draft(request)
            let instance = try context.requireInstance()
            return JSONResponse.make(TemplateDTO.json(try await manager.createTemplate(in: instance, draft)))
        }
        group.get("jwt_templates/:id") { _, context in
            JSONResponse.make(TemplateDTO.json(try await manager.template(in: try context.requireInstance(), id: try context.pathID("id", .template))))
        }
        group.patch("jwt_templates/:id") { request, context in
            let draft = try await draft(request)
            let record = try await manager.updateTemplate(
                in: try context.requireInstance(), id: try context.pathID("id", .template), draft)
            return JSONResponse.make(TemplateDTO.json(record))
        }
        group.delete("jwt_templates/:id") { _, context in
            let id = try context.pathID("id", .template)
            try await manager.deleteTemplate(in: try context.requireInstance(), id: id)
            return JSONResponse.make(.object(["object": .string("jwt_template"), "id": .string(id), "deleted": .bool(true)]))
        }
        group.post("jwt_templates/:id/preview") { request, context in
            let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes).allowOnly(["session_id"])
            let preview = try await manager.previewTemplate(
                in: try context.requireInstance(), id: try context.pathID("id", .template),
                sessionID: try ClerkError.checkID(try body.string("session_id", required: true)!, .session, parameter: "session_id"))
            return JSONResponse.make(.object([
                "object": .string("jwt_template_preview"), "claims": .object(preview.claims.jsonObject),
                "token_bytes": .integer(Int64(preview.tokenBytes)),
            ]))
        }
    }

    /// Clerk's template body; any other member is refused, not ignored.
    static let fields: Set<String> = [
        "name", "claims", "lifetime", "allowed_clock_skew", "custom_signing_key", "signing_algorithm", "signing_key",
    ]

    private func draft(_ request: Request) async throws -> TemplateDraft {
        let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes).allowOnly(Self.fields)
        let name = try body.string("name", required: true)!
        guard let claims = try body.jsonObject("claims") else {
            throw ClerkError(.unprocessableContent, "form_param_missing", "is missing", "claims is required", meta: ["param_name": .string("claims")])
        }
        // Read as given; which combinations are honoured is the use case's rule (TemplateSigning).
        var algorithm: JWSAlgorithm?
        if let name = try body.string("signing_algorithm") {
            guard let known = JWSAlgorithm(name: name) else {
                throw ClerkError.invalidParameter("signing_algorithm", "signing_algorithm must be RS256, ES256, EdDSA or HS256")
            }
            algorithm = known
        }
        let signing = TemplateSigning(customSigningKey: try body.bool("custom_signing_key"), algorithm: algorithm, key: try body.string("signing_key"))
        return TemplateDraft(
            name: name, claims: claims, lifetime: try body.integer("lifetime"), allowedClockSkew: try body.integer("allowed_clock_skew"),
            signing: signing)
    }
}
