import Foundation
import HTTPTypes
import Hummingbird
import SessionManagement
import SessionStorage
import SessionTokens
import Testing

/// `GET /v1/revocations` and `POST /v1/users/{id}/sessions/revoke` over HTTP.
/// A long poll waits on the feed; one that never answers must fail the test, not hang the run.
@Suite(.timeLimit(.minutes(1))) struct RevocationFeedRouteTests {
    @Test func theFeedListsEntriesInTheWireShape() async throws {
        let setup = try await SessionServerTests.setup()
        let (user, session, _) = try await GatewayVerifyTests.sessionWithToken(setup)
        let instance = try await setup.manager.authenticate(secretKey: setup.key)
        let (_, entry) = try await setup.manager.revokeSession(in: instance, id: session.id)
        let auth: HTTPFields = [.authorization: "Bearer \(setup.key)"]
        try await setup.app.test(.router) { client in
            var userWideSequence: Int64 = 0
            try await client.execute(uri: "/v1/users/\(user.id)/sessions/revoke", method: .post, headers: auth) { response in
                #expect(response.status == .ok)
                let body = try SessionServerTests.json(response.body)
                #expect(body["user_id"]?.stringValue == user.id && body["not_before"]?.integerValue != nil)
                userWideSequence = try #require(body["seq"]?.integerValue)
            }
            try await client.execute(uri: "/v1/revocations?after=0", method: .get, headers: auth) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-store")
                let body = try SessionServerTests.json(response.body)
                let entries = try #require(body["entries"]?.arrayValue)
                try #require(entries.count == 2)  // before any index: a wrong count fails, never crashes the run
                #expect(entries[0]["seq"]?.integerValue == entry?.sequence)
                #expect(entries[0]["session_id"]?.stringValue == session.id && entries[0]["user_id"] == nil)
                #expect(entries[0]["revoked_at"]?.integerValue == entry?.revokedAt)
                #expect(entries[0]["retain_until"]?.integerValue == entry?.retainUntil)
                #expect(entries[1]["user_id"]?.stringValue == user.id && entries[1]["session_id"] == nil)
                #expect(body["cursor"]?.integerValue == userWideSequence)
                #expect(body["snapshot"] == .bool(false))
            }
            try await client.execute(uri: "/v1/revocations?after=\(userWideSequence)&limit=5", method: .get, headers: auth) { response in
                let body = try SessionServerTests.json(response.body)
                #expect(body["entries"]?.arrayValue?.isEmpty == true)
            }
        }
    }

    @Test func malformedCursorsAndWaitsAre400InClerksShapeAndNeedAKey() async throws {
        let setup = try await SessionServerTests.setup()
        let auth: HTTPFields = [.authorization: "Bearer \(setup.key)"]
        try await setup.app.test(.router) { client in
            for query in ["after=-1", "after=abc", "after=1.5", "after=", "after=%2B1", "after=99999999999999999999", "wait=61", "wait=-1",
                "wait=0x10", "limit=0", "limit=10001"]
            {
                try await client.execute(uri: "/v1/revocations?\(query)", method: .get, headers: auth) { response in
                    #expect(response.status == .badRequest, "\(query)")
                    #expect(SessionServerTests.errorCode(response.body) == "query_param_invalid", "\(query)")
                }
            }
            try await client.execute(uri: "/v1/revocations", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/users/user_none/sessions/revoke", method: .post, headers: auth) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func aLongPollAnswersWhenASessionIsRevoked() async throws {
        let setup = try await SessionServerTests.setup()
        let (_, session, _) = try await GatewayVerifyTests.sessionWithToken(setup)
        let instance = try await setup.manager.authenticate(secretKey: setup.key)
        let auth: HTTPFields = [.authorization: "Bearer \(setup.key)"]
        try await setup.app.test(.router) { client in
            let started = ContinuousClock.now
            async let polled = client.execute(uri: "/v1/revocations?after=0&wait=20", method: .get, headers: auth)
            try await Task.sleep(for: .milliseconds(300))
            _ = try await setup.manager.revokeSession(in: instance, id: session.id)
            let response = try await polled
            #expect(response.status == .ok)
            let entries = try #require(try SessionServerTests.json(response.body)["entries"]?.arrayValue)
            #expect(entries.first?["session_id"]?.stringValue == session.id)
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test func verifierKeysReadTheFeedAndTheJWKSAndNothingElse() async throws {
        let setup = try await SessionServerTests.setup()
        let auth: HTTPFields = [.authorization: "Bearer \(setup.key)"]
        try await setup.app.test(.router) { client in
            var verifierKey = ""
            try await client.execute(uri: "/v1/verifier_keys", method: .post, headers: auth) { response in
                #expect(response.status == .ok)
                let body = try SessionServerTests.json(response.body)
                verifierKey = try #require(body["key"]?.stringValue)
            }
            #expect(verifierKey.hasPrefix("vk_test_"))
            let verifier: HTTPFields = [.authorization: "Bearer \(verifierKey)"]
            for uri in ["/v1/revocations?after=0", "/v1/jwks"] {
                try await client.execute(uri: uri, method: .get, headers: verifier) { response in
                    #expect(response.status == .ok, "\(uri)")
                }
            }
            for (uri, method) in [("/v1/sessions?user_id=u", HTTPRequest.Method.get), ("/v1/users", .post), ("/v1/verifier_keys", .post),
                ("/v1/users/u/sessions/revoke", .post), ("/v1/sessions/sess_1/verify", .post), ("/v1/clients/verify", .post)]
            {
                try await client.execute(uri: uri, method: method, headers: verifier) { response in
                    #expect(response.status == .forbidden, "\(method) \(uri)")
                    #expect(SessionServerTests.errorCode(response.body) == "authorization_invalid")
                }
            }
            // The prefix is not a switch: a verifier key presented as a secret key matches no stored hash.
            let promoted: HTTPFields = [.authorization: "Bearer sk_" + verifierKey.dropFirst(3)]
            try await client.execute(uri: "/v1/users", method: .get, headers: promoted) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}
