import Hummingbird
import SessionManagement
import SessionStorage
import SessionTokens
import SessionVerification

/// `GET /v1/revocations`: the revocation feed verifiers follow; `POST /v1/verifier_keys`: a key that
/// can only follow it; `POST /v1/users/{id}/sessions/revoke` ("sign out everywhere" with one user-wide entry).
struct RevocationRoutes {
    let manager: SessionManager

    /// - Parameter feed: the group of what verifiers follow (`V1Access.feed`).
    func register(_ group: V1Group, feed: V1Group) {
        feed.get("revocations") { request, context in
            let instance = try context.requireInstance()
            let after = try request.strictInteger("after", default: 0, range: 0...Int64.max)
            let wait = try request.strictInteger("wait", default: 0, range: 0...Int64(RevocationFeed.maximumWaitSeconds))
            let limit = try request.strictInteger("limit", default: Int64(RevocationFeed.defaultPageLimit), range: 1...Int64(RevocationFeed.maximumPageLimit))
            let page = try await manager.revocationFeed(in: instance, after: after, limit: Int(limit), wait: .seconds(wait))
            let message = RevocationFeedMessage(entries: page.entries.compactMap(RevocationDTO.feedEntry), cursor: page.cursor, snapshot: page.snapshot)
            return JSONResponse.make(RevocationFeedCodec.json(message), headers: [.cacheControl: "no-store"])
        }
        group.post("verifier_keys") { request, context in
            _ = try await RequestBody.read(request, limit: 1 << 10).allowOnly([])
            let key = try await manager.addSecretKey(to: try context.requireInstance(), scope: .verifier)
            return JSONResponse.make(.object([
                "object": .string("verifier_key"), "key": .string(key),
                "allows": .array([.string("GET /v1/revocations"), .string("GET /v1/jwks")]),
            ]))
        }
        group.post("users/:id/sessions/revoke") { _, context in
            let entry = try await manager.revokeUserSessions(in: try context.requireInstance(), userID: try context.pathID("id", .user))
            return JSONResponse.make(RevocationDTO.json(entry))
        }
    }
}

extension Request {
    /// A query integer that is exactly decimal digits and inside `range`; anything else is a 400.
    func strictInteger(_ name: String, default fallback: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let text = query(name) else { return fallback }
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = Int64(text), range.contains(value)
        else {
            throw ClerkError(
                .badRequest, "query_param_invalid", "is invalid",
                "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text.prefix(40))\"",
                meta: ["param_name": .string(name)])
        }
        return value
    }
}
