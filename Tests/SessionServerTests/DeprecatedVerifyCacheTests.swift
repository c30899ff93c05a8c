import HTTPTypes
import Hummingbird
import NIOCore
import SessionManagement
@testable import SessionServer
import SessionStorage
import SessionTokens
import Testing

/// The deprecated verify's rendered sessions (`DeprecatedVerifyAnswers`, Decision 0020): a cached
/// answer is the uncached one byte for byte, and never reaches a request the route would refuse:
/// a revoked session, another tenant's key, another session in the path.
@Suite struct DeprecatedVerifyCacheTests {
    static func auth(_ key: String) -> HTTPFields {
        [.authorization: "Bearer \(key)", .contentType: "application/json"]
    }

    static func verify(_ client: RouterTestClient, key: String, session: String, token: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/sessions/\(session)/verify", method: .post, headers: auth(key), body: ByteBuffer(string: #"{"token":"\#(token)"}"#))
    }

    static func errorCode(_ response: TestResponse) -> String? {
        SessionServerTests.errorCode(response.body)
    }

    @Test func aCachedAnswerIsTheUncachedOneByteForByteWithItsHeaders() async throws {
        for cacheBytes in [GatewayVerifier.defaultCacheBytes, 0] {
            let setup = try await SessionServerTests.setup(server: ServerConfiguration(gatewayCacheBytes: cacheBytes))
            try await setup.app.test(.router) { client in
                let (session, token) = try await TenantTests.token(client, key: setup.key)
                // The session object as the uncached route renders it.
                let reference = try await client.execute(uri: "/v1/sessions/\(session)", method: .get, headers: Self.auth(setup.key))
                #expect(reference.status == .ok)
                for _ in 0..<3 {
                    let response = try await Self.verify(client, key: setup.key, session: session, token: token)
                    #expect(response.status == .ok)
                    #expect(Array(response.body.readableBytesView) == Array(reference.body.readableBytesView))
                    #expect(response.headers[.contentType] == reference.headers[.contentType])
                    #expect(response.headers[HTTPField.Name("Deprecation")!] == "@1704067200")
                    #expect(response.headers[HTTPField.Name("Link")!] == "</docs/verification>; rel=\"deprecation\"; type=\"text/markdown\"")
                }
                #expect(setup.gateway.sessionAnswers.usage.count == (cacheBytes == 0 ? 0 : 1))
            }
        }
    }

