import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SessionManagement
import SessionServer
import SessionStorage
import SessionTokens
import Synchronization
import Testing

/// Issue 9's faults, each as an attacker would try it over HTTP: what must be refused, and what
/// must not change when it is.
/// When a revocation was acknowledged, shared with the tasks racing it.
final class Acknowledgement: Sendable {
    let instant = Mutex<ContinuousClock.Instant?>(nil)
}

@Suite struct RevocationTruthTests {
    typealias Setup = SessionServerTests.Setup

    static func auth(_ setup: Setup, _ extra: HTTPFields = [:]) -> HTTPFields {
        var headers: HTTPFields = [.authorization: "Bearer \(setup.key)", .contentType: "application/json"]
        headers.append(contentsOf: extra)
        return headers
    }

    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func verifyStatus(_ client: RouterTestClient, _ token: String) async throws -> HTTPResponse.Status {
        try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]).status
    }

    // MARK: Fault 1: a NUL (or any byte no id has) never reaches the store

    @Test func idsWithANulAreRefusedAndChangeNothing() async throws {
        let setup = try await SessionServerTests.setup()
        let (user, session, token) = try await GatewayVerifyTests.sessionWithToken(setup)
        try await setup.app.test(.router) { client in
            for (uri, method) in [
                ("/v1/sessions/\(session.id)%00/revoke", HTTPRequest.Method.post), ("/v1/sessions/\(session.id)%00", .get),
                ("/v1/sessions/\(session.id)%00/tokens", .post), ("/v1/users/\(user.id)%00/sessions/revoke", .post),
                ("/v1/users/\(user.id)%00", .delete), ("/v1/users/\(user.id)%0D%0AX", .get),
                ("/v1/sessions?user_id=\(user.id)%00", .get), ("/v1/sessions/\(session.id)\(String(repeating: "a", count: 60))", .get),
            ] {
                let response = try await client.execute(uri: uri, method: method, headers: Self.auth(setup))
                #expect(response.status == .badRequest, "\(method) \(uri)")
                #expect(SessionServerTests.errorCode(response.body) == "resource_id_invalid", "\(method) \(uri)")
            }
            // A plausible id of the wrong shape is simply not found.
            for uri in ["/v1/sessions/sess_nope", "/v1/sessions/\(user.id)", "/v1/users/user_ABCDEF"] {
                #expect(try await client.execute(uri: uri, method: .get, headers: Self.auth(setup)).status == .notFound, "\(uri)")
            }
            // Nothing was revoked, nothing reached the feed, the token still passes, and a new one is minted.
            #expect(try await setup.manager.session(in: try await setup.manager.authenticate(secretKey: setup.key), id: session.id).status == .active)
            #expect(try await Self.verifyStatus(client, token) == .ok)
            let feed = try await client.execute(uri: "/v1/revocations", method: .get, headers: Self.auth(setup))
            #expect(try SessionServerTests.json(feed.body)["entries"]?.arrayValue?.isEmpty == true)
            // The real revocation still works, and is seen at once.
            #expect(try await client.execute(uri: "/v1/sessions/\(session.id)/revoke", method: .post, headers: Self.auth(setup)).status == .ok)
            #expect(try await Self.verifyStatus(client, token) == .unauthorized)
        }
    }

    @Test func controlCharactersInAnyFieldAreRefused() async throws {
        let setup = try await SessionServerTests.setup()
        try await setup.app.test(.router) { client in
            for body in [
                #"{"first_name":"Ada\u0000Lovelace"}"#, #"{"email_address":["a\u0000@example.com"]}"#,
                #"{"username":"ada\r\nX-Injected: 1"}"#, #"{"public_metadata":{"ro\u0000le":"admin"}}"#,
                #"{"public_metadata":{"role":"ad\u0000min"}}"#, #"{"phone_number":["+١٢٣٤٥٦٧٨٩"]}"#,
                #"{"external_id":"ext\u001b[31m"}"#, #"{"first_name":"Ada","password":"unknown fields are refused"}"#,
            ] {
                let response = try await client.execute(uri: "/v1/users", method: .post, headers: Self.auth(setup), body: Self.body(body))
                #expect(response.status == .unprocessableContent, "\(body)")
                let text = String(buffer: response.body)
                #expect(!text.contains("\u{0}") && !text.contains("SQL") && !text.contains("UNIQUE"), "\(text)")
            }
            let users = try await client.execute(uri: "/v1/users", method: .get, headers: Self.auth(setup))
            #expect(try SessionServerTests.json(users.body).arrayValue?.isEmpty == true, "nothing half-written")
            for body in [
                #"{"name":"bad\r\nname","claims":{}}"#, #"{"name":"","claims":{}}"#,
                #"{"name":"\#(String(repeating: "n", count: 65))","claims":{}}"#, #"{"name":"a/b","claims":{}}"#,
                #"{"name":"ok","claims":{"k\u0000":1}}"#, #"{"name":"ok","claims":{},"extra":true}"#,
            ] {
                let response = try await client.execute(uri: "/v1/jwt_templates", method: .post, headers: Self.auth(setup), body: Self.body(body))
                #expect(response.status == .unprocessableContent, "\(body)")
            }
            // A duplicate name is told in the API's words, not SQLite's.
            for expected in [HTTPResponse.Status.ok, .unprocessableContent] {
                let response = try await client.execute(
                    uri: "/v1/jwt_templates", method: .post, headers: Self.auth(setup), body: Self.body(#"{"name":"dup","claims":{}}"#))
                #expect(response.status == expected || (expected != .ok && response.status.code >= 400 && response.status.code < 500))
                #expect(!String(buffer: response.body).contains("constraint"))
            }
            let jsonx = try await client.execute(
                uri: "/v1/users", method: .post, headers: [.authorization: "Bearer \(setup.key)", .contentType: "application/jsonx"],
                body: Self.body(#"{"first_name":"Ada"}"#))
            #expect(jsonx.status == .unsupportedMediaType)
            let charset = try await client.execute(
                uri: "/v1/users", method: .post, headers: [.authorization: "Bearer \(setup.key)", .contentType: "Application/JSON; charset=utf-8"],
                body: Self.body(#"{"first_name":"Ada","phone_number":["+14155550100"]}"#))
            #expect(charset.status == .ok)
        }
    }

    // MARK: Fault 2: template tokens are bound to their session

    @Test func templateTokensCarryTheirSessionDieWithItAndNeverOutliveIt() async throws {
        let setup = try await SessionServerTests.setup()
        let (_, session, _) = try await GatewayVerifyTests.sessionWithToken(setup)
        try await setup.app.test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/jwt_templates", method: .post, headers: Self.auth(setup),
                body: Self.body(#"{"name":"decade","claims":{"k":"v"},"lifetime":315360000}"#))
            #expect(created.status == .ok)
            let minted = try await client.execute(uri: "/v1/sessions/\(session.id)/tokens/decade", method: .post, headers: Self.auth(setup))
            let jwt = try #require(try SessionServerTests.json(minted.body)["jwt"]?.stringValue)
            let payload = try JSONParser.parse(try #require(Base64URL.decode(String(jwt.split(separator: ".")[1]))))
            #expect(payload["sid"]?.stringValue == session.id)
            #expect(try #require(payload["exp"]?.integerValue) <= session.expireAt / 1000, "no token outlives its session")
            #expect(try await Self.verifyStatus(client, jwt) == .ok)
            #expect(try await client.execute(uri: "/v1/sessions/\(session.id)/revoke", method: .post, headers: Self.auth(setup)).status == .ok)
            #expect(try await Self.verifyStatus(client, jwt) == .unauthorized)
            let again = try await client.execute(uri: "/v1/sessions/\(session.id)/tokens/decade", method: .post, headers: Self.auth(setup))
            #expect(again.status.code >= 400 && again.status.code < 500)
        }
    }

    // MARK: Fault 3: "sign out everywhere" against concurrent minters

    /// Two minters per session race a revocation, user-wide or single, round after round. The
    /// invariant: every token minted for a revoked session, before or after the acknowledgement,
    /// is refused; no mint that starts after the acknowledgement succeeds; and a session opened
    /// after a user-wide revocation, even within the same millisecond, works at once.
    @Test(.timeLimit(.minutes(3)))
    func noTokenSurvivesARevocationRacingItsMinters() async throws {
        let setup = try await SessionServerTests.setup()
        let instance = try await setup.manager.authenticate(secretKey: setup.key)
        let manager = setup.manager
        var attempts = 0
        var survivors: [String] = []
        var lateMints = 0
        try await setup.app.test(.router) { client in
            for round in 0..<150 {
                let user = try await manager.createUser(in: instance, UserDraft(firstName: "Race"))
                let sessions = [
                    try await manager.createSession(in: instance, userID: user.id), try await manager.createSession(in: instance, userID: user.id),
                ]
                let acknowledged = Acknowledgement()
                let results = try await withThrowingTaskGroup(of: [(String, ContinuousClock.Instant, String?)].self) { group in
                    for session in sessions + sessions {
                        group.addTask {
                            var minted: [(String, ContinuousClock.Instant, String?)] = []
                            for _ in 0..<12 {
                                let started = ContinuousClock.now
                                do {
                                    minted.append((session.id, started, try await manager.sessionToken(in: instance, sessionID: session.id)))
                                } catch {
                                    minted.append((session.id, started, nil))
                                }
                                await Task.yield()
                            }
                            return minted
                        }
                    }
                    group.addTask {
                        for _ in 0..<(round % 5) { await Task.yield() }
                        if round.isMultiple(of: 2) {
                            _ = try await manager.revokeUserSessions(in: instance, userID: user.id)
                        } else {
                            for session in sessions { _ = try await manager.revokeSession(in: instance, id: session.id) }
                        }
                        acknowledged.instant.withLock { $0 = ContinuousClock.now }
                        return []
                    }
                    var all: [(String, ContinuousClock.Instant, String?)] = []
                    for try await part in group { all += part }
                    return all
                }
                let ackedAt = try #require(acknowledged.instant.withLock { $0 })
                for (sessionID, started, token) in results {
                    attempts += 1
                    guard let token else { continue }
                    if started > ackedAt { lateMints += 1 }
                    if try await Self.verifyStatus(client, token) != .unauthorized { survivors.append("round \(round) \(sessionID)") }
                }
                if round.isMultiple(of: 2) {
                    let fresh = try await manager.createSession(in: instance, userID: user.id)
                    let token = try await manager.sessionToken(in: instance, sessionID: fresh.id)
                    #expect(try await Self.verifyStatus(client, token) == .ok, "a sign-in after sign-out-everywhere works at once")
                }
            }
        }
        #expect(attempts >= 7000)
        #expect(survivors.isEmpty, "\(survivors.count) tokens survived: \(survivors.prefix(5))")
        #expect(lateMints == 0, "\(lateMints) tokens were minted after the revocation was acknowledged")
    }
}
