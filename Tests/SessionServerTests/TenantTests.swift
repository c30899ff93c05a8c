import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SessionCrypto
import SessionManagement
import SessionServer
import SessionStorage
import SessionStorageSQLite
import SessionTokens
import SessionVerification
import TestFixtures
import Testing

/// Tenants (issue 10): created through the operator surface, isolated from each other (keys,
/// issuer, JWKS, gateway, secret keys), and rotating their signing keys on a running server.
@Suite struct TenantTests {
    static let operatorKey = "op_test_0123456789abcdef0123456789abcdef"

    struct Tenant {
        let slug: String
        let secretKey: String
        let issuer: String
    }

    static func op(_ extra: HTTPFields = [:]) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(operatorKey)", .contentType: "application/json"]
        fields.append(contentsOf: extra)
        return fields
    }

    static func create(_ client: RouterTestClient, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: "/operator/v1/tenants", method: .post, headers: op(), body: ByteBuffer(string: body))
    }

    static func createTenant(_ client: RouterTestClient, slug: String, production: Bool = false, alg: String) async throws -> Tenant {
        let response = try await create(
            client, #"{"slug":"\#(slug)","environment":"\#(production ? "production" : "development")","signing_algorithm":"\#(alg)"}"#)
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        let body = try SessionServerTests.json(response.body)
        return Tenant(slug: slug, secretKey: try #require(body["secret_key"]?.stringValue), issuer: try #require(body["issuer"]?.stringValue))
    }

    /// A user, a session and a session token through the Clerk surface with the tenant's key.
    static func token(_ client: RouterTestClient, key: String) async throws -> (session: String, token: String) {
        let auth: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]
        let user = try SessionServerTests.json(
            try await client.execute(uri: "/v1/users", method: .post, headers: auth, body: ByteBuffer(string: #"{"first_name":"T"}"#)).body)
        let userID = try #require(user["id"]?.stringValue)
        let session = try SessionServerTests.json(
            try await client.execute(uri: "/v1/sessions", method: .post, headers: auth, body: ByteBuffer(string: #"{"user_id":"\#(userID)"}"#)).body)
        let sessionID = try #require(session["id"]?.stringValue, "\(session)")
        let minted = try SessionServerTests.json(
            try await client.execute(uri: "/v1/sessions/\(sessionID)/tokens", method: .post, headers: auth, body: ByteBuffer(string: "{}")).body)
        return (sessionID, try #require(minted["jwt"]?.stringValue))
    }

    static func header(_ token: String) throws -> JSONValue {
        let segment = try #require(token.split(separator: ".").first)
        return try JSONParser.parse(try #require(Base64URL.decode(String(segment))))
    }

    static func jwks(_ client: RouterTestClient, _ path: String) async throws -> (JWKS, cacheControl: String?) {
        let response = try await client.execute(uri: path, method: .get)
        #expect(response.status == .ok, "\(path)")
        return (try JWKS.parse(Array(response.body.readableBytesView)), response.headers[.cacheControl])
    }

    @Test func tenantsAreCreatedListedAndRefusedWhenMalformedOrTaken() async throws {
        let setup = try await SessionServerTests.setup(operatorKey: Self.operatorKey)
        try await setup.app.test(.router) { client in
            let response = try await Self.create(client, #"{"slug":"acme-corp","environment":"production","signing_algorithm":"ES256"}"#)
            #expect(response.status == .ok)
            let body = try SessionServerTests.json(response.body)
            #expect(body["object"]?.stringValue == "tenant" && body["id"]?.stringValue?.hasPrefix("ins_") == true)
            #expect(body["slug"]?.stringValue == "acme-corp" && body["environment"]?.stringValue == "production")
            #expect(body["signing_algorithm"]?.stringValue == "ES256")
            #expect(body["issuer"]?.stringValue == "http://tessera.test/t/acme-corp")
            #expect(body["jwks_url"]?.stringValue == "http://tessera.test/t/acme-corp/.well-known/jwks.json")
            #expect(body["secret_key"]?.stringValue?.hasPrefix("sk_live_") == true)
            #expect(response.headers[.cacheControl] == "no-store")
            // RS256 by default.
            let plain = try SessionServerTests.json(try await Self.create(client, #"{"slug":"plain"}"#).body)
            #expect(plain["signing_algorithm"]?.stringValue == "RS256" && plain["secret_key"]?.stringValue?.hasPrefix("sk_test_") == true)

            let listed = try await client.execute(uri: "/operator/v1/tenants", method: .get, headers: Self.op())
            let tenants = try #require(try SessionServerTests.json(listed.body)["data"]?.arrayValue)
            #expect(tenants.compactMap { $0["slug"]?.stringValue } == ["default", "acme-corp", "plain"])
            #expect(!String(buffer: listed.body).contains("secret_key"), "the list never shows a key")

            let taken = try await Self.create(client, #"{"slug":"acme-corp"}"#)
            #expect(taken.status == .conflict)
            #expect(try SessionServerTests.json(taken.body)["error"]?["code"]?.stringValue == "conflict")
            #expect(try await Self.create(client, #"{"slug":"default"}"#).status == .conflict)
            for bad in [
                #"{"slug":"Acme"}"#, #"{"slug":"-acme"}"#, #"{"slug":"a"}"#, #"{"slug":"acme\u0000"}"#, #"{"slug":"acme corp"}"#,
                #"{"slug":"\#(String(repeating: "a", count: 64))"}"#, #"{}"#, #"{"slug":"ok-1","environment":"staging"}"#,
                #"{"slug":"ok-1","signing_algorithm":"HS256"}"#, #"{"slug":"ok-1","signing_algorithm":"none"}"#,
                #"{"slug":"ok-1","colour":"red"}"#, #"{"slug":"ok-1","allowed_origins":["https://a.test/path"]}"#,
                #"{"slug":"ok-1","private_key_pem":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"}"#, "[1]", "{",
            ] {
                let refused = try await Self.create(client, bad)
                #expect(refused.status == .badRequest, "\(bad)")
                #expect(try SessionServerTests.json(refused.body)["error"]?["code"]?.stringValue == "invalid_request", "\(bad)")
            }
            // Nothing of the refused ones was stored.
            let after = try SessionServerTests.json(try await client.execute(uri: "/operator/v1/tenants", method: .get, headers: Self.op()).body)
            #expect(after["data"]?.arrayValue?.count == 3)
            // Only an operator key opens the surface.
            let key = try #require(plain["secret_key"]?.stringValue)
            let asTenant = try await client.execute(
                uri: "/operator/v1/tenants", method: .post, headers: [.authorization: "Bearer \(key)"], body: ByteBuffer(string: #"{"slug":"x-1"}"#))
            #expect(asTenant.status == .unauthorized)
        }
    }

    /// Each surface answers in its own error body, unknown routes included: Clerk's only under `/v1`.
    @Test func unknownRoutesGetTheirSurfacesErrorBody() async throws {
        let setup = try await SessionServerTests.setup(operatorKey: Self.operatorKey)
        try await setup.app.test(.router) { client in
            let clerk = try await client.execute(uri: "/v1/nothing", method: .get, headers: [.authorization: "Bearer \(setup.key)"])
            #expect(clerk.status == .notFound && SessionServerTests.errorCode(clerk.body) == "resource_not_found")
            for uri in ["/nothing", "/t/default/nothing", "/operator/v1/nothing", "/operator/v2/tenants"] {
                let response = try await client.execute(uri: uri, method: .get, headers: Self.op())
                #expect(response.status == .notFound, "\(uri)")
                #expect(try SessionServerTests.json(response.body)["error"]?["code"]?.stringValue == "not_found", "\(uri)")
            }
            let method = try await client.execute(uri: "/health", method: .delete)
            #expect(method.status == .methodNotAllowed || method.status == .notFound)
            #expect(try SessionServerTests.json(method.body)["error"]?["code"]?.stringValue != nil)
        }
    }

    /// A production ES256 tenant and a development EdDSA one: each signs with its own algorithm
    /// and issuer, a token of one is refused by the other's JWKS, gateway and deprecated verify,
    /// and a secret key of one gets nothing of the other.
    @Test func tenantsAreIsolatedAndSignWithTheirOwnAlgorithm() async throws {
        let setup = try await SessionServerTests.setup(operatorKey: Self.operatorKey)
        try await setup.app.test(.router) { client in
            let live = try await Self.createTenant(client, slug: "acme", production: true, alg: "ES256")
            let dev = try await Self.createTenant(client, slug: "beta", alg: "EdDSA")
            // Production refuses test sessions exactly as Clerk does.
            let liveAuth: HTTPFields = [.authorization: "Bearer \(live.secretKey)", .contentType: "application/json"]
            let user = try SessionServerTests.json(
                try await client.execute(uri: "/v1/users", method: .post, headers: liveAuth, body: ByteBuffer(string: #"{"first_name":"L"}"#)).body)
            let userID = try #require(user["id"]?.stringValue)
            let refused = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: liveAuth, body: ByteBuffer(string: #"{"user_id":"\#(userID)"}"#))
            #expect(refused.status == .badRequest)
            #expect(SessionServerTests.errorCode(refused.body) == "request_invalid_for_environment")

            let (betaSession, betaToken) = try await Self.token(client, key: dev.secretKey)
            #expect(try Self.header(betaToken)["alg"]?.stringValue == "EdDSA")
            let (defaultSession, defaultToken) = try await Self.token(client, key: setup.key)
            #expect(try Self.header(defaultToken)["alg"]?.stringValue == "RS256")

            // Each JWKS holds only its tenant's keys; /v1/jwks answers the key's tenant.
            let (betaKeys, _) = try await Self.jwks(client, "/t/beta/.well-known/jwks.json")
            let (acmeKeys, _) = try await Self.jwks(client, "/t/acme/.well-known/jwks.json")
            let (defaultKeys, _) = try await Self.jwks(client, "/.well-known/jwks.json")
            #expect(betaKeys.keys.map(\.keyType) == [.okp] && acmeKeys.keys.map(\.keyType) == [.ec] && defaultKeys.keys.map(\.keyType) == [.rsa])
            let viaV1 = try await client.execute(uri: "/v1/jwks", method: .get, headers: [.authorization: "Bearer \(dev.secretKey)"])
            #expect(try JWKS.parse(Array(viaV1.body.readableBytesView)) == betaKeys)

            let now = Int64(Date().timeIntervalSince1970)
            let betaVerifier = SessionVerifier(keys: try VerifierKeys(jwks: betaKeys), policy: ClaimPolicy(issuer: dev.issuer))
            #expect(try betaVerifier.verify(betaToken, now: now).claims.issuer == "http://tessera.test/t/beta")
            #expect(throws: VerificationError.self) { try betaVerifier.verify(defaultToken, now: now) }
            let defaultVerifier = SessionVerifier(keys: try VerifierKeys(jwks: defaultKeys), policy: ClaimPolicy(issuer: "http://tessera.test"))
            #expect(throws: VerificationError.self) { try defaultVerifier.verify(betaToken, now: now) }

            // Gateways: each tenant's path accepts its own tokens only, even once cached.
            for _ in 0..<2 {
                #expect(try await client.execute(uri: "/t/beta/v1/verify", method: .get, headers: [.authorization: "Bearer \(betaToken)"]).status == .ok)
                #expect(try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(defaultToken)"]).status == .ok)
            }
            for (path, token) in [("/v1/verify", betaToken), ("/t/acme/v1/verify", betaToken), ("/t/beta/v1/verify", defaultToken)] {
                let response = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == .unauthorized, "\(path)")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer error=\"invalid_token\"") == true)
                #expect(try SessionServerTests.json(response.body)["error"]?["code"]?.stringValue == "invalid_token")
            }
            #expect(try await client.execute(uri: "/t/nobody/v1/verify", method: .get, headers: [.authorization: "Bearer \(betaToken)"]).status == .notFound)
            #expect(try await client.execute(uri: "/t/Beta%00/.well-known/jwks.json", method: .get).status == .badRequest)

            // The deprecated verify with the other tenant's key: its session is not there, its token not valid.
            let crossVerify = try await client.execute(
                uri: "/v1/sessions/\(betaSession)/verify", method: .post,
                headers: [.authorization: "Bearer \(setup.key)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"token":"\#(betaToken)"}"#))
            #expect(crossVerify.status == .badRequest || crossVerify.status == .notFound)
            let ownVerify = try await client.execute(
                uri: "/v1/sessions/\(betaSession)/verify", method: .post,
                headers: [.authorization: "Bearer \(dev.secretKey)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"token":"\#(betaToken)"}"#))
            #expect(ownVerify.status == .ok)

            // A secret key of one tenant reads nothing of another.
            let devAuth: HTTPFields = [.authorization: "Bearer \(dev.secretKey)", .contentType: "application/json"]
            #expect(try await client.execute(uri: "/v1/sessions/\(defaultSession)", method: .get, headers: devAuth).status == .notFound)
            #expect(try await client.execute(uri: "/v1/users/\(userID)", method: .get, headers: devAuth).status == .notFound)
            let crossRevoke = try await client.execute(uri: "/v1/sessions/\(defaultSession)/revoke", method: .post, headers: devAuth, body: ByteBuffer(string: "{}"))
            #expect(crossRevoke.status == .notFound)
            #expect(try await client.execute(uri: "/v1/verify", method: .get, headers: [.authorization: "Bearer \(defaultToken)"]).status == .ok)
        }
    }

    /// A rotation on a running server: the new key is published at once and signs only after the
    /// JWKS max-age (plus a margin); tokens signed before and after both verify, with a JWKS
    /// fetched at any point; the old key leaves the JWKS once its tokens have expired.
    @Test func aRotationPublishesFirstSignsLaterAndKeepsOldTokensValid() async throws {
        let clock = TestClock()
        let management = ManagementConfiguration(
            issuer: "http://tessera.test", sessionLifetime: 3_600_000, tokenLifetime: TokenLifetime(maximumSeconds: 600), jwksMaxAgeSeconds: 30)
        let setup = try await SessionServerTests.setup(management: management, operatorKey: Self.operatorKey, clock: { clock.now })
        try await setup.app.test(.router) { client in
            let tenant = try await Self.createTenant(client, slug: "acme", alg: "ES256")
            let (session, before) = try await Self.token(client, key: tenant.secretKey)
            // The gateway has built its verifier for these keys; the rotation must make it build another.
            #expect(try await client.execute(uri: "/t/acme/v1/verify", method: .get, headers: [.authorization: "Bearer \(before)"]).status == .ok)
            let (keysBefore, cacheBefore) = try await Self.jwks(client, "/t/acme/.well-known/jwks.json")
            #expect(cacheBefore == "public, max-age=30")

            let rotated = try await client.execute(uri: "/operator/v1/tenants/acme/signing_keys/rotate", method: .post, headers: Self.op(), body: ByteBuffer(string: "{}"))
            #expect(rotated.status == .ok)
            let newKey = try SessionServerTests.json(rotated.body)
            #expect(newKey["object"]?.stringValue == "signing_key" && newKey["state"]?.stringValue == "pending" && newKey["algorithm"]?.stringValue == "ES256")
            let newKid = try #require(newKey["kid"]?.stringValue)
            // A second rotation while one is pending is refused.
            #expect(try await client.execute(uri: "/operator/v1/tenants/acme/signing_keys/rotate", method: .post, headers: Self.op(), body: ByteBuffer(string: "{}")).status == .conflict)

            let (keysPending, _) = try await Self.jwks(client, "/t/acme/.well-known/jwks.json")
            #expect(keysPending.keys.count == 2 && keysPending.keys.contains { $0.keyID == newKid })
            let auth: HTTPFields = [.authorization: "Bearer \(tenant.secretKey)", .contentType: "application/json"]
            func mint() async throws -> String {
                let response = try await client.execute(uri: "/v1/sessions/\(session)/tokens", method: .post, headers: auth, body: ByteBuffer(string: "{}"))
                return try #require(try SessionServerTests.json(response.body)["jwt"]?.stringValue)
            }
            let stillOld = try await mint()
            #expect(try Self.header(stillOld)["kid"]?.stringValue == keysBefore.keys[0].keyID, "the pending key does not sign yet")

            clock.advance(by: 29_000)
            #expect(try Self.header(try await mint())["kid"]?.stringValue == keysBefore.keys[0].keyID, "not before every cached JWKS expired")
            clock.advance(by: 5_900)
            #expect(try Self.header(try await mint())["kid"]?.stringValue == keysBefore.keys[0].keyID, "nor before the 5 s margin for processes")
            clock.advance(by: 100)
            let after = try await mint()
            #expect(try Self.header(after)["kid"]?.stringValue == newKid)

            let listed = try SessionServerTests.json(try await client.execute(uri: "/operator/v1/tenants/acme/signing_keys", method: .get, headers: Self.op()).body)
            #expect(listed["data"]?.arrayValue?.compactMap { $0["state"]?.stringValue } == ["active", "retired"])

            // Before and after both verify: against the JWKS fetched before, during and after, and at the gateway.
            let (keysAfter, cacheAfter) = try await Self.jwks(client, "/t/acme/.well-known/jwks.json")
            #expect(keysAfter.keys.first?.keyID == newKid && keysAfter.keys.count == 2)
            #expect(cacheAfter == "public, max-age=30")
            let now = clock.now / 1000
            let policy = ClaimPolicy(issuer: tenant.issuer)
            #expect(throws: Never.self) { try SessionVerifier(keys: try VerifierKeys(jwks: keysBefore), policy: policy).verify(before, now: now) }
            for keys in [keysPending, keysAfter] {
                let verifier = SessionVerifier(keys: try VerifierKeys(jwks: keys), policy: policy)
                _ = try verifier.verify(before, now: now)
                _ = try verifier.verify(after, now: now)
            }
            for token in [before, after] {
                let response = try await client.execute(uri: "/t/acme/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
            // The old key leaves once every token it could sign has expired (600 s + 5 s leeway);
            // until then the JWKS is never cached past that moment.
            clock.advance(by: 590_000)
            let (_, cacheNearEnd) = try await Self.jwks(client, "/t/acme/.well-known/jwks.json")
            #expect(cacheNearEnd == "public, max-age=15")
            clock.advance(by: 15_000)
            let (keysLater, _) = try await Self.jwks(client, "/t/acme/.well-known/jwks.json")
            #expect(keysLater.keys.map(\.keyID) == [newKid])
        }
    }

    /// An operator migrating from elsewhere brings the tenant's key: at creation it signs at once;
    /// at a rotation it becomes the pending key. A key of the wrong algorithm, a key already used by
    /// another tenant, or text that is not a key is refused and changes nothing.
    @Test func existingKeysAreImportedAtCreationOrRotation() async throws {
        let setup = try await SessionServerTests.setup(operatorKey: Self.operatorKey)
        let es256 = try Fixtures.testKey("es256.pem")
        let kid = try #require(try SigningKey(pem: es256).keyID)
        func json(_ text: String) -> String {
            String(decoding: JSONWriter.serialize(.string(text)), as: UTF8.self)
        }
        try await setup.app.test(.router) { client in
            let created = try await Self.create(client, #"{"slug":"moved","signing_algorithm":"ES256","private_key_pem":\#(json(es256))}"#)
            #expect(created.status == .ok)
            let tenant = try SessionServerTests.json(created.body)
            let (_, token) = try await Self.token(client, key: try #require(tenant["secret_key"]?.stringValue))
            #expect(try Self.header(token)["kid"]?.stringValue == kid, "the imported key signs from the start")
            #expect(try await Self.jwks(client, "/t/moved/.well-known/jwks.json").0.keys.map(\.keyID) == [kid])

            #expect(try await Self.create(client, #"{"slug":"copy","signing_algorithm":"ES256","private_key_pem":\#(json(es256))}"#).status == .conflict)
            // Refused with an answer that names the field and both algorithms (the store would refuse it too, less clearly).
            let mixed = try await Self.create(client, #"{"slug":"mixed","signing_algorithm":"RS256","private_key_pem":\#(json(es256))}"#)
            #expect(mixed.status == .badRequest)
            #expect(try SessionServerTests.json(mixed.body)["error"]?["message"]?.stringValue?.contains("signs with RS256 and the key is for ES256") == true)
            let listed = try SessionServerTests.json(try await client.execute(uri: "/operator/v1/tenants", method: .get, headers: Self.op()).body)
            #expect(listed["data"]?.arrayValue?.compactMap { $0["slug"]?.stringValue } == ["default", "moved"])

            let rs256 = try Fixtures.testKey("rs256.pem")
            let wrong = try await client.execute(
                uri: "/operator/v1/tenants/moved/signing_keys/rotate", method: .post, headers: Self.op(),
                body: ByteBuffer(string: #"{"private_key_pem":\#(json(rs256))}"#))
            #expect(wrong.status == .badRequest)
            #expect(try SessionServerTests.json(wrong.body)["error"]?["message"]?.stringValue?.contains("signs with ES256 and the key is for RS256") == true)
            let fresh = try SigningKey.generate(.es256)
            let rotated = try await client.execute(
                uri: "/operator/v1/tenants/moved/signing_keys/rotate", method: .post, headers: Self.op(),
                body: ByteBuffer(string: #"{"private_key_pem":\#(json(try fresh.privateKeyPEM()))}"#))
            #expect(rotated.status == .ok)
            #expect(try SessionServerTests.json(rotated.body)["kid"]?.stringValue == fresh.keyID)
            #expect(!String(buffer: rotated.body).contains("PRIVATE"), "a private key never comes back")
        }
    }

    /// Two servers on one database (as two processes or nodes): they agree on the default
    /// tenant's first key even when they start together on an empty database, and a rotation or a
    /// secret-key revocation made through one reaches the other within a second, with no restart.
    @Test func twoServersOnOneDatabaseShareKeysRotationsAndRevocations() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-tenants-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        let kek = KeyEncryptionKeys(current: try .generate())
        let management = ManagementConfiguration(issuer: "http://tessera.test", jwksMaxAgeSeconds: 1)
        func build() async throws -> BuiltApplication {
            try await buildApplication(
                TesseraConfiguration(management: management, operatorKey: Self.operatorKey), store: try SQLiteSessionStore(path: path),
                keyEncryption: kek, clock: { Int64(Date().timeIntervalSince1970 * 1000) })
        }
        // Started together on an empty database, neither with a key of its own to offer.
        async let first = build()
        async let second = build()
        let (a, b) = try await (first, second)
        let setupA = SessionServerTests.Setup(app: a.application, key: "", manager: a.manager, gateway: a.gateway, services: a.services)
        let setupB = SessionServerTests.Setup(app: b.application, key: "", manager: b.manager, gateway: b.gateway, services: b.services)
        try await SessionServerTests.withServices(setupB) {
            try await a.application.test(.router) { clientA in
                try await b.application.test(.router) { clientB in
                    let (jwksA, _) = try await Self.jwks(clientA, "/.well-known/jwks.json")
                    let (jwksB, _) = try await Self.jwks(clientB, "/.well-known/jwks.json")
                    #expect(jwksA == jwksB && jwksA.keys.count == 1)

                    let tenant = try await Self.createTenant(clientA, slug: "acme", alg: "ES256")
                    let (_, token) = try await Self.token(clientB, key: tenant.secretKey)
                    #expect(try await clientA.execute(uri: "/t/acme/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]).status == .ok)
                    #expect(try await clientB.execute(uri: "/t/acme/v1/verify", method: .get, headers: [.authorization: "Bearer \(token)"]).status == .ok)

                    // B has loaded acme's keys; a rotation through A must reach it without a restart.
                    let rotated = try await clientA.execute(uri: "/operator/v1/tenants/acme/signing_keys/rotate", method: .post, headers: Self.op(), body: ByteBuffer(string: "{}"))
                    let newKid = try #require(try SessionServerTests.json(rotated.body)["kid"]?.stringValue)
                    let published = try await Self.poll(seconds: 1) { try await Self.jwks(clientB, "/t/acme/.well-known/jwks.json").0.keys.contains { $0.keyID == newKid } }
                    #expect(published, "B publishes the pending key within a second")

                    // A secret key revoked through A is refused by B within a second, although B has it cached.
                    let created = try SessionServerTests.json(
                        try await clientA.execute(uri: "/operator/v1/tenants/acme/secret_keys", method: .post, headers: Self.op(), body: ByteBuffer(string: "{}")).body)
                    let key = try #require(created["secret_key"]?.stringValue)
                    let id = try #require(created["id"]?.stringValue)
                    #expect(try await clientB.execute(uri: "/v1/users", method: .get, headers: [.authorization: "Bearer \(key)"]).status == .ok)
                    #expect(try await clientA.execute(uri: "/operator/v1/tenants/acme/secret_keys/\(id)", method: .delete, headers: Self.op()).status == .ok)
                    let refused = try await Self.poll(seconds: 1) {
                        try await clientB.execute(uri: "/v1/users", method: .get, headers: [.authorization: "Bearer \(key)"]).status == .unauthorized
                    }
                    #expect(refused, "B refuses the revoked key within a second")
                }
            }
        }
    }

    /// Whether `condition` holds within `seconds`, checked every 50 ms.
    static func poll(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}
