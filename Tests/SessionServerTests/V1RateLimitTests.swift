import HTTPTypes
import Hummingbird
import SessionManagement
@testable import SessionServer
import SessionStorage
import SessionTokens
import Synchronization
import Testing

/// `/v1`'s limits per secret key: Clerk's figures, counted after authentication, refused in Clerk's body with
/// `Retry-After`, and never on what verifiers and gateways poll. The clock is the test's: nothing sleeps.
@Suite struct V1RateLimitTests {
    static func get(_ client: RouterTestClient, _ uri: String, key: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(key)"])
    }

    /// Sends `count` counted requests with `key`; the statuses seen.
    static func spend(_ client: RouterTestClient, key: String, count: Int) async throws -> [HTTPResponse.Status] {
        var statuses: [HTTPResponse.Status] = []
        for _ in 0..<count { statuses.append(try await get(client, "/v1/users?limit=1", key: key).status) }
        return statuses
    }

    @Test func aDevelopmentKeysHundredAndFirstRequestIn10SecondsIsRefusedAndAnotherKeyIsNot() async throws {
        let clock = TestClock()
        let limited = Mutex<[Instance.Environment]>([])
        let server = ServerConfiguration(v1RateLimit: V1RateLimit(onLimited: { environment in limited.withLock { $0.append(environment) } }))
        let setup = try await SessionServerTests.setup(server: server, clock: { clock.now })
        let other = try await setup.manager.addSecretKey(to: try await setup.manager.tenant(slug: "default"))
        try await setup.app.test(.router) { client in
            // A flood with wrong keys and no key first: it must not spend the real key's budget.
            for index in 0..<300 {
                let wrong = try await Self.get(client, "/v1/users?limit=1", key: "sk_test_wrong\(index)")
                #expect(wrong.status == .unauthorized)
                let none = try await client.execute(uri: "/v1/users?limit=1", method: .get)
                #expect(none.status == .unauthorized)
            }
            #expect(try await Self.spend(client, key: setup.key, count: 100).allSatisfy { $0 == .ok })
            let refused = try await Self.get(client, "/v1/users?limit=1", key: setup.key)
            #expect(refused.status == .tooManyRequests)
            #expect(SessionServerTests.errorCode(refused.body) == "too_many_requests")
            let body = try SessionServerTests.json(refused.body)
            #expect(body["errors"]?.arrayValue?.first?["long_message"]?.stringValue != nil)
            let retry = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect(retry >= 1 && retry <= 10)
            #expect(limited.withLock { $0 } == [.development])
            // Writes count too, and are refused before they run.
            let write = try await client.execute(
                uri: "/v1/users", method: .post, headers: [.authorization: "Bearer \(setup.key)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"first_name":"Over"}"#))
            #expect(write.status == .tooManyRequests)
            // Another key of the same tenant has its own budget.
            #expect(try await Self.spend(client, key: other, count: 100).allSatisfy { $0 == .ok })
            #expect(try await Self.get(client, "/v1/users?limit=1", key: other).status == .tooManyRequests)
            // Once Retry-After has passed, the first key is served again.
            clock.advance(by: Int64(retry) * 1000)
            #expect(try await Self.get(client, "/v1/users?limit=1", key: setup.key).status == .ok)
            // A full window refills the whole budget, and not more.
            clock.advance(by: 60_000)
            let after = try await Self.spend(client, key: setup.key, count: 101)
            #expect(after.prefix(100).allSatisfy { $0 == .ok } && after.last == .tooManyRequests)
        }
    }

    @Test func jwksTheRevocationFeedAndVerificationAreNotCounted() async throws {
        let clock = TestClock()
        let setup = try await SessionServerTests.setup(clock: { clock.now })
        let (_, session, token) = try await GatewayVerifyTests.sessionWithToken(setup)
        try await setup.app.test(.router) { client in
            _ = try await Self.spend(client, key: setup.key, count: 100)
            #expect(try await Self.get(client, "/v1/users?limit=1", key: setup.key).status == .tooManyRequests)
            for _ in 0..<150 {
                #expect(try await Self.get(client, "/v1/jwks", key: setup.key).status == .ok)
                #expect(try await Self.get(client, "/v1/revocations", key: setup.key).status == .ok)
                #expect(try await Self.get(client, "/v1/verify", key: token).status == .ok)
                let verified = try await client.execute(
                    uri: "/v1/sessions/\(session.id)/verify", method: .post,
                    headers: [.authorization: "Bearer \(setup.key)", .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"token":"\#(token)"}"#))
                #expect(verified.status == .ok)
            }
            // Other routes under /v1/sessions are counted.
            #expect(try await Self.get(client, "/v1/sessions/\(session.id)", key: setup.key).status == .tooManyRequests)
        }
    }

    /// The routes that answer from memory are named by the group they are registered in (`V1Access`), not by their
    /// path: every other `/v1` route the router serves is counted, whatever its method, so a route registered in the
    /// wrong group shows here. With the budget spent, each of them is refused before it runs.
    @Test func everyOtherV1RouteIsCounted() async throws {
        let clock = TestClock()
        let setup = try await SessionServerTests.setup(clock: { clock.now })
        let exempt: Set<String> = ["GET /v1/jwks", "GET /v1/revocations", "POST /v1/sessions/{id}/verify"]
        let counted = setup.routes.filter { $0.split(separator: " ")[1].hasPrefix("/v1/") && $0 != "GET /v1/verify" && !exempt.contains($0) }
        #expect(counted.count > 20)
        #expect(exempt.isSubset(of: setup.routes))
        try await setup.app.test(.router) { client in
            _ = try await Self.spend(client, key: setup.key, count: 100)
            for route in counted + Array(exempt) {
                let parts = route.split(separator: " ")
                // Every parameter as an id of the right shape: the refusal comes before any lookup.
                let path = parts[1].split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix("{") ? "x_1" : String($0) }.joined(separator: "/")
                let response = try await client.execute(
                    uri: path, method: HTTPRequest.Method(String(parts[0]))!,
                    headers: [.authorization: "Bearer \(setup.key)", .contentType: "application/json"], body: ByteBuffer(string: "{}"))
                if exempt.contains(route) {
                    #expect(response.status != .tooManyRequests, "\(route)")
                } else {
                    #expect(response.status == .tooManyRequests, "\(route)")
                }
            }
        }
    }

    @Test func aProductionKeyHasClerksThousand() async throws {
        let clock = TestClock()
        let setup = try await SessionServerTests.setup(operatorKey: TenantTests.operatorKey, clock: { clock.now })
        try await setup.app.test(.router) { client in
            let tenant = try await TenantTests.createTenant(client, slug: "acme", production: true, alg: "ES256")
            let statuses = try await Self.spend(client, key: tenant.secretKey, count: 1001)
            #expect(statuses.prefix(1000).allSatisfy { $0 == .ok })
            #expect(statuses.last == .tooManyRequests)
            // The development tenant's key is untouched by the production key's exhaustion.
            #expect(try await Self.get(client, "/v1/users?limit=1", key: setup.key).status == .ok)
        }
    }

    @Test func figuresAreConfigurableAndTheSwitchTurnsThemOff() async throws {
        let clock = TestClock()
        let small = try await SessionServerTests.setup(
            server: ServerConfiguration(v1RateLimit: V1RateLimit(production: 1, development: 3)), clock: { clock.now })
        try await small.app.test(.router) { client in
            let statuses = try await Self.spend(client, key: small.key, count: 4)
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
        }
        let off = try await SessionServerTests.setup(
            server: ServerConfiguration(rateLimits: false, v1RateLimit: V1RateLimit(production: 1, development: 1)), clock: { clock.now })
        try await off.app.test(.router) { client in
            let statuses = try await Self.spend(client, key: off.key, count: 250)
            #expect(statuses.allSatisfy { $0 == .ok })
        }
    }

    @Test func aFixedWindowHoldsItsCapacityAndSaysWhenItCloses() {
        let limiter = RateLimiter(capacity: 3, window: 10_000, refill: .window)
        #expect((0..<3).allSatisfy { _ in limiter.take("k", now: 50_000).allowed })
        #expect(limiter.take("k", now: 50_000) == .init(allowed: false, retryAfter: 10))
        #expect(limiter.take("k", now: 59_001) == .init(allowed: false, retryAfter: 1))
        #expect(limiter.take("k", now: 59_999) == .init(allowed: false, retryAfter: 1))
        // Out of order: still the same window, and the wait never exceeds the window.
        #expect(limiter.take("k", now: 20_000) == .init(allowed: false, retryAfter: 10))
        #expect(limiter.take("other", now: 59_999).allowed, "keys do not share a window")
        #expect(limiter.take("k", now: 60_000).allowed)
        #expect(limiter.take("k", now: 60_001).allowed && limiter.take("k", now: 69_999).allowed)
        #expect(!limiter.take("k", now: 69_999).allowed)
    }

    @Test(arguments: [RateLimiter.Refill.continuous, .window])
    func theLimiterStaysBoundedWithManyKeys(_ refill: RateLimiter.Refill) {
        let limiter = RateLimiter(capacity: 5, window: 10_000, maximumKeys: 1000, refill: refill)
        for index in 0..<50_000 {
            _ = limiter.take("key_\(index)", now: 1_000 + Int64(index % 7))
            #expect(limiter.count <= 1000)
        }
        // A clock read out of order refills nothing, and a jump far ahead refills no more than the capacity.
        let single = RateLimiter(capacity: 2, window: 10_000)
        #expect(single.take("k", now: 5_000).allowed && single.take("k", now: 4_000).allowed)
        #expect(!single.take("k", now: 0).allowed)
        #expect(single.take("k", now: Int64.max / 2).allowed && single.take("k", now: Int64.max / 2).allowed)
        #expect(!single.take("k", now: Int64.max / 2).allowed)
    }
}
