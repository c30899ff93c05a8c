import HTTPTypes
import Hummingbird
import SessionManagement
@testable import SessionServer
import SessionStorage
import SessionTokens
import Synchronization
import Testing

/// A clock the test moves by hand (Unix milliseconds).
final class TestClock: Sendable {
    private let value = Mutex<Int64>(1_800_000_000_000)
    var now: Int64 { value.withLock { $0 } }
    func advance(by milliseconds: Int64) { value.withLock { $0 += milliseconds } }
}

/// `GET /v1/verify`: forward-auth answers, and revocations that take effect at once even for
/// tokens already verified (and cached).
@Suite struct GatewayVerifyTests {
    static func sessionWithToken(_ setup: SessionServerTests.Setup) async throws -> (User, Session, String) {
        let instance = try await setup.manager.authenticate(secretKey: setup.key)
        let user = try await setup.manager.createUser(in: instance, UserDraft(firstName: "Gate"))
        let session = try await setup.manager.createSession(in: instance, userID: user.id)
        return (user, session, try await setup.manager.sessionToken(in: instance, sessionID: session.id))
    }

    @Test func answersForwardAuthWithHeadersOrAChallenge() async throws {
        let setup = try await SessionServerTests.setup()
        let (user, session, token) = try await Self.sessionWithToken(setup)
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/v1/verify", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == #"Bearer error="invalid_token", error_description="missingToken""#)
            }
            try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-Session-Id")!] == session.id)
                #expect(response.headers[HTTPField.Name("X-User-Id")!] == user.id)
            }
            try await client.execute(uri: "/v1/verify", method: .get, headers: [.cookie: "theme=dark; __session=\(token)"]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)x"]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.contains("error_description=\"malformed\"") == true)
            }
        }
    }

    @Test func aRevokedSessionIsRefusedAtOnceEvenWhenCached() async throws {
        let setup = try await SessionServerTests.setup()
        let (_, session, token) = try await Self.sessionWithToken(setup)
        let instance = try await setup.manager.authenticate(secretKey: setup.key)
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
            }
            _ = try await setup.manager.revokeSession(in: instance, id: session.id)
            try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.contains("error_description=\"revoked\"") == true)
            }
        }
    }

    /// Issue 9, fault 5: the token cache compared keys with `String ==`, under which "K" and the
    /// Kelvin sign U+212A are equal, so a byte-different token was answered from the cache. The
    /// key's hash covers the length, so variants with one, two, … `K`s replaced each probe the
    /// two-bucket cache afresh: on the old comparison, every one that probed the cached entry's
    /// bucket was accepted (all but one in 2^n runs). None may pass.
    @Test func aCanonicallyEquivalentTokenIsNotTheCachedOne() async throws {
        let setup = try await SessionServerTests.setup()
        let (_, session, first) = try await Self.sessionWithToken(setup)
        let instance = try await setup.manager.authenticate(secretKey: setup.key)
        var token = first
        while token.filter({ $0 == "K" }).count < 10 { token = try await setup.manager.sessionToken(in: instance, sessionID: session.id) }
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
            }
            // Scalars, not Characters: Character comparison would find the Kelvin sign as a "K" again.
            var scalars = Array(token.unicodeScalars)
            for _ in 0..<10 {
                scalars[scalars.firstIndex(of: "K")!] = "\u{212A}"
                let variant = String(String.UnicodeScalarView(scalars))
                #expect(variant == token && !variant.utf8.elementsEqual(token.utf8))
                try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(variant)"]) { response in
                    #expect(response.status == .unauthorized)
                }
            }
        }
    }

    /// A token verified once is answered from the cache, but never at or after its `exp` plus
    /// the leeway: from then on it is judged again, and refused as expired.
    @Test func aCachedTokenIsRefusedOnceItExpires() async throws {
        let clock = TestClock()
        let setup = try await SessionServerTests.setup(clock: { clock.now })
        let (_, _, token) = try await Self.sessionWithToken(setup)
        let auth: HTTPFields = [.authorization: "Bearer \(token)"]
        let payload = try #require(token.split(separator: ".").dropFirst().first)
        let claims = try JWTClaims.parse(try #require(Base64URL.decode(payload)))
        let lastAccepted = (try #require(claims.expiresAt) + setup.manager.configuration.leewaySeconds) * 1000 - 1
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/v1/verify", method: .get, headers: auth) { response in
                #expect(response.status == .ok)
            }
            clock.advance(by: lastAccepted - clock.now)
            try await client.execute(uri: "/v1/verify", method: .get, headers: auth) { response in
                #expect(response.status == .ok, "within the leeway")
            }
            clock.advance(by: 1)
            try await client.execute(uri: "/v1/verify", method: .get, headers: auth) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.contains("error_description=\"expired\"") == true)
            }
        }
    }

    /// The same, without the probabilistic probe: keys are the SHA-256 of the token's exact bytes,
    /// so two are equal only when the bytes are, wherever they differ.
    @Test func tokenKeysCompareBytes() {
        #expect(GatewayVerifier.key(for: "aKb") != GatewayVerifier.key(for: "a\u{212A}b"))
        #expect(GatewayVerifier.key(for: "aKb") == GatewayVerifier.key(for: "aKb"))
        let long = String(repeating: "x", count: 2000)
        #expect(GatewayVerifier.key(for: long + "a") != GatewayVerifier.key(for: long + "b"))
        #expect(GatewayVerifier.key(for: "a" + long) != GatewayVerifier.key(for: "b" + long))
    }

    @Test func deletingTheUserRevokesAllTheirTokens() async throws {
        let setup = try await SessionServerTests.setup()
        let (user, _, token) = try await Self.sessionWithToken(setup)
        let instance = try await setup.manager.authenticate(secretKey: setup.key)
        _ = try await setup.manager.deleteUser(in: instance, id: user.id)
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}