    @Test func aRevokedSessionIsRefusedAtOnceAfterItsAnswerWasCached() async throws {
        let setup = try await SessionServerTests.setup()
        try await setup.app.test(.router) { client in
            let (session, token) = try await TenantTests.token(client, key: setup.key)
            for _ in 0..<2 { #expect(try await Self.verify(client, key: setup.key, session: session, token: token).status == .ok) }
            #expect(setup.gateway.sessionAnswers.usage.count == 1)
            let revoked = try await client.execute(uri: "/v1/sessions/\(session)/revoke", method: .post, headers: [.authorization: "Bearer \(setup.key)"])
            #expect(revoked.status == .ok)
            let refused = try await Self.verify(client, key: setup.key, session: session, token: token)
            #expect(refused.status == .badRequest)
            #expect(Self.errorCode(refused) == "session_not_active")
            #expect(refused.headers[HTTPField.Name("Deprecation")!] == nil, "an error is not the session's answer")
        }
    }

    @Test func anotherTenantsKeyNeverGetsTheCachedAnswer() async throws {
        let setup = try await SessionServerTests.setup(operatorKey: TenantTests.operatorKey)
        try await setup.app.test(.router) { client in
            let beta = try await TenantTests.createTenant(client, slug: "beta", alg: "EdDSA")
            let (session, token) = try await TenantTests.token(client, key: beta.secretKey)
            for _ in 0..<2 { #expect(try await Self.verify(client, key: beta.secretKey, session: session, token: token).status == .ok) }
            #expect(setup.gateway.sessionAnswers.usage.count == 1)
            // The default tenant's key, the same path and token: refused as before any cache, never the beta session.
            let crossed = try await Self.verify(client, key: setup.key, session: session, token: token)
            #expect(crossed.status == .badRequest)
            #expect(Self.errorCode(crossed) == "invalid_session_token")
            #expect(try SessionServerTests.json(crossed.body)["id"] == nil)
            // A token of the default tenant for that path: the session is not the default tenant's.
            let (_, ownToken) = try await TenantTests.token(client, key: setup.key)
            let foreign = try await Self.verify(client, key: setup.key, session: session, token: ownToken)
            #expect(foreign.status == .notFound)
            #expect(try await client.execute(uri: "/v1/sessions/\(session)/verify", method: .post, body: ByteBuffer(string: #"{"token":"\#(token)"}"#)).status
                == .unauthorized)
        }
    }

    @Test func anotherSessionInThePathIsRefusedWhateverIsCached() async throws {
        let setup = try await SessionServerTests.setup()
        try await setup.app.test(.router) { client in
            let (first, firstToken) = try await TenantTests.token(client, key: setup.key)
            let (second, secondToken) = try await TenantTests.token(client, key: setup.key)
            for (session, token) in [(first, firstToken), (second, secondToken)] {
                #expect(try await Self.verify(client, key: setup.key, session: session, token: token).status == .ok)
            }
            #expect(setup.gateway.sessionAnswers.usage.count == 2)
            for (session, token) in [(second, firstToken), (first, secondToken)] {
                let response = try await Self.verify(client, key: setup.key, session: session, token: token)
                #expect(response.status == .badRequest)
                #expect(Self.errorCode(response) == "invalid_session_token")
            }
            // Each path still answers its own session.
            let answer = try SessionServerTests.json(try await Self.verify(client, key: setup.key, session: second, token: secondToken).body)
            #expect(answer["id"]?.stringValue == second)
            let unknown = "sess_" + String(repeating: "0", count: 32)
            #expect(try await Self.verify(client, key: setup.key, session: unknown, token: firstToken).status == .notFound)
        }
    }

    static func session(id: String = "sess_1", instanceID: String = "ins_1", lastActiveAt: Int64 = 1_000) -> Session {
        Session(
            id: id, instanceID: instanceID, userID: "user_1", clientID: "client_1", lastActiveAt: lastActiveAt, expireAt: 7_200_000,
            abandonAt: 9_000_000, createdAt: 1_000, updatedAt: lastActiveAt)
    }

    /// Rendered again for any change of the session, for another tenant's session of the same id,
    /// and not past the session's end.
    @Test func aBodyIsReusedOnlyForAnEqualSessionOfTheSameTenant() {
        let answers = DeprecatedVerifyAnswers(budget: 1 << 20)
        var renders = 0
        func body(_ session: Session, _ instanceID: String = "ins_1", now: Int64 = 10) -> String {
            String(buffer: answers.body(for: session, instanceID: instanceID, now: now) { session in
                renders += 1
                return ByteBuffer(string: "\(session.instanceID) \(session.id) \(session.lastActiveAt)")
            })
        }
        #expect(body(Self.session()) == "ins_1 sess_1 1000" && renders == 1)
        #expect(body(Self.session()) == "ins_1 sess_1 1000" && renders == 1)
        #expect(body(Self.session(lastActiveAt: 2_000)) == "ins_1 sess_1 2000" && renders == 2)
        #expect(body(Self.session(instanceID: "ins_2"), "ins_2") == "ins_2 sess_1 1000" && renders == 3)
        #expect(body(Self.session(lastActiveAt: 2_000)) == "ins_1 sess_1 2000" && renders == 3)
        // The session ends at 7 200 s: its entry is gone then.
        #expect(body(Self.session(lastActiveAt: 2_000), now: 7_201) == "ins_1 sess_1 2000" && renders == 4)
    }

    @Test func theCacheHoldsItsBudgetUnderAFloodOfSessions() {
        let answers = DeprecatedVerifyAnswers(budget: 16 << 10)
        var fullest = 0
        for index in 0..<500 {
            _ = answers.body(for: Self.session(id: "sess_\(index)_" + String(repeating: "a", count: 32)), instanceID: "ins_1", now: 10) { _ in
                ByteBuffer(repeating: 0x20, count: 600)
            }
            let usage = answers.usage
            #expect(usage.bytes <= usage.budget)
            #expect(usage.count >= min(fullest, 1), "never emptied")
            fullest = max(fullest, usage.count)
        }
        #expect(fullest > 5 && fullest < 500)
        #expect(DeprecatedVerifyAnswers(budget: 0).body(for: Self.session(), instanceID: "ins_1", now: 10) { _ in ByteBuffer(string: "x") } == ByteBuffer(string: "x"))
    }
}
