import Foundation
import Hummingbird
import SessionCrypto
import SessionManagement
import SessionStorage
import SessionTokens

/// `/operator/v1`: what whoever runs Tessera does to tenants (surfaces.md §1): create and list
/// them, their secret keys, and their signing keys (list, rotate).
struct OperatorRoutes {
    let manager: SessionManager
    let configuration: ServerConfiguration

    func register(_ router: Router<ServerContext>) {
        let group = router.group("operator/v1")
            .add(middleware: APIErrorMiddleware())
            .add(middleware: OperatorKeyMiddleware(manager: manager))
        group.post("tenants") { request, _ in
            let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes)
                .allowOnly(["slug", "environment", "signing_algorithm", "private_key_pem", "allowed_origins"])
            let draft = try Self.tenantDraft(body)
            let (tenant, secret) = try await manager.createTenant(draft)
            var json = tenantJSON(tenant.instance)
            json["secret_key"] = .string(secret)
            return JSONResponse.make(.object(json), headers: [.cacheControl: "no-store"])
        }
        group.get("tenants") { _, _ in
            JSONResponse.make(.object(["data": .array(try await manager.tenants().map { .object(tenantJSON($0)) })]), headers: [.cacheControl: "no-store"])
        }
        group.patch("tenants/:slug") { request, context in
            let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes)
                .allowOnly(["allowed_origins", "anomaly_action"])
            var origins: [String]?
            if let given = try body.strings("allowed_origins") {
                guard given.count <= 100, given.allSatisfy(SessionManager.isValidOrigin) else {
                    throw APIError(.badRequest, "invalid_request", "allowed_origins must be at most 100 origins such as https://app.example.com")
                }
                origins = given
            }
            var action: Instance.AnomalyAction?
            if let text = try body.string("anomaly_action") {
                guard let parsed = Instance.AnomalyAction(rawValue: text) else {
                    throw APIError(.badRequest, "invalid_request", "anomaly_action must be flag or revoke")
                }
                action = parsed
            }
            let tenant = try await manager.updateTenantSettings(slug: try context.slug(), allowedOrigins: origins, anomalyAction: action)
            return JSONResponse.make(.object(tenantJSON(tenant)), headers: [.cacheControl: "no-store"])
        }
        group.get("tenants/:slug/secret_keys") { _, context in
            let tenant = try await manager.tenant(slug: try context.slug())
            let keys = try await manager.secretKeys(in: tenant)
            return JSONResponse.make(.object(["data": .array(keys.map(Self.json))]), headers: [.cacheControl: "no-store"])
        }
        group.post("tenants/:slug/secret_keys") { request, context in
            _ = try await RequestBody.read(request, limit: 1 << 10).allowOnly([])
            let tenant = try await manager.tenant(slug: try context.slug())
            let (record, secret) = try await manager.createSecretKey(in: tenant)
            return JSONResponse.make(.object([
                "object": .string("secret_key"), "id": .string(record.id), "secret_key": .string(secret),
                "created_at": .string(ISO8601Milliseconds.string(record.createdAt)),
            ]), headers: [.cacheControl: "no-store"])
        }
        group.delete("tenants/:slug/secret_keys/:id") { _, context in
            let tenant = try await manager.tenant(slug: try context.slug())
            let id = try context.pathID("id", .secretKey)
            return JSONResponse.make(Self.json(try await manager.revokeSecretKey(in: tenant, id: id)))
        }
        group.get("tenants/:slug/signing_keys") { _, context in
            let tenant = try await manager.tenantKeys(slug: try context.slug())
            let now = manager.now
            return JSONResponse.make(
                .object(["data": .array(tenant.keys.reversed().map { Self.json($0, now: now) })]), headers: [.cacheControl: "no-store"])
        }
        group.post("tenants/:slug/signing_keys/rotate") { request, context in
            let body = try await RequestBody.read(request, limit: configuration.maximumBodyBytes).allowOnly(["private_key_pem"])
            let pem = try body.string("private_key_pem")
            let tenant = try await manager.tenant(slug: try context.slug())
            let key = try await manager.rotateSigningKey(in: tenant, privateKeyPEM: pem)
            return JSONResponse.make(Self.json(key, now: manager.now), headers: [.cacheControl: "no-store"])
        }
    }

    /// The create body, checked against its grammar here; the use case checks it again.
    static func tenantDraft(_ body: RequestBody) throws -> TenantDraft {
        guard let slug = try body.string("slug") else { throw APIError(.badRequest, "invalid_request", "slug is required") }
        guard SessionManager.isValidSlug(slug) else { throw APIError(.badRequest, "invalid_request", "slug must match [a-z0-9][a-z0-9-]{1,62}") }
        var draft = TenantDraft(slug: slug)
        if let environment = try body.string("environment") {
            guard let parsed = Instance.Environment(rawValue: environment) else {
                throw APIError(.badRequest, "invalid_request", "environment must be development or production")
            }
            draft.environment = parsed
        }
        if let name = try body.string("signing_algorithm") {
            // The exact names the contract lists (EdDSA also as Ed25519); HS256 has no public key to publish.
            guard let algorithm = JWSAlgorithm(name: name), algorithm.isAsymmetric else {
                throw APIError(.badRequest, "invalid_request", "signing_algorithm must be RS256, ES256 or EdDSA")
            }
            draft.signingAlgorithm = algorithm
        }
        draft.privateKeyPEM = try body.string("private_key_pem")
        if let origins = try body.strings("allowed_origins") {
            guard origins.count <= 100 else { throw APIError(.badRequest, "invalid_request", "at most 100 allowed_origins") }
            draft.allowedOrigins = origins
        }
        return draft
    }

    func tenantJSON(_ instance: Instance) -> JSONObject {
        let issuer = manager.issuer(for: instance)
        return [
            "object": .string("tenant"), "id": .string(instance.id), "slug": .string(instance.slug),
            "environment": .string(instance.environment.rawValue), "signing_algorithm": .string(instance.signingAlgorithm),
            "issuer": .string(issuer), "jwks_url": .string(issuer + "/.well-known/jwks.json"),
            "allowed_origins": .array(instance.allowedOrigins.map(JSONValue.string)),
            "anomaly_action": .string(instance.anomalyAction.rawValue),
            "created_at": .string(ISO8601Milliseconds.string(instance.createdAt)),
        ]
    }

    static func json(_ key: TenantKeys.ScheduledKey, now: Int64) -> JSONValue {
        func time(_ milliseconds: Int64?) -> JSONValue { milliseconds.map { .string(ISO8601Milliseconds.string($0)) } ?? .null }
        return .object([
            "object": .string("signing_key"), "kid": .string(key.keyID), "algorithm": .string(key.key.algorithm.rawValue),
            "state": .string(key.state(at: now).rawValue), "created_at": time(key.createdAt), "activates_at": time(key.activatesAt),
            "retires_at": time(key.retiresAt), "published_until": time(key.publishedUntil == Int64.max ? nil : key.publishedUntil),
        ])
    }

    static func json(_ key: SecretKeyRecord) -> JSONValue {
        func time(_ milliseconds: Int64?) -> JSONValue { milliseconds.map { .string(ISO8601Milliseconds.string($0)) } ?? .null }
        return .object([
            "object": .string("secret_key"), "id": .string(key.id), "prefix": .string(key.displayPrefix),
            "created_at": time(key.createdAt), "last_used_at": time(key.lastUsedAt), "revoked_at": time(key.revokedAt),
        ])
    }
}

extension ServerContext {
    /// A tenant slug as surfaces.md §1 spells it: `[a-z0-9][a-z0-9-]{1,62}`.
    func slug() throws -> String {
        let slug = try pathParameter("slug")
        guard SessionManager.isValidSlug(slug) else { throw APIError(.badRequest, "invalid_request", "a tenant slug is [a-z0-9][a-z0-9-]{1,62}") }
        return slug
    }
}

/// ISO 8601 UTC with exactly millisecond precision (`2024-01-15T10:00:00.000Z`), as every
/// non-Clerk surface writes times.
enum ISO8601Milliseconds {
    /// Integer arithmetic (`AuditTimestamp`), exact to the millisecond: a Foundation formatter made
    /// per call cost about 0.3 ms on Linux, which a list of 20 sessions with three times each paid 60 times.
    static func string(_ milliseconds: Int64) -> String {
        AuditTimestamp.string(milliseconds)
    }
}
