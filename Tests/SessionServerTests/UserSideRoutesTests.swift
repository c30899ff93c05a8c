import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SessionManagement
import SessionServer
import SessionStorage
import SessionTokens
import Testing

/// The user side (issue 12, surfaces.md §4): the caller's own sessions, "sign out all other
/// sessions", consents and audit, in process through `buildApplication`.
@Suite struct UserSideRoutesTests {
    typealias Fixture = AdminRoutesTests.Fixture

    static func fixture(
        rateLimits: Bool = false, _ body: (Fixture, SessionServerTests.Setup) async throws -> Void
    ) async throws {
        let setup = try await SessionServerTests.setup(server: ServerConfiguration(rateLimits: rateLimits), operatorKey: TenantTests.operatorKey)
        try await setup.app.test(.router) { client in
            let tenant = try await TenantTests.createTenant(client, slug: "acme", production: true, alg: "ES256")
            try await body(Fixture(client: client, slug: "acme", key: tenant.secretKey, base: "/t/acme/api/v1/admin"), setup)
        }
    }

    static func user(_ fixture: Fixture, _ method: HTTPRequest.Method, _ path: String, token: String, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        headers.append(contentsOf: extra)
        return try await fixture.client.execute(uri: path, method: method, headers: headers)
    }

    static func gateway(_ fixture: Fixture, _ token: String) async throws -> HTTPResponse.Status {
        try await fixture.client.execute(uri: "/t/acme/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]).status
    }

    @Test func aUserListsTheirSessionsCurrentFirstAndSignsOutTheOthers() async throws {
        try await Self.fixture { admin, _ in
            let user = try await admin.user()
            let stranger = try await admin.user()
            var opened: [(id: String, token: String)] = []
            for agent in ["Mozilla/5.0 (Macintosh)", "Mozilla/5.0 (iPhone)", "Mozilla/5.0 (Windows NT 10.0)"] {
                let (session, token) = try await admin.open(user, agent: agent)
                opened.append((try #require(session["id"]?.stringValue), token))
            }
            let (strangers, strangerToken) = try await admin.open(stranger)
            let strangerSession = try #require(strangers["id"]?.stringValue)
            let current = opened[1]
            for prefix in ["/api/v1/sessions", "/api/v1/auth/sessions"] {
                let listed = try await Self.user(admin, .get, prefix, token: current.token)
                #expect(listed.status == .ok && listed.headers[.cacheControl] == "no-store")
                let rows = try #require(try SessionServerTests.json(listed.body)["data"]?.arrayValue)
                #expect(rows.count == 3)
                #expect(rows.first?["id"]?.stringValue == current.id && rows.first?["current"] == .bool(true))
                #expect(rows.dropFirst().allSatisfy { $0["current"] == .bool(false) })
                let first = try #require(rows.first)
                for field in ["created_at", "last_used_at", "expires_at", "user_agent", "ip", "device", "location", "auth_method", "mfa_verified"] {
                    #expect(first[field] != nil, "\(field) is on every row")
                }
            }
            // Another user's session is not found, and stays signed in.
            let foreign = try await Self.user(admin, .delete, "/api/v1/sessions/\(strangerSession)", token: current.token)
            #expect(foreign.status == .notFound)
            #expect(try await Self.gateway(admin, strangerToken) == .ok)
            // One other session, then all the others: the current one keeps working.
            #expect(try await Self.user(admin, .delete, "/api/v1/sessions/\(opened[0].id)", token: current.token).status == .noContent)
            #expect(try await Self.gateway(admin, opened[0].token) == .unauthorized)
            let others = try await Self.user(admin, .delete, "/api/v1/auth/sessions", token: current.token)
            #expect(try SessionServerTests.json(others.body)["revoked_count"] == .integer(1))
            #expect(try await Self.gateway(admin, opened[2].token) == .unauthorized)
            #expect(try await Self.gateway(admin, current.token) == .ok)
            let after = try await Self.user(admin, .get, "/api/v1/sessions", token: current.token)
            #expect(try SessionServerTests.json(after.body)["data"]?.arrayValue?.map { $0["id"]?.stringValue } == [current.id])
            #expect(try await Self.gateway(admin, strangerToken) == .ok, "another user's sessions are never touched")
            // Signing out here: the current session itself, after which its token is refused.
            #expect(try await Self.user(admin, .delete, "/api/v1/sessions/\(current.id)", token: current.token).status == .noContent)
            let gone = try await Self.user(admin, .get, "/api/v1/sessions", token: current.token)
            #expect(gone.status == .unauthorized && gone.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
        }
    }

    @Test func theFeedCarriesOneEntryThatNamesTheKeptSession() async throws {
        try await Self.fixture { admin, setup in
            let user = try await admin.user()
            let (kept, token) = try await admin.open(user)
            let (other, _) = try await admin.open(user)
            let keptID = try #require(kept["id"]?.stringValue)
            let otherID = try #require(other["id"]?.stringValue)
            _ = try await Self.user(admin, .delete, "/api/v1/sessions", token: token)
            let tenant = try await setup.manager.tenant(slug: "acme")
            let page = try await setup.manager.revocationFeed(in: tenant, after: 0, limit: 100)
            let entries = page.entries.filter { if case .otherSessions = $0.target { true } else { false } }
            #expect(entries.count == 1)
            #expect(entries.first?.target == .otherSessions(userID: user, keptSessionID: keptID, notBefore: entries[0].revokedAt, sessionIDs: [otherID]))
        }
    }

    @Test func aRevokedConsentRefusesThatClientsTokensOfThatUserOnly() async throws {
        try await Self.fixture { admin, _ in
            let alice = try await admin.user()
            let bob = try await admin.user()
            let (aliceSession, aliceToken) = try await admin.open(alice)
            let (bobSession, _) = try await admin.open(bob)
            let aliceID = try #require(aliceSession["id"]?.stringValue)
            let bobID = try #require(bobSession["id"]?.stringValue)
            let grant = #"{"clientId":"photo-app","clientName":"Photo App","scopes":["read"]}"#
            let consent = try await admin.json(.post, "/users/\(alice)/consents", grant)
            let again = try await admin.json(.post, "/users/\(alice)/consents", #"{"clientId":"photo-app","clientName":"Photo App","scopes":["read","write"]}"#)
            #expect(again["id"] == consent["id"] && again["scopes"]?.arrayValue?.count == 2, "a re-grant updates in place")
            _ = try await admin.json(.post, "/users/\(bob)/consents", grant)
            // No consent, no client token.
            let refused = try await admin.call(.post, "/sessions/\(aliceID)/tokens", #"{"clientId":"other-app"}"#)
            #expect(refused.status == .conflict && String(buffer: refused.body).contains("consent_required"))
            let aliceClient = try #require(try await admin.json(.post, "/sessions/\(aliceID)/tokens", #"{"clientId":"photo-app"}"#)["token"]?.stringValue)
            let bobClient = try #require(try await admin.json(.post, "/sessions/\(bobID)/tokens", #"{"clientId":"photo-app"}"#)["token"]?.stringValue)
            let payload = try JSONParser.parse(try #require(Base64URL.decode(aliceClient.split(separator: ".")[1])))
            #expect(payload["client_id"]?.stringValue == "photo-app")
            #expect(try await Self.gateway(admin, aliceClient) == .ok)
            // The client's token acts for the client: it cannot manage the user's sessions or consents.
            let asClient = try await Self.user(admin, .delete, "/api/v1/sessions", token: aliceClient)
            #expect(asClient.status == .forbidden && asClient.headers[.wwwAuthenticate]?.contains("insufficient_scope") == true)
            #expect(try await Self.user(admin, .get, "/api/v1/auth/consents", token: aliceClient).status == .forbidden)
            let listed = try await Self.user(admin, .get, "/api/v1/auth/consents", token: aliceToken)
            let rows = try #require(try SessionServerTests.json(listed.body)["data"]?.arrayValue)
            #expect(rows.count == 1 && rows.first?["client_id"]?.stringValue == "photo-app" && rows.first?["last_used_at"] != .null)
            let consentID = try #require(consent["id"]?.stringValue)
            // Bob cannot revoke Alice's consent; Alice can.
            let (_, bobToken) = try await admin.open(bob)
            #expect(try await Self.user(admin, .delete, "/api/v1/auth/consents/\(consentID)", token: bobToken).status == .notFound)
            #expect(try await Self.user(admin, .delete, "/api/v1/auth/consents/\(consentID)", token: aliceToken).status == .noContent)
            #expect(try await Self.gateway(admin, aliceClient) == .unauthorized)
            #expect(try await Self.gateway(admin, bobClient) == .ok, "another user's token for the same client is kept")
            #expect(try await Self.gateway(admin, aliceToken) == .ok, "the user's own session token is kept")
            let history = try await admin.json(.get, "/users/\(alice)/consents")
            #expect(history["data"]?.arrayValue?.first?["status"]?.stringValue == "revoked")
            let now = try SessionServerTests.json(try await Self.user(admin, .get, "/api/v1/auth/consents", token: aliceToken).body)
            #expect(now["data"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func theAuditLogRecordsEveryChangeChainedAndEachUserSeesTheirOwn() async throws {
        try await Self.fixture { admin, setup in
            let user = try await admin.user()
            let stranger = try await admin.user()
            let (one, token) = try await admin.open(user)
            let (two, _) = try await admin.open(user)
            _ = try await admin.open(stranger)
            let twoID = try #require(two["id"]?.stringValue)
            _ = try await Self.user(admin, .delete, "/api/v1/sessions/\(twoID)", token: token)
            _ = try await Self.user(admin, .delete, "/api/v1/sessions", token: token)
            let tenant = try await setup.manager.tenant(slug: "acme")
            let events = try await setup.manager.allAuditEvents(in: tenant)
            #expect(AuditChain.verify(events) == .intact(count: events.count, head: events.last?.hash))
            let mine = try SessionServerTests.json(try await Self.user(admin, .get, "/api/v1/auth/audit", token: token).body)
            let types = mine["data"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
            #expect(types == ["auth.sessions_revoked", "auth.session_revoked", "auth.session_created", "auth.session_created", "user.created"])
            let newest = try #require(mine["data"]?.arrayValue?.first)
            #expect(newest["actor"]?["type"]?.stringValue == "user" && newest["session_id"]?.stringValue == one["id"]?.stringValue)
            #expect(newest["data"]?["revoked_count"] == .integer(0) && newest["prev_hash"]?.stringValue?.count == 64)
            // The admin view: oldest first, camelCase, filtered, and paged without repeats or gaps.
            let all = try await admin.json(.get, "/audit?limit=500")
            let sequences = all["data"]?.arrayValue?.compactMap { $0["seq"]?.integerValue } ?? []
            #expect(sequences == Array(1...Int64(sequences.count)))
            var paged: [Int64] = []
            var cursor: String?
            repeat {
                let page = try await admin.json(.get, "/audit?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                paged += page["data"]?.arrayValue?.compactMap { $0["seq"]?.integerValue } ?? []
                cursor = page["nextCursor"]?.stringValue
            } while cursor != nil
            #expect(paged == sequences)
            let revocations = try await admin.json(.get, "/audit?type=auth.session_revoked&userId=\(user)")
            #expect(revocations["data"]?.arrayValue?.count == 1 && revocations["data"]?.arrayValue?.first?["actor"]?["type"]?.stringValue == "user")
            #expect(try await admin.call(.get, "/audit?cursor=bm90LW91cnM").status == .badRequest)
            #expect(try await admin.call(.get, "/audit?type=AUTH%00").status == .badRequest)
            #expect(try await admin.call(.get, "/audit?limit=0").status == .badRequest)
        }
    }

    @Test func browsersAreHeldToTheirTenantsOriginsAndToTheRateLimits() async throws {
        try await Self.fixture(rateLimits: true) { admin, _ in
            let patched = try await admin.client.execute(
                uri: "/operator/v1/tenants/acme", method: .patch,
                headers: [.authorization: "Bearer \(TenantTests.operatorKey)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"allowed_origins":["https://app.example.com"]}"#))
            #expect(patched.status == .ok)
            let user = try await admin.user()
            let (_, token) = try await admin.open(user)
            let preflight: HTTPFields = [.origin: "https://app.example.com", .accessControlRequestMethod: "DELETE"]
            let allowed = try await admin.client.execute(uri: "/api/v1/sessions", method: .options, headers: preflight)
            #expect(allowed.status == .noContent && allowed.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(allowed.headers[.accessControlAllowMethods]?.contains("DELETE") == true)
            let evil = try await admin.client.execute(
                uri: "/api/v1/sessions", method: .options, headers: [.origin: "https://evil.example", .accessControlRequestMethod: "DELETE"])
            #expect(evil.status == .forbidden && evil.headers[.accessControlAllowOrigin] == nil)
            let fromApp = try await Self.user(admin, .get, "/api/v1/sessions", token: token, headers: [.origin: "https://app.example.com"])
            #expect(fromApp.status == .ok && fromApp.headers[.accessControlAllowOrigin] == "https://app.example.com")
            let fromEvil = try await Self.user(admin, .get, "/api/v1/sessions", token: token, headers: [.origin: "https://evil.example"])
            #expect(fromEvil.status == .forbidden)
            // The cookie works for reading; a cookie-borne change needs an allowed origin.
            let cookie = try await admin.client.execute(uri: "/api/v1/sessions", method: .get, headers: [.cookie: "theme=dark; __session=\(token)"])
            #expect(cookie.status == .ok)
            let csrf = try await admin.client.execute(uri: "/api/v1/sessions", method: .delete, headers: [.cookie: "__session=\(token)"])
            #expect(csrf.status == .forbidden)
            var limited: TestResponse?
            for _ in 0..<120 {
                let response = try await Self.user(admin, .get, "/api/v1/auth/consents", token: token)
                if response.status == .tooManyRequests { limited = response; break }
            }
            let retry = try #require(limited?.headers[.retryAfter])
            #expect(Int(retry).map { $0 >= 1 } == true)
        }
    }

    @Test func attackersGetClearErrorsAndChangeNothing() async throws {
        try await Self.fixture { admin, _ in
            let user = try await admin.user()
            let (_, token) = try await admin.open(user)
            let none = try await admin.client.execute(uri: "/api/v1/sessions", method: .get, headers: [:])
            #expect(none.status == .unauthorized && none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            for garbage in ["x", "a.b.c", String(repeating: "A", count: 9000), token + "x"] {
                let response = try await Self.user(admin, .get, "/api/v1/sessions", token: garbage)
                #expect(response.status == .unauthorized, "\(garbage.prefix(20))")
            }
            // A token of another tenant's key, however its claims read, is 401 (verified with its own tenant's keys,
            // whose issuer differs from nothing it could claim here) — and a made-up kid is unknown.
            let header = Base64URL.encode(Array(#"{"alg":"ES256","kid":"made-up","typ":"JWT"}"#.utf8))
            let forged = header + "." + token.split(separator: ".")[1] + "." + token.split(separator: ".")[2]
            #expect(try await Self.user(admin, .get, "/api/v1/sessions", token: forged).status == .unauthorized)
            for id in ["sess_%00", String(repeating: "a", count: 300), "sess_" + String(repeating: "A", count: 32)] {
                let response = try await Self.user(admin, .delete, "/api/v1/sessions/\(id)", token: token)
                #expect([.badRequest, .notFound].contains(response.status), "\(id.prefix(12)): \(response.status)")
            }
            #expect(try await Self.user(admin, .delete, "/api/v1/auth/consents/cnst_%00", token: token).status == .badRequest)
            #expect(try await Self.user(admin, .get, "/api/v1/auth/audit?since=1", token: token).status == .badRequest)
            #expect(try await Self.gateway(admin, token) == .ok, "nothing changed")
        }
    }
}
