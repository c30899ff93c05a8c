import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SessionManagement
import SessionServer
import SessionTokens
import Testing

/// The tenant admin surface (issue 11, surfaces.md §3), in process through `buildApplication`.
@Suite struct AdminRoutesTests {
    struct Fixture {
        let client: RouterTestClient
        let slug: String
        let key: String
        let base: String

        func auth(_ key: String? = nil) -> HTTPFields {
            [.authorization: "Bearer \(key ?? self.key)", .contentType: "application/json"]
        }

        func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, key: String? = nil, headers: HTTPFields? = nil) async throws -> TestResponse {
            try await client.execute(uri: base + path, method: method, headers: headers ?? auth(key), body: body.map { ByteBuffer(string: $0) })
        }

        func json(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, status: HTTPResponse.Status = .ok) async throws -> JSONValue {
            let response = try await call(method, path, body)
            #expect(response.status == status, "\(method) \(path): \(String(buffer: response.body))")
            return try SessionServerTests.json(response.body)
        }

        /// A user through the Clerk surface (the admin surface opens sessions, it does not create users).
        func user(externalID: String? = nil) async throws -> String {
            let body = externalID.map { #"{"first_name":"Ada","external_id":"\#($0)"}"# } ?? #"{"first_name":"Ada"}"#
            let response = try await client.execute(uri: "/v1/users", method: .post, headers: auth(), body: ByteBuffer(string: body))
            return try #require(try SessionServerTests.json(response.body)["id"]?.stringValue)
        }

        func open(_ user: String, ip: String = "203.0.113.45", agent: String = "Mozilla/5.0 (Macintosh)", extra: String = "") async throws -> (session: JSONValue, token: String) {
            let body = try await json(.post, "/users/\(user)/sessions", #"{"ipAddress":"\#(ip)","userAgent":"\#(agent)","authMethod":"password","mfaVerified":true\#(extra)}"#)
            return (try #require(body["session"]), try #require(body["token"]?.stringValue))
        }
    }

    static func fixture(production: Bool = true, _ body: (Fixture, SessionServerTests.Setup) async throws -> Void) async throws {
        let setup = try await SessionServerTests.setup(operatorKey: TenantTests.operatorKey)
        try await setup.app.test(.router) { client in
            let tenant = try await TenantTests.createTenant(client, slug: "acme", production: production, alg: "ES256")
            try await body(Fixture(client: client, slug: "acme", key: tenant.secretKey, base: "/t/acme/api/v1/admin"), setup)
        }
    }

    @Test func aLoginServiceOpensARealSessionInProduction() async throws {
        try await Self.fixture { admin, _ in
            let user = try await admin.user()
            let (session, token) = try await admin.open(user)
            #expect(session["userId"]?.stringValue == user && session["ipAddress"]?.stringValue == "203.0.113.45")
            #expect(session["userAgent"]?.stringValue == "Mozilla/5.0 (Macintosh)")
            #expect(session["authMethod"]?.stringValue == "password" && session["mfaVerified"] == .bool(true))
            #expect(session["status"]?.stringValue == "active" && session["location"] == .null)
            #expect(session["device"]?["type"]?.stringValue != nil && session["device"]?["os"]?.stringValue != nil)
            let created = try #require(session["createdAt"]?.stringValue)
            #expect(created.hasSuffix("Z") && created.count == 24, "ISO 8601 UTC with milliseconds: \(created)")
            // Seven days by default; a lifetime of its own when asked.
            let expires = try #require(session["expiresAt"]?.stringValue)
            #expect(expires > created)
            let gateway = try await admin.client.execute(uri: "/t/acme/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(gateway.status == .ok)
            // The Clerk surface of the same production tenant still refuses test sessions.
            let clerk = try await admin.client.execute(
                uri: "/v1/sessions", method: .post, headers: admin.auth(), body: ByteBuffer(string: #"{"user_id":"\#(user)"}"#))
            #expect(clerk.status != .ok)
            let (short, _) = try await admin.open(user, extra: #","expiresInSeconds":3600"#)
            let createdText = try #require(short["createdAt"]?.stringValue)
            let expiresText = try #require(short["expiresAt"]?.stringValue)
            let shortCreated = try #require(ISO8601DateFormatter.milliseconds.date(from: createdText))
            let shortExpires = try #require(ISO8601DateFormatter.milliseconds.date(from: expiresText))
            #expect(abs(shortExpires.timeIntervalSince(shortCreated) - 3600) < 0.01)
        }
    }

    @Test func everyInputIsCheckedAtTheEdge() async throws {
        try await Self.fixture { admin, _ in
            let user = try await admin.user()
            let path = "/users/\(user)/sessions"
            for body in [
                #"{"ipAddress":"203.0.113.256"}"#, #"{"ipAddress":"010.0.0.1"}"#, #"{"ipAddress":"::1%eth0"}"#, #"{"ipAddress":7}"#,
                #"{"authMethod":"Password"}"#, #"{"authMethod":""}"#, #"{"authMethod":"\#(String(repeating: "a", count: 33))"}"#,
                #"{"mfaVerified":"yes"}"#, #"{"expiresInSeconds":59}"#, #"{"expiresInSeconds":31536001}"#, #"{"expiresInSeconds":"60"}"#,
                #"{"userAgent":"Mozilla\u0000"}"#, #"{"userAgent":"a\nb"}"#, #"{"surprise":1}"#, #"{"ipAddress":"1.2.3.4""#, "[]",
            ] {
                let response = try await admin.call(.post, path, body)
                #expect(response.status == .badRequest, "\(body): \(response.status)")
                let error = try SessionServerTests.json(response.body)["error"]
                #expect(error?["code"]?.stringValue == "invalid_request", "\(body)")
                // The message names the member at fault, so the edge (not the store) refused it.
                if (try? JSONParser.parse(Array(body.utf8))) != nil,
                    let member = ["ipAddress", "authMethod", "userAgent", "expiresInSeconds", "mfaVerified"].first(where: { body.contains($0) }) {
                    #expect(error?["message"]?.stringValue?.contains(member) == true, "\(body): \(error?["message"]?.stringValue ?? "")")
                }
            }
            var headers = admin.auth()
            headers[.contentType] = "text/plain"
            #expect(try await admin.call(.post, path, #"{"authMethod":"password"}"#, headers: headers).status == .unsupportedMediaType)
            // Nothing was opened by any of them.
            #expect(try await admin.json(.get, path)["data"]?.arrayValue?.isEmpty == true)
            // A long user agent is cut to 512 bytes on a character boundary, not refused.
            let long = String(repeating: "é", count: 400)
            let (session, _) = try await admin.open(user, agent: long)
            let kept = try #require(session["userAgent"]?.stringValue)
            #expect(kept.utf8.count == 512 && long.hasPrefix(kept))
            for bad in ["user_%00", "user_0123", "%20", String(repeating: "x", count: 300)] {
                let response = try await admin.call(.get, "/users/\(bad)/sessions")
                #expect(response.status == .notFound || response.status == .badRequest, "\(bad): \(response.status)")
            }
        }
    }

    @Test func onlyThisTenantsLiveSecretKeyGetsIn() async throws {
        try await Self.fixture { admin, setup in
            let user = try await admin.user()
            let other = try await TenantTests.createTenant(admin.client, slug: "other", alg: "RS256")
            let noKey = try await admin.call(.get, "/users/\(user)/sessions", headers: [:])
            #expect(noKey.status == .unauthorized && noKey.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(try SessionServerTests.json(noKey.body)["error"]?["code"]?.stringValue == "unauthenticated")
            #expect(try await admin.call(.get, "/users/\(user)/sessions", key: "sk_test_unknown").status == .unauthorized)
            #expect(try await admin.call(.get, "/users/\(user)/sessions", key: TenantTests.operatorKey).status == .unauthorized)
            let foreign = try await admin.call(.post, "/users/\(user)/sessions", #"{"authMethod":"password"}"#, key: other.secretKey)
            #expect(foreign.status == .forbidden)
            // The other tenant's own admin path does not know this tenant's user.
            let crossed = try await admin.client.execute(
                uri: "/t/other/api/v1/admin/users/\(user)/sessions", method: .get, headers: admin.auth(other.secretKey))
            #expect(crossed.status == .notFound)
            #expect(try await admin.json(.get, "/users/\(user)/sessions")["data"]?.arrayValue?.isEmpty == true, "nothing changed")
            _ = setup
        }
    }

    @Test func tokensRecordActivityAndRevocationsReachTheGateway() async throws {
        try await Self.fixture { admin, _ in
            let user = try await admin.user(externalID: "crm-7")
            let (first, firstToken) = try await admin.open(user)
            let (second, secondToken) = try await admin.open(user, ip: "2001:db8::5")
            let firstID = try #require(first["id"]?.stringValue)
            let secondID = try #require(second["id"]?.stringValue)
            // A token with new activity: the session shows it.
            let minted = try await admin.json(.post, "/sessions/\(firstID)/tokens", #"{"ipAddress":"198.51.100.9","userAgent":"curl/8.0"}"#)
            #expect(minted["token"]?.stringValue?.split(separator: ".").count == 3)
            // The user by external id: newest first, both active.
            let listing = try await admin.json(.get, "/users/crm-7/sessions")
            let listed = try #require(listing["data"]?.arrayValue)
            #expect(listed.map { $0["id"]?.stringValue } == [secondID, firstID])
            #expect(listed[1]["ipAddress"]?.stringValue == "198.51.100.9" && listed[1]["userAgent"]?.stringValue == "curl/8.0")
            // Another user's session through this user's path: not found, and untouched.
            let stranger = try await admin.user()
            #expect(try await admin.call(.delete, "/users/\(stranger)/sessions/\(firstID)").status == .notFound)
            // One revoked: its token is refused by the gateway at once, the other still passes.
            let revoked = try await admin.json(.delete, "/users/\(user)/sessions/\(firstID)")
            #expect(revoked["status"]?.stringValue == "revoked")
            func gateway(_ token: String) async throws -> HTTPResponse.Status {
                try await admin.client.execute(uri: "/t/acme/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]).status
            }
            #expect(try await gateway(firstToken) == .unauthorized)
            #expect(try await gateway(secondToken) == .ok)
            // Minting for a revoked session: a 4xx that is neither 401 nor 403.
            let refused = try await admin.call(.post, "/sessions/\(firstID)/tokens", "{}")
            #expect((400..<500).contains(refused.status.code) && ![401, 403].contains(refused.status.code))
            // All at once: one user-wide entry; a session opened right after works.
            #expect(try await admin.json(.delete, "/users/\(user)/sessions")["revokedCount"] == .integer(1))
            #expect(try await gateway(secondToken) == .unauthorized)
            let (_, fresh) = try await admin.open(user)
            #expect(try await gateway(fresh) == .ok)
        }
    }

    @Test func theTenantListFiltersAndPagesWithoutRepeatsOrSkips() async throws {
        try await Self.fixture { admin, _ in
            let ada = try await admin.user()
            let bob = try await admin.user()
            var opened: [(created: String, id: String)] = []
            for index in 0..<9 {
                let ip = index % 3 == 0 ? "10.1.2.\(index)" : index % 3 == 1 ? "10.9.0.\(index)" : "2001:db8::\(index)"
                let (session, _) = try await admin.open(index % 2 == 0 ? ada : bob, ip: ip)
                opened.append((try #require(session["createdAt"]?.stringValue), try #require(session["id"]?.stringValue)))
            }
            // Newest first: by creation (milliseconds), then by id within one millisecond.
            func newestFirst(_ indices: [Int]) -> [String] {
                indices.map { opened[$0] }.sorted { ($0.created, $0.id) > ($1.created, $1.id) }.map(\.id)
            }
            // Three at a time, with a session opened between every two pages.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let query = "/sessions?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await admin.json(.get, query)
                let items = try #require(page["data"]?.arrayValue)
                seen += items.compactMap { $0["id"]?.stringValue }
                cursor = page["nextCursor"]?.stringValue
                _ = try await admin.open(bob, ip: "192.0.2.1")
            } while cursor != nil
            #expect(seen == newestFirst(Array(0..<9)), "every session once, newest first, none opened later")
            func ids(_ query: String) async throws -> [String] {
                let page = try await admin.json(.get, "/sessions?\(query)")
                return try #require(page["data"]?.arrayValue).compactMap { $0["id"]?.stringValue }
            }
            #expect(try await ids("ipAddress=10.1.2.0/24") == newestFirst([0, 3, 6]))
            #expect(try await ids("ipAddress=10.1.2.3") == newestFirst([3]))
            #expect(try await ids("ipAddress=2001:db8::/32") == newestFirst([2, 5, 8]))
            #expect(try await ids("ipAddress=10.0.0.0/8&userId=\(ada)") == newestFirst([0, 4, 6]))
            // Cursors of our shape that we never wrote: another version, a padded or negative time, a bad id.
            let session = "sess_" + String(repeating: "a", count: 32)
            let forged = ["v2:1:\(session)", "v1:01:\(session)", "v1:-1:\(session)", "v1:1:\(session):x", "v1:1:sess_1"].map {
                "cursor=" + Base64URL.encode(Array($0.utf8))
            }
            #expect(try await admin.call(.get, "/sessions?cursor=" + Base64URL.encode(Array("v1:1:\(session)".utf8))).status == .ok)
            for bad in ["limit=0", "limit=501", "limit=abc", "limit=01", "cursor=nope", "cursor=djE6MTox", "ipAddress=10.1.2.1/24", "ipAddress=x",
                "userId=nobody", "sort=asc"] + forged {
                let response = try await admin.call(.get, "/sessions?\(bad)")
                #expect(response.status == .badRequest, "\(bad): \(response.status)")
            }
        }
    }
}

extension ISO8601DateFormatter {
    static var milliseconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