@Suite struct GatewayClaimHeaderTests {
    @Test func configuredClaimsAreCopiedIntoHeaders() async throws {
        let headers = try ["sts=X-Session-Status", "sid=X-Sid", "missing=X-Missing"].map { try #require(GatewayClaimHeader($0)) }
        #expect(GatewayClaimHeader("no-equals") == nil && GatewayClaimHeader("a=bad header") == nil && GatewayClaimHeader("=X-A") == nil)
        let setup = try await SessionServerTests.setup(server: ServerConfiguration(gatewayClaimHeaders: headers))
        let (_, session, token) = try await GatewayVerifyTests.sessionWithToken(setup)
        try await setup.app.test(.router) { client in
            try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-Session-Status")!] == "active")
                #expect(response.headers[HTTPField.Name("X-Sid")!] == session.id)
                #expect(response.headers[HTTPField.Name("X-Missing")!] == nil)
            }
        }
    }

    /// Issue 9, fault 10: a claim header may not name an identity, hop-by-hop or framing header
    /// (in any casing), nor an invalid token.
    @Test(arguments: [
        "uid=X-User-Id", "sid=x-session-id", "cl=Content-Length", "ct=content-type", "te=Transfer-Encoding", "c=Connection",
        "k=Keep-Alive", "p=Proxy-Authorization", "p=Proxy-Foo", "t=TE", "t=Trailer", "u=Upgrade", "h=Host", "s=Set-Cookie",
        "w=WWW-Authenticate", "a=Authorization", "c=Cookie", "d=Date", "s=Server", "e=Content-Encoding", "x=X User", "x=X-A:b",
        "x=", "=X-A", "no-equals",
    ])
    func reservedOrInvalidHeaderNamesAreRefused(_ text: String) {
        #expect(GatewayClaimHeader(text) == nil)
    }

    @Test func refusalsSayWhatIsWrong() throws {
        #expect(throws: ConfigurationError(.reservedHeader, "")) { try GatewayClaimHeader(parsing: "uid=x-USER-id") }
        #expect(throws: ConfigurationError(.reservedHeader, "")) { try GatewayClaimHeader(claim: "sid", header: .contentLength) }
        #expect(throws: ConfigurationError(.invalidClaimHeader, "")) { try GatewayClaimHeader(parsing: "a=bad header") }
        #expect(throws: ConfigurationError(.invalidClaimHeader, "")) { try GatewayClaimHeader(parsing: "uid") }
        do {
            _ = try GatewayClaimHeader(parsing: "cl=Content-Length")
        } catch {
            #expect(error.reason.contains("Content-Length is reserved"))
        }
        #expect(try GatewayClaimHeader(parsing: "org_id=X-Org-Id").header == HTTPField.Name("x-org-id")!)
    }

    /// The route's own defence, should a reserved name get past the configuration: identity and
    /// framing headers are set after claim headers, so they always win.
    @Test func identityHeadersWinOverClaimHeaders() async throws {
        let headers = [
            GatewayClaimHeader(unchecked: "sid", header: HTTPField.Name("X-User-Id")!),
            GatewayClaimHeader(unchecked: "sub", header: HTTPField.Name("x-session-id")!),
            GatewayClaimHeader(unchecked: "sts", header: .contentType),
        ]
        let setup = try await SessionServerTests.setup(server: ServerConfiguration(gatewayClaimHeaders: headers))
        let (user, session, token) = try await GatewayVerifyTests.sessionWithToken(setup)
        try await setup.app.test(.router) { client in
            for _ in 0..<2 {  // rendered, then from the cache
                try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[values: HTTPField.Name("X-User-Id")!] == [user.id])
                    #expect(response.headers[values: HTTPField.Name("X-Session-Id")!] == [session.id])
                    #expect(response.headers[values: .contentType] == ["application/json; charset=utf-8"])
                }
            }
        }
    }
}
