import Foundation
import Hummingbird
import SessionManagement
import SessionStorage
import SessionTokens

/// `/operator/v1`: what whoever runs Tessera does to a tenant. For now a tenant's secret keys:
/// list, create, revoke (surfaces.md §1); tenants and signing keys come with the tenant work.
struct OperatorRoutes {
    let manager: SessionManager

    func register(_ router: Router<ServerContext>) {
        let group = router.group("operator/v1")
            .add(middleware: OperatorErrorMiddleware())
            .add(middleware: OperatorKeyMiddleware(manager: manager))
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
        let bytes = slug.utf8
        let valid = (2...63).contains(bytes.count) && bytes.enumerated().allSatisfy { index, byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (index > 0 && byte == UInt8(ascii: "-"))
        }
        guard valid else { throw OperatorError(.badRequest, "invalid_request", "a tenant slug is [a-z0-9][a-z0-9-]{1,62}") }
        return slug
    }
}

/// ISO 8601 UTC with exactly millisecond precision (`2024-01-15T10:00:00.000Z`), as every
/// non-Clerk surface writes times.
enum ISO8601Milliseconds {
    static func string(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
