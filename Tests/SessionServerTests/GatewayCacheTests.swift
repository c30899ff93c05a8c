import HTTPTypes
import Hummingbird
import SessionManagement
@testable import SessionServer
import SessionStorage
import Testing

/// The gateway's token cache holds its byte budget under a flood of distinct tokens, one eviction
/// at a time, and lets expired tokens go before recently used ones; eviction changes no answer.
@Suite struct GatewayCacheTests {
    struct Gate {
        let setup: SessionServerTests.Setup
        let instance: Instance
        let session: Session
        let gateway: GatewayVerifier
        let app: Application<RouterResponder<ServerContext>>

        func token(expiresIn seconds: Int64? = nil) async throws -> String {
            try await setup.manager.sessionToken(in: instance, sessionID: session.id, expiresInSeconds: seconds)
        }
    }

    static func gate(cacheBytes: Int, clock: TestClock) async throws -> Gate {
        let setup = try await SessionServerTests.setup(server: ServerConfiguration(gatewayCacheBytes: cacheBytes), clock: { clock.now })
        let instance = try await setup.manager.authenticate(secretKey: setup.key)
        let user = try await setup.manager.createUser(in: instance, UserDraft(firstName: "Flood"))
        let session = try await setup.manager.createSession(in: instance, userID: user.id)
        return Gate(setup: setup, instance: instance, session: session, gateway: setup.gateway, app: setup.app)
    }

    static func verify(_ token: String, _ client: RouterTestClient) async throws -> HTTPResponse.Status {
        try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]) { $0.status }
    }

    @Test func theTokenCacheHoldsItsBudgetUnderAFloodOfDistinctTokens() async throws {
        let clock = TestClock()
        let gate = try await Self.gate(cacheBytes: 48 << 10, clock: clock)
        var tokens: [String] = []
        try await gate.app.test(.router) { client in
            var (overBudget, cliffs, fullest) = (0, 0, 0)
            for _ in 0..<200 {
                let before = gate.gateway.cacheUsage.count
                let token = try await gate.token()
                tokens.append(token)
                #expect(try await Self.verify(token, client) == .ok)
                let usage = gate.gateway.cacheUsage
                if usage.bytes > usage.budget { overBudget += 1 }
                if usage.count < before { cliffs += 1 }
                #expect(gate.gateway.isCached(token, now: clock.now / 1000), "the newest token is cached")
                fullest = max(fullest, usage.count)
            }
            #expect(overBudget == 0 && cliffs == 0)
            #expect(gate.gateway.cacheUsage.count == fullest && fullest > 20 && fullest < 200, "full, never emptied, and bounded")
            // An evicted token costs a verification, nothing else: every one still passes.
            #expect(!gate.gateway.isCached(tokens[0], now: clock.now / 1000))
            for token in tokens.prefix(10) { #expect(try await Self.verify(token, client) == .ok) }
        }
    }

    @Test func expiredTokensLeaveBeforeRecentlyUsedOnes() async throws {
        let clock = TestClock()
        // One cached token's charge (all of this session's tokens render the same answer), for a budget of exactly 20.
        let probe = try await Self.gate(cacheBytes: 1 << 20, clock: clock)
        try await probe.app.test(.router) { client in
            let status = try await Self.verify(try await probe.token(), client)
            #expect(status == .ok)
        }
        let charge = probe.gateway.cacheUsage.bytes
        let gate = try await Self.gate(cacheBytes: 20 * charge, clock: clock)
        try await gate.app.test(.router) { client in
            var lasting: [String] = []
            var ending: [String] = []
            for _ in 0..<10 { lasting.append(try await gate.token(expiresIn: 3600)) }
            for _ in 0..<10 { ending.append(try await gate.token(expiresIn: 30)) }
            for token in lasting + ending + ending { #expect(try await Self.verify(token, client) == .ok) }
            #expect(gate.gateway.cacheUsage.count == 20 && gate.gateway.cacheUsage.bytes == 20 * charge)
            // Past the short tokens' exp and the leeway; the long ones were used least recently.
            clock.advance(by: (30 + gate.setup.manager.configuration.leewaySeconds + 1) * 1000)
            for _ in 0..<10 { #expect(try await Self.verify(try await gate.token(expiresIn: 3600), client) == .ok) }
            let now = clock.now / 1000
            #expect(lasting.allSatisfy { gate.gateway.isCached($0, now: now) }, "every live token stayed")
            #expect(gate.gateway.cacheUsage.count == 20)
            for token in ending { #expect(try await Self.verify(token, client) == .unauthorized) }
        }
    }

    /// A token first seen by the deprecated verify is cached without the gateway's answer; the
    /// gateway then renders it once and keeps it.
    @Test func aTokenCachedByTheDeprecatedVerifyGetsItsAnswer() async throws {
        let clock = TestClock()
        let gate = try await Self.gate(cacheBytes: 1 << 20, clock: clock)
        let token = try await gate.token()
        let verified = try gate.gateway.verify(token, tenant: try await gate.setup.manager.tenantKeys(for: gate.instance), now: clock.now / 1000)
        #expect(verified.sessionID == gate.session.id && verified.subject == gate.session.userID)
        let bare = gate.gateway.cacheUsage
        try await gate.app.test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[HTTPField.Name("X-Session-Id")!] == gate.session.id)
                }
            }
        }
        let answered = gate.gateway.cacheUsage
        #expect(answered.count == 1 && answered.bytes > bare.bytes, "the answer is kept with the entry and charged")
    }
}
